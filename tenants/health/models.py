from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When Celery beat's per-schema heartbeat last ran here (one row per schema)."""

    name = models.CharField(max_length=32, unique=True, default="beat")
    last_run_at = models.DateTimeField(_("last run at"))
    runs = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("heartbeat")

    def __str__(self) -> str:
        return f"{self.name} {self.last_run_at:%Y-%m-%d %H:%M:%S}"
