from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tenants.accounts"
    label = "accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        from tenants.audit.selectors import reader_check_register

        from . import receivers  # noqa: F401
        from .permissions import Capability, can

        reader_check_register(lambda user: can(user, Capability.VIEW_AUDIT_LOG))
