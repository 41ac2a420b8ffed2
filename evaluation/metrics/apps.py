from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "evaluation.metrics"
    label = "metrics"
    verbose_name = _("Metric snapshots (运行指标)")
