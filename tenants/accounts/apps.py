from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tenants.accounts"
    label = "accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        from . import receivers  # noqa: F401
