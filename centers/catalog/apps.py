from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "centers.catalog"
    label = "catalog"
    verbose_name = _("Local matter catalog")

    def ready(self):
        from tenants.provisioning import RESTORED_CACHES, register_step

        from .cache import catalog_changed_for

        register_step(RESTORED_CACHES, "catalog.version", catalog_changed_for, order=10)
