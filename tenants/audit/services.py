"""Writing the audit log: `audit_record` is the one way an entry comes into being. It joins the
caller's transaction, so an audited change and its entry commit or roll back together."""

from __future__ import annotations

import datetime
import ipaddress

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cityplatform.ratelimit import client_ip

from .models import MIN_RETENTION_DAYS, Action, AuditEntry

USER_AGENT_LENGTH = 200


def mask_ip(address: str | None) -> str:
    """An IPv4 address as its /24 network, an IPv6 address as its /48: enough to tell offices
    apart, not enough to name a machine."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _current_center():
    """The Center of the current schema, or None on the city's (public) schema."""
    from tenants.models import Center

    schema = connection.schema_name
    if schema == settings.PUBLIC_SCHEMA_NAME:
        return None
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Center) and tenant.schema_name == schema:
        return tenant
    return Center.objects.filter(schema_name=schema).first()


def audit_record(
    *,
    action: str,
    actor=None,
    username: str = "",
    request=None,
    obj: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Record one audited action of the current schema's domain. `actor` is the user who acted
    (None for a failed login: then `username` is what was typed); `request` gives the masked
    address and the browser."""
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    ip = agent = ""
    if request is not None:
        ip = mask_ip(client_ip(request))  # the client behind nginx (NUM_PROXIES)
        agent = (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_LENGTH]
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        center=_current_center(),
        schema_name=connection.schema_name,
        at=timezone.now(),
        actor_username=(actor.get_username() if authenticated else username)[:150],
        actor_id=actor.pk if authenticated else None,
        actor_role=(getattr(actor, "role", "") or "") if authenticated else "",
        action=action,
        object_repr=str(obj)[:200],
        detail=detail or {},
        ip=ip,
        user_agent=agent,
    )


def export_recorded(request, what: str, *, rows: int | None = None, **detail) -> AuditEntry:
    """Record a data export made by `request.user` (views that build a file call this)."""
    data = {"what": what, **detail}
    if rows is not None:
        data["rows"] = rows
    return audit_record(
        action=Action.EXPORT, actor=request.user, request=request, obj=what, detail=data
    )


def personal_data_read(request, *, receipt: str, what: str) -> AuditEntry:
    """Record that `request.user` saw one piece of a resident's personal data in full: `what`
    is "id_number", "phone", "scan:<id>" or "document:<kind>" of the case `receipt`."""
    if not receipt or not what:
        raise ValueError("personal_data_read needs the case's receipt and what was read")
    return audit_record(
        action=Action.PERSONAL_DATA_READ,
        actor=request.user,
        request=request,
        obj=f"{receipt} ({what})",  # which case and what, in the list and the export
        detail={"receipt": receipt, "what": what},
    )


def retention_days() -> int:
    return max(settings.AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS)


def audit_purge(*, now: datetime.datetime | None = None) -> int:
    """Remove the entries older than AUDIT_RETENTION_DAYS (never fewer than 180: the database
    refuses younger ones anyway). Returns how many were removed."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=retention_days())
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


def audit_export(*, actor, filters, request=None) -> bytes:
    """The entries `actor` may read, narrowed by `filters`, as xlsx (at most EXPORT_MAX_ROWS);
    the export itself is recorded."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from . import exports, selectors

    if not selectors.may_view_audit(actor):
        raise PermissionDenied(_("You may not read the audit log."))
    entries = selectors.audit_entries(actor, filters)[: selectors.EXPORT_MAX_ROWS]
    content, rows = exports.audit_xlsx(entries)
    audit_record(
        action=Action.EXPORT,
        actor=actor,
        request=request,
        obj="审计日志",
        detail={
            "what": "audit",
            "rows": rows,
            "center": filters.schema_name,
            "action": filters.action,
            "actor": filters.actor,
            "start": filters.start.isoformat() if filters.start else "",
            "end": filters.end.isoformat() if filters.end else "",
        },
    )
    return content
