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


@register()
def personal_data_keys_check(app_configs, **kwargs):
    """The personal-data cipher, keys and hash key work (cityplatform.pii): a value encrypted
    with the first key and the chosen cipher decrypts again. Fails at start-up rather than at
    the first intake, e.g. for a short key or an OpenSSL build without SM4."""
    from cityplatform import pii

    try:
        pii.lookup_hash("check")
        if pii.decrypt(pii.encrypt("check")) != "check":
            raise pii.PIIError("a value did not decrypt to itself")
    except Exception as exc:
        return [
            Error(
                f"Personal data cannot be encrypted with these settings: {exc}",
                hint="Check PII_CIPHER, PII_ENCRYPTION_KEYS and PII_HASH_KEY (deploy/README.md).",
                id="audit.E002",
            )
        ]
    return []
