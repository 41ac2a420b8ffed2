from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "centers.catalog"
    label = "catalog"
    verbose_name = _("Local matter catalog")

    def ready(self):
        from catalog_cms.search_index.services import matters_source_register
        from tenants.provisioning import RESTORED_CACHES, register_step

        from .cache import catalog_changed_for
        from .selectors import matters_to_publish

        matters_source_register(matters_to_publish)

        register_step(RESTORED_CACHES, "catalog.version", catalog_changed_for, order=10)
