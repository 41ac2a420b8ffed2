"""Exports of the ledger: each one checks the right (HANDLE_CASES), builds the file and records
the export in the center's audit (WorkspaceAuditEvent), since the files carry case data out of
the platform. Errors are `ValidationError({field: [messages]})`; a refused right is
`PermissionDenied`."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from centers.workspace.models import WorkspaceAuditEvent
from tenants.accounts.permissions import Capability, can, on_city_domain
from tenants.audit.models import Action
from tenants.audit.services import audit_record

from . import exports, selectors


def _require_case_staff(actor) -> None:
    if on_city_domain() or not can(actor, Capability.HANDLE_CASES):
        raise PermissionDenied(_("Only the center's case staff may export the ledger."))


def _audit_export(actor, action: str, what: str, detail: dict) -> None:
    WorkspaceAuditEvent.objects.create(
        actor=actor.username, action=action, object_repr=what[:200], detail=detail
    )
    # And in the platform's audit log, which the city reads across centers.
    audit_record(action=Action.EXPORT, actor=actor, obj=what, detail={"what": action, **detail})


def _window_detail(window: int | None):
    return "none" if window == selectors.NO_WINDOW else window


def ledger_export(*, actor, day: datetime.date, window: int | None = None) -> bytes:
    """The day's ledger (台帐) and counts as xlsx."""
    _require_case_staff(actor)
    content, rows = exports.ledger_xlsx(day, window)
    _audit_export(
        actor,
        "export_ledger",
        f"台帐 {day.isoformat()}",
        {"day": day.isoformat(), "window": _window_detail(window), "rows": rows},
    )
    return content


def fees_export(*, actor, day: datetime.date, window: int | None = None) -> bytes:
    """The daily fee report (收费日报) as xlsx."""
    _require_case_staff(actor)
    report = selectors.fee_report(day, window)
    content = exports.fees_xlsx(report)
    _audit_export(
        actor,
        "export_fees",
        f"收费日报 {day.isoformat()}",
        {
            "day": day.isoformat(),
            "window": _window_detail(window),
            "rows": len(report.paid) + len(report.waived) + len(report.unpaid),
        },
    )
    return content


def history_range_check(first: datetime.date | None, last: datetime.date | None) -> None:
    errors: dict[str, list[str]] = {}
    if first is None:
        errors["start"] = [_("Choose the first day.")]
    if last is None:
        errors["end"] = [_("Choose the last day.")]
    if first and last:
        if last < first:
            errors["end"] = [_("The last day cannot be before the first day.")]
        elif (last - first).days + 1 > selectors.HISTORY_MAX_DAYS:
            errors["end"] = [
                _("Export at most %(max)s days at a time.") % {"max": selectors.HISTORY_MAX_DAYS}
            ]
    if errors:
        raise ValidationError(errors)


def history_export(*, actor, start: datetime.date, end: datetime.date) -> bytes:
    """The 办理状态 history of the days `start`..`end` (at most HISTORY_MAX_DAYS) as xlsx."""
    _require_case_staff(actor)
    history_range_check(start, end)
    content, rows = exports.history_xlsx(start, end)
    _audit_export(
        actor,
        "export_process_history",
        f"办理状态 {start.isoformat()}–{end.isoformat()}",
        {"start": start.isoformat(), "end": end.isoformat(), "rows": rows},
    )
    return content
