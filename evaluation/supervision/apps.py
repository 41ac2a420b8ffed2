from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "evaluation.supervision"
    label = "supervision"
    verbose_name = _("Electronic supervision (电子监察)")
