from django.conf import settings
from django.core.checks import Error, register

from .models import MIN_RETENTION_DAYS


@register()
def audit_retention_check(app_configs, **kwargs):
    """AUDIT_RETENTION_DAYS below 180 would throw away what 等保 2.0 says to keep."""
    days = getattr(settings, "AUDIT_RETENTION_DAYS", None)
    if not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        return [
            Error(
                f"AUDIT_RETENTION_DAYS is {days!r}; the audit log must be kept at least "
                f"{MIN_RETENTION_DAYS} days.",
                hint=f"Set AUDIT_RETENTION_DAYS to {MIN_RETENTION_DAYS} or more.",
                id="audit.E001",
            )
        ]
    return []
