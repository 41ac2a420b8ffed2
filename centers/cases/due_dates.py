"""Promised dates confirmed when the official calendar learns a year (行政许可法 art. 82).

A promised date that crosses a year whose official schedule is not known yet is computed on
the statutory days alone and printed as provisional; the acceptance notice promises that the
applicant will be told the confirmed date. When the city confirms a year's official schedule
(`catalog_cms.standards.services.official_schedule_save`), or the calendar library learns the
year (beat's `calendar_years_watch`), each center runs `due_dates_confirm` once, in its own
schema (`tasks.due_dates_confirm_center`): every open case whose promised date was provisional,
or whose term reaches into a year whose official days changed, is recomputed on the official
calendar, each under its row lock and in its own transaction, and the run writes one audit
entry of its own (`due_dates_recomputed`).

- A date that moves: a `confirm_due_date` event (before and after in its detail) and an SMS
  to the applicant with the confirmed date.
- A date that stays but is no longer provisional: the same event, without an SMS (nothing
  the applicant was told changes).
- A date still provisional and unmoved (it crosses a later year nobody knows yet): nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .events import CaseAction, record
from .models import Case
from .services.common import locked
from .services.time_limits import deadline_refresh
from .states import OPEN_STATUSES, transition_check

ACTION = CaseAction.CONFIRM_DUE_DATE


@dataclass
class RecomputeResult:
    years: list[int]
    checked: int = 0
    moved: list[str] = field(default_factory=list)  # receipt numbers
    confirmed: list[str] = field(default_factory=list)  # no longer provisional, same date

    def as_dict(self) -> dict:
        return {
            "years": self.years,
            "checked": self.checked,
            "moved": len(self.moved),
            "confirmed": len(self.confirmed),
            "moved_receipts": self.moved[:100],
        }


def cases_to_recompute(years: Iterable[int] = ()):
    """Open cases with a running or paused promised date that was provisional, or whose term
    (acceptance to promised date) reaches into one of `years`."""
    condition = Q(due_provisional=True)
    for year in sorted(set(years)):
        condition |= Q(
            accepted_on__lte=datetime.date(year, 12, 31), due_date__gte=datetime.date(year, 1, 1)
        )
    return Case.objects.filter(
        condition,
        status__in=OPEN_STATUSES,
        accepted_on__isnull=False,
        due_date__isnull=False,
    ).order_by("pk")


def _event_reason(years: list[int]) -> str:
    if years:
        return _("The official holiday schedule of %(years)s is confirmed (art. 82).") % {
            "years": "、".join(str(y) for y in years)
        }
    return _("The official holiday schedule of the year is now known (art. 82).")


def _recompute_one(case: Case, now: datetime.datetime, reason: str) -> str | None:
    """'moved', 'confirmed' or None, for one case under its lock."""
    with transaction.atomic():
        case = locked(case)
        if case.status not in OPEN_STATUSES or case.accepted_on is None or case.due_date is None:
            return None
        transition_check(ACTION, case.status, None)
        before, was_provisional = case.due_date, case.due_provisional
        deadline_refresh(case)
        moved = case.due_date != before
        if not moved and (case.due_provisional or not was_provisional):
            return None  # nothing the applicant or the desk would see changes
        case.save(update_fields=["due_date", "due_provisional"])
        record(
            case,
            None,
            ACTION,
            at=now,
            from_status=case.status,
            reason=reason,
            detail={
                "before": before.isoformat(),
                "after": case.due_date.isoformat(),
                "provisional_before": was_provisional,
                "provisional_after": case.due_provisional,
            },
            notify=moved,  # the applicant hears of a date that moved, as the notice promised
        )
        return "moved" if moved else "confirmed"


def due_dates_confirm(
    *, years: Iterable[int] = (), reason: str = "", now: datetime.datetime | None = None
) -> RecomputeResult:
    """Recompute the promised dates of the current center's open cases on the official
    calendar (see the module's docstring); one audit entry for the run when it looked at any
    case (`reason`: what started it, for the audit). Idempotent: a second run finds nothing
    to change."""
    from tenants.audit.services import audit_record

    now = now or timezone.now()
    years = sorted({int(y) for y in years})
    result = RecomputeResult(years)
    for case in cases_to_recompute(years).only("pk", "receipt_number"):
        result.checked += 1
        outcome = _recompute_one(case, now, _event_reason(years))
        if outcome == "moved":
            result.moved.append(case.receipt_number)
        elif outcome == "confirmed":
            result.confirmed.append(case.receipt_number)
    if result.checked:
        audit_record(
            action="due_dates_recomputed",
            obj=", ".join(str(y) for y in years) or "provisional",
            detail={**result.as_dict(), "reason": reason},
        )
    return result
