"""Reads of cases that the desk, the API, exports and the portal share.

Lists are designed for a center holding a million cases: every filter is served by an index
(see Case.Meta.indexes), pages are cut by keyset (received_at, id) rather than OFFSET, and
the remaining working days are computed for the rows of one page only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from centers.workspace.models import Post
from centers.workspace.selectors import absent_user_ids

from . import clock
from .models import Case
from .states import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, CaseStatus


def case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("window", "owner", "first_contact", "matter")


def covered_owner_ids(user, day: datetime.date) -> set[int]:
    """The owners whose cases `user` sees as their B post holder: A holders of the user's B
    posts who are absent on `day`."""
    a_holders = set(Post.objects.filter(holder_b=user).values_list("holder_a_id", flat=True))
    if not a_holders:
        return set()
    return a_holders & absent_user_ids(day)


def my_cases_filter(user, day: datetime.date) -> Q:
    """Cases the user owns, and those of absent colleagues whose B post the user holds."""
    return Q(owner=user) | Q(owner_id__in=covered_owner_ids(user, day))


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None  # a CaseStatus value, "open" or None for all
    window_id: int | None = None
    overdue: bool = False
    urgent: bool = False
    mine_for: object | None = None  # a user: only "my cases"
    matter_code: str | None = None
    query: str | None = None  # receipt number prefix or applicant name


def cases_filtered(filters: CaseFilters, today: datetime.date | None = None) -> QuerySet[Case]:
    today = today or clock.local_today()
    cases = case_queryset()
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.window_id:
        cases = cases.filter(window_id=filters.window_id)
    if filters.overdue:
        cases = cases.filter(status__in=CLOCK_RUNNING_STATUSES, due_date__lt=today)
    if filters.urgent:
        cases = cases.filter(urgent=True)
    if filters.mine_for is not None:
        cases = cases.filter(my_cases_filter(filters.mine_for, today))
    if filters.matter_code:
        cases = cases.filter(matter_code=filters.matter_code)
    if filters.query:
        q = filters.query.strip()
        if q.isdigit():
            cases = cases.filter(receipt_number__startswith=q)
        else:
            cases = cases.filter(applicant_name=q)
    return cases.order_by("-urgent", "-received_at", "-id")


def case_page(
    cases: QuerySet[Case], *, after: tuple | None = None, size: int = 50
) -> tuple[list[Case], tuple | None]:
    """One page by keyset on (urgent, received_at, id), newest first; returns (rows, cursor of
    the next page or None)."""
    if after is not None:
        urgent, received_at, pk = after
        cases = cases.filter(
            Q(urgent__lt=urgent)
            | Q(urgent=urgent, received_at__lt=received_at)
            | Q(urgent=urgent, received_at=received_at, id__lt=pk)
        )
    rows = list(cases[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    cursor = (rows[-1].urgent, rows[-1].received_at, rows[-1].pk) if more and rows else None
    return rows, cursor


@dataclass(frozen=True)
class Deadline:
    due_date: datetime.date | None
    provisional: bool
    remaining: int | None  # working days left (negative: overdue by), None when no clock
    overdue: bool
    paused: bool


def deadline_of(case: Case, today: datetime.date, closures=None) -> Deadline:
    """What the desk shows next to a case: promised date, working days left, overdue."""
    paused = case.status in (CaseStatus.SUPPLEMENTING, CaseStatus.SPECIAL_PROCEDURE) and (
        case.accepted_on is not None
    )
    if case.due_date is None or case.status not in OPEN_STATUSES:
        return Deadline(case.due_date, case.due_provisional, None, False, paused)
    if closures is None:
        closures = clock.center_closures()
    remaining = clock.working_days_left(case.due_date, today, closures)
    overdue = case.status in CLOCK_RUNNING_STATUSES and case.due_date < today
    return Deadline(case.due_date, case.due_provisional, remaining, overdue, paused)


def deadlines_for(cases, today: datetime.date | None = None) -> dict[int, Deadline]:
    """Deadlines of a page of cases, reading the closures once."""
    today = today or clock.local_today()
    closures = clock.center_closures()
    return {case.pk: deadline_of(case, today, closures) for case in cases}


def case_by_receipt(receipt_number: str) -> Case | None:
    return case_queryset().filter(receipt_number=(receipt_number or "").strip()).first()


def case_history(case: Case):
    return case.events.select_related("actor").order_by("at", "pk")
