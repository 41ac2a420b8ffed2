from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "evaluation.rectification"
    label = "rectification"
    verbose_name = _("Rectification (差评整改)")
