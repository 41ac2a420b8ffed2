"""The audit log of the whole platform, in the public schema: one table for the city and every
center, so that it outlives a center's schema and the city can read across centers. Rows are
only ever added; PostgreSQL refuses updates, and deletes of rows younger than 180 days
(migration 0002)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel

# 等保 2.0 level 3: audit records are kept at least six months.
MIN_RETENTION_DAYS = 180


class Action(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out after failed logins")
    LOCKOUT_CLEARED = "lockout_cleared", _("Lockout lifted by an administrator")
    LOGOUT = "logout", _("Logout")
    REAUTH = "reauth", _("Password confirmed again")
    USER_CREATED = "user_created", _("User created")
    USER_DELETED = "user_deleted", _("User deleted")
    ROLE_CHANGED = "role_changed", _("Role changed")
    PERMISSIONS_CHANGED = "permissions_changed", _("Permissions changed")
    EXPORT = "export", _("Data export")
    PERSONAL_DATA_READ = "personal_data_read", _("Personal data viewed")
    # Retention (centers.retention): the city's periods changed; a night's anonymisation.
    RETENTION_POLICY_CHANGED = "retention_policy_changed", _("Retention periods changed")
    PERSONAL_DATA_ANONYMISED = "personal_data_anonymised", _("Personal data anonymised")
    # 行政许可法 art. 82: a center's run recomputing promised dates on the official calendar.
    DUE_DATES_RECOMPUTED = "due_dates_recomputed", _("Promised dates recomputed")


class AuditEntry(AppendOnlyModel):
    """Append-only; an entry older than MIN_RETENTION_DAYS may be removed (the purge)."""

    deletable_after = ("at", f"{MIN_RETENTION_DAYS} days")

    # No database constraint: entries stay when a center is archived and its row removed.
    center = models.ForeignKey(
        "tenants.Center",
        verbose_name=_("center"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    schema_name = models.CharField(_("schema"), max_length=63, db_index=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.CharField(_("network (masked)"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["schema_name", "-id"], name="audit_schema_id"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"
