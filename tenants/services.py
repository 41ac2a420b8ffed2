"""Provisioning and the life of a center. Every change is one function here: it checks,
writes and audits in one transaction; the command, the admin screens and the API call it."""

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists
from wagtail.log_actions import LogContext

from .models import Center, CenterAuditEvent, CenterKind, CenterStatus, Domain
from .provisioning import CITY, NEW_CENTER, run_steps
from .schemas import spare_schema_take, template_clone
from .selectors import center_url
from .validators import validate_division_code_for_kind, validate_hostname, validate_slug

FIRST_ADMIN_USERNAME = "admin"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProvisionedCenter:
    center: Center
    url: str
    admin_url: str
    admin_username: str
    admin_password: str


def _collect(errors: dict, field: str, check, *args) -> None:
    try:
        check(*args)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)


def center_validate(
    *, kind: str, division_code: str, name: str, slug: str, parent_slug: str | None
) -> Center | None:
    """Check every field of a new center; raise one ValidationError naming each bad field.
    Returns the parent district (or None)."""
    errors: dict[str, list[str]] = {}
    parent = None
    if kind not in (CenterKind.DISTRICT, CenterKind.TOWNSHIP, CenterKind.STREET):
        errors["kind"] = [_("The kind must be one of district, township or street.")]
    if not name or not name.strip():
        errors["name"] = [_("The name is required.")]
    elif len(name) > 50:
        errors["name"] = [_("The name may have at most 50 characters.")]
    _collect(errors, "slug", validate_slug, slug)
    if "slug" not in errors and Center.objects.filter(slug=slug).exists():
        errors["slug"] = [
            _("The slug %(slug)s is already used by another center.") % {"slug": slug}
        ]
    domain = f"{slug}.{settings.CITY_DOMAIN}"
    if "slug" not in errors and Domain.objects.filter(domain=domain).exists():
        errors["domain"] = [_("The domain %(domain)s is already in use.") % {"domain": domain}]
    if kind == CenterKind.DISTRICT and parent_slug:
        errors["parent"] = [_("A district has no parent; leave the parent out.")]
    elif kind in (CenterKind.TOWNSHIP, CenterKind.STREET):
        if not parent_slug:
            errors["parent"] = [_("A township or street needs its parent district.")]
        else:
            parent = Center.objects.filter(slug=parent_slug).first()
            if parent is None:
                errors["parent"] = [_("No district has the slug %(slug)s.") % {"slug": parent_slug}]
            elif parent.kind != CenterKind.DISTRICT:
                errors["parent"] = [
                    _("The parent %(slug)s is not a district.") % {"slug": parent_slug}
                ]
                parent = None
    if "kind" not in errors:
        _collect(
            errors,
            "division_code",
            validate_division_code_for_kind,
            division_code,
            kind,
            parent.division_code if parent else None,
        )
    if (
        "division_code" not in errors
        and Center.objects.filter(division_code=division_code).exists()
    ):
        errors["division_code"] = [
            _("The division code %(code)s is already used by another center.")
            % {"code": division_code}
        ]
    if errors:
        raise ValidationError(errors)
    return parent


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


def center_create(
    *,
    kind: str,
    division_code: str,
    name: str,
    slug: str,
    parent_slug: str | None = None,
    actor: str = "",
    admin_password: str | None = None,
) -> ProvisionedCenter:
    """Provision a center: its schema (a renamed spare, or a clone of the template), its
    domain, its Wagtail site and home page, and its first administrator, all in one
    transaction, so a failure anywhere leaves no schema, domain or user behind."""
    name = (name or "").strip()
    parent = center_validate(
        kind=kind, division_code=division_code, name=name, slug=slug, parent_slug=parent_slug
    )
    schema_name = schema_name_for(slug)
    password = admin_password or secrets.token_urlsafe(12)
    try:
        center = _center_provision(
            kind=kind, division_code=division_code, name=name, slug=slug, parent=parent,
            schema_name=schema_name, actor=actor, password=password,
            check_password=admin_password is not None,
        )  # fmt: skip
    except IntegrityError as exc:
        # Another request created the same slug, code or domain between our checks and the
        # insert (a double submission): report it like the checks would have.
        message = _(
            "A center with the slug %(slug)s, or with this division code or domain, was created "
            "at the same moment by another request."
        )
        raise ValidationError({"slug": [message % {"slug": slug}]}) from exc
    transaction.on_commit(_refill_spare_pool)
    url = center_url(center)
    return ProvisionedCenter(
        center=center,
        url=url,
        admin_url=f"{url}admin/",
        admin_username=FIRST_ADMIN_USERNAME,
        admin_password=password,
    )


