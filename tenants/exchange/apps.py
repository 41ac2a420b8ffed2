from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "tenants.exchange"
    label = "exchange"
    verbose_name = _("Exchange between centers")
    default_auto_field = "django.db.models.BigAutoField"
