from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "tenants.health"
    label = "health"
    verbose_name = _("Health")

    def ready(self):
        from tenants.middleware import database_down_view_register

        from .views import healthz

        database_down_view_register("/healthz", healthz)
