from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .labels import actor_label


class Role(models.TextChoices):
    """Who a staff user is. City-level roles live in the public schema, center roles in the
    center's schema; tenants.accounts.permissions says what each may do."""

    CITY_ADMIN = "city_admin", _("City administrator")
    DISTRICT_SUPERVISOR = "district_supervisor", _("District supervisor")
    EVALUATOR = "evaluator", _("Evaluator")
    CENTER_DIRECTOR = "center_director", _("Center director")
    WINDOW_STAFF = "window_staff", _("Window staff")
    VILLAGE_AGENT = "village_agent", _("Village agent")


CITY_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_SUPERVISOR, Role.EVALUATOR})
CENTER_ROLES = frozenset({Role.CENTER_DIRECTOR, Role.WINDOW_STAFF, Role.VILLAGE_AGENT})


class User(AbstractUser):
    """A staff user of one schema: city and district staff in public, center staff in their
    center's schema. A login therefore never crosses a tenant boundary."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # For district supervisors and evaluators: the district they work for. A plain id rather
    # than a foreign key because this table exists in every schema (no cross-schema FK).
    district_id = models.BigIntegerField(_("district"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return actor_label(self)


class UserSession(models.Model):
    """One signed-in session of a staff user on this schema's domain, so that a user keeps at
    most MAX_SESSIONS_PER_USER of them (tenants.accounts.sessions)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="sessions"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created = models.DateTimeField(_("signed in"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), auto_now_add=True)
    ip = models.CharField(_("network (masked)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user} {self.created:%Y-%m-%d %H:%M}"
