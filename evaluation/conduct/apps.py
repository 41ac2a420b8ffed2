from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConductConfig(AppConfig):
    name = "evaluation.conduct"
    label = "conduct"
    verbose_name = _("Conduct campaign (作风建设: self and peer evaluation)")
