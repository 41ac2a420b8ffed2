from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "centers.workspace"
    label = "workspace"
    verbose_name = _("Center workspace")

    def ready(self):
        from tenants.provisioning import RESTORED, register_step

        from .services import facts_publish_for

        register_step(RESTORED, "workspace.facts", facts_publish_for, order=10)
