"""办理结果公开: the results of closed cases as the public may see them, for the portal's
/results/. Only what the public may know leaves here: the receipt number, the matter, the
applicant's name masked (张*, organisations keep their first and last two characters), the
decision and the day it was closed, whether that was within the promised time, and whether
the decision was revoked since. No ID
number, phone, address, note or material is ever read.

Read by keyset on (closed_at, id), newest first, through a partial index of closed cases, so
a page costs the same with a million cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from cityplatform.pii import mask_name

from .models import Case
from .states import CaseStatus, Decision

PAGE_SIZE = 30


@dataclass(frozen=True)
class PublishedResult:
    receipt_number: str
    matter_code: str
    matter_name: str
    applicant: str
    decision: str
    closed_on: datetime.date
    on_time: bool
    revoked: bool  # the decision revoked since (撤销, art. 69)


def _month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(month.year, month.month, 1))
    following = datetime.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(following)


def results_published(
    *,
    matter_code: str = "",
    month: datetime.date | None = None,
    after: tuple[datetime.datetime, int] | None = None,
    size: int = PAGE_SIZE,
) -> tuple[list[PublishedResult], tuple[datetime.datetime, int] | None]:
    """One page of published results and the cursor of the next page (None at the end)."""
    cases = Case.objects.filter(status=CaseStatus.CLOSED, closed_at__isnull=False)
    if matter_code:
        cases = cases.filter(matter_code=matter_code)
    if month is not None:
        start, end = _month_bounds(month)
        cases = cases.filter(closed_at__gte=start, closed_at__lt=end)
    if after is not None:
        closed_at, pk = after
        cases = cases.filter(Q(closed_at__lt=closed_at) | Q(closed_at=closed_at, id__lt=pk))
    rows = list(
        cases.order_by("-closed_at", "-id").values_list(
            "id",
            "receipt_number",
            "matter_code",
            "matter_name",
            "applicant_name",
            "decision",
            "closed_at",
            "closed_late",
            "revoked_at",
        )[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    results = [
        PublishedResult(
            receipt_number=receipt,
            matter_code=code,
            matter_name=name,
            applicant=mask_name(applicant),
            decision=str(Decision(decision).label) if decision in Decision.values else "",
            closed_on=timezone.localdate(closed_at),
            on_time=not late,
            revoked=revoked_at is not None,
        )
        for _pk, receipt, code, name, applicant, decision, closed_at, late, revoked_at in rows
    ]
    cursor = (rows[-1][6], rows[-1][0]) if more and rows else None
    return results, cursor


def results_cursor_encode(cursor: tuple[datetime.datetime, int] | None) -> str:
    if cursor is None:
        return ""
    closed_at, pk = cursor
    return f"{closed_at.isoformat()}_{int(pk)}"


def results_cursor_decode(text: str | None) -> tuple[datetime.datetime, int] | None:
    """The cursor of results_cursor_encode, or None for anything else."""
    stamp, _sep, pk = (text or "").rpartition("_")
    if not pk.isdigit():
        return None
    try:
        closed_at = datetime.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if closed_at.tzinfo is None:
        return None
    return closed_at, int(pk)
