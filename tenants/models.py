from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from cityplatform.history import AppendOnlyModel


class CenterKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    TOWNSHIP = "township", _("Township")
    STREET = "street", _("Street")


class CenterStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ARCHIVED = "archived", _("Archived")


class CenterQuerySet(models.QuerySet):
    def centers(self) -> "CenterQuerySet":
        """Every district, township and street center: the city's own public row excluded."""
        return self.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)


def center_display_name(name: str, kind: str) -> str:
    """The official name: always "<place>政务服务中心"; the city row is the city's name."""
    if kind == CenterKind.CITY:
        return name
    return f"{name}政务服务中心"


class Center(TenantMixin):
    """A government service center (政务服务中心): one PostgreSQL schema, one domain, one portal.

    The city itself is the row whose schema is `public`; it is never provisioned."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. 清水台镇"))
    kind = models.CharField(_("kind"), max_length=16, choices=CenterKind.choices)
    division_code = models.CharField(
        _("division code (统计用区划代码)"), max_length=12, unique=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CenterStatus.choices, default=CenterStatus.ACTIVE
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Schemas are created by tenants.services.center_create (spare pool or template clone).
    auto_create_schema = False
    auto_drop_schema = False

    objects = CenterQuerySet.as_manager()

    class Meta:
        verbose_name = _("service center (政务服务中心)")
        verbose_name_plural = _("service centers")
        ordering = ["division_code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(division_code__regex=r"^\d{12}$"),
                name="center_division_code_12_digits",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["township", "street"], parent__isnull=False)
                    | models.Q(kind__in=["city", "district"], parent__isnull=True)
                ),
                name="center_parent_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return center_display_name(self.name, self.kind)

    @property
    def is_city(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from .cache import forget_center_domains

        forget_center_domains(self)


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from .cache import forget_domain

        forget_domain(self.domain)

    def delete(self, *args, **kwargs):
        from .cache import forget_domain

        forget_domain(self.domain)
        return super().delete(*args, **kwargs)


class SpareSchema(models.Model):
    """A migrated clone of the template schema, kept ready so a center is provisioned by an
    instant `ALTER SCHEMA … RENAME` instead of a table-by-table clone."""

    schema_name = models.CharField(max_length=63, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("spare schema")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.schema_name


class CenterAuditEvent(AppendOnlyModel):
    """Append-only record of what happened to a center (created, suspended, …) and by whom."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="audit_events")
    action = models.CharField(_("action"), max_length=32)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("center audit event")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.center_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