@transaction.atomic
def _center_provision(
    *, kind, division_code, name, slug, parent, schema_name, actor, password, check_password
) -> Center:
    from tenants.accounts.models import Role
    from tenants.accounts.services import staff_user_create

    if schema_exists(schema_name, case_sensitive=False):
        raise ValidationError(
            {"slug": [_("A schema for %(slug)s exists already.") % {"slug": slug}]}
        )
    if not spare_schema_take(schema_name):
        template_clone(schema_name)
    center = Center(
        schema_name=schema_name,
        slug=slug,
        name=name,
        kind=kind,
        division_code=division_code,
        parent=parent,
    )
    center.full_clean()
    center.save()
    domain = Domain.objects.create(
        domain=f"{slug}.{settings.CITY_DOMAIN}", tenant=center, is_primary=True
    )
    # The acting user (if any) lives in another schema: Wagtail's log entries in the new
    # schema must not point at them.
    with schema_context(schema_name), LogContext(user=None):
        run_steps(NEW_CENTER, center, domain.domain)
        staff_user_create(
            username=FIRST_ADMIN_USERNAME,
            password=password,
            role=Role.CENTER_DIRECTOR,
            last_name=_("Administrator"),
            check_password=check_password,
        )
    CenterAuditEvent.objects.create(
        center=center, action="created", actor=actor, detail={"domain": domain.domain}
    )
    return center


def _refill_spare_pool() -> None:
    from .tasks import spare_schemas_refill

    try:
        spare_schemas_refill.delay()
    except Exception:
        import logging

        logging.getLogger(__name__).warning("could not queue the spare pool refill")


def center_domain_add(*, center: Center, domain: str, actor: str) -> Domain:
    """Give a center another host name (e.g. a legacy address); the first stays primary."""
    domain = (domain or "").strip().lower().rstrip(".")
    try:
        validate_hostname(domain)
    except ValidationError as exc:
        raise ValidationError({"domain": exc.messages}) from exc
    if Domain.objects.filter(domain=domain).exists():
        raise ValidationError(
            {"domain": [_("The domain %(domain)s is already in use.") % {"domain": domain}]}
        )
    with transaction.atomic():
        added = Domain.objects.create(domain=domain, tenant=center, is_primary=False)
        CenterAuditEvent.objects.create(
            center=center, action="domain_added", actor=actor, detail={"domain": domain}
        )
    return added


def _status_change(*, center: Center, status: str, actor: str, reason: str = "") -> Center:
    if center.is_city:
        raise ValidationError({"center": [_("The city itself cannot be suspended or archived.")]})
    if center.status == CenterStatus.ARCHIVED and status != CenterStatus.ARCHIVED:
        raise ValidationError({"status": [_("An archived center cannot be reopened.")]})
    if center.status == status:
        return center
    with transaction.atomic():
        previous = center.status
        center.status = status
        center.status_changed_at = timezone.now()
        center.save(update_fields=["status", "status_changed_at"])
        CenterAuditEvent.objects.create(
            center=center,
            action=status,
            actor=actor,
            detail={"from": previous, "to": status, "reason": reason},
        )
    return center


def center_suspend(*, center: Center, actor: str, reason: str = "") -> Center:
    """Suspend a center: its domain answers 503 with a clear page until it is resumed."""
    return _status_change(center=center, status=CenterStatus.SUSPENDED, actor=actor, reason=reason)


def center_resume(*, center: Center, actor: str, reason: str = "") -> Center:
    return _status_change(center=center, status=CenterStatus.ACTIVE, actor=actor, reason=reason)


def center_archive(*, center: Center, actor: str, reason: str = "") -> Center:
    """Archive a center: it stops serving, every row of its schema is kept."""
    return _status_change(center=center, status=CenterStatus.ARCHIVED, actor=actor, reason=reason)


def city_ensure(*, name: str, division_code: str) -> Center:
    """The city's own tenant row (the public schema) and its domain; idempotent."""
    with transaction.atomic():
        city, _created = Center.objects.get_or_create(
            schema_name=settings.PUBLIC_SCHEMA_NAME,
            defaults={
                "slug": "city",
                "name": name,
                "kind": CenterKind.CITY,
                "division_code": division_code,
            },
        )
        Domain.objects.get_or_create(
            domain=settings.CITY_DOMAIN, defaults={"tenant": city, "is_primary": True}
        )
        run_steps(CITY, city, settings.CITY_DOMAIN)
    return city
