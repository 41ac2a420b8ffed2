from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchIndexConfig(AppConfig):
    name = "catalog_cms.search_index"
    label = "search_index"
    verbose_name = _("Guide search")

    def ready(self):
        from tenants.provisioning import RESTORED, register_step

        from .services import center_restored_publish

        register_step(RESTORED, "search_index.matters", center_restored_publish, order=20)
