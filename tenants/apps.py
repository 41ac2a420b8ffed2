from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Centers and tenancy")

    def ready(self):
        from . import private_files  # noqa: F401 (registers its system check)
