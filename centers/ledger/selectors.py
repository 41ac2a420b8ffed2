"""Reads of the ledger (台帐) and the daily fee report (统一收费), shared by the admin screens
and the exports.

Built for a center holding a million cases: every query is bounded by one day (or a short day
range) through an index, and nothing loads the center's cases as a whole.
- the rows of a day: cases by `received_on` (cases_day_window_idx, with the window);
- the day's steps (accepted, one-time notices, refused, closed, closed late), the fees waived
  on a day and the process-code history: the append-only events of the day by `at`, joined to
  their cases by primary key (served by an index on CaseEvent.at);
- open overdue cases: the partial index cases_open_due_idx on the due date;
- fees paid on a day: CaseFee.paid_on (indexed).

`window` is a Window pk, NO_WINDOW for cases without a window (online and village-point
applications) or None for the whole center.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.cases.models import Case, CaseEvent, CaseFee
from centers.cases.states import CLOCK_RUNNING_STATUSES, CaseStatus
from centers.workspace.models import Window

NO_WINDOW = 0
# A longer history export is cut into several (a month of events is one file).
HISTORY_MAX_DAYS = 31
# Cases whose fee is no longer due: never accepted, or withdrawn.
FEE_NOT_DUE_STATUSES = (CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN)

LEDGER_FIELDS = (
    "receipt_number", "matter_name", "applicant_name", "received_at", "promised_days",
    "due_date", "status", "urgent", "closed_late", "window__number", "window__name",
    "owner__username", "owner__first_name", "owner__last_name",
)  # fmt: skip
COUNTED_ACTIONS = {
    "accept": "accepted",
    "request_supplement": "supplement_notices",
    "refuse": "refused",
    "close": "closed",
}


def day_bounds(
    first: datetime.date, last: datetime.date | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the local days `first`..`last` (Asia/Shanghai), as aware datetimes."""
    tz = timezone.get_default_timezone()
    last = last or first
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def windows() -> list[Window]:
    return list(Window.objects.order_by("number"))


def window_label(window_id: int | None, names: dict[int, str] | None = None) -> str:
    if window_id is None:
        return _("No window (online or village point)")
    if names is None:
        names = {w.pk: str(w) for w in windows()}
    return names.get(window_id, str(window_id))


def _window_filter(queryset: QuerySet, window: int | None, lookup: str) -> QuerySet:
    if window is None:
        return queryset
    if window == NO_WINDOW:
        return queryset.filter(**{f"{lookup}__isnull": True})
    return queryset.filter(**{lookup: window})


def _day_events(day: datetime.date, window: int | None) -> QuerySet[CaseEvent]:
    start, end = day_bounds(day)
    events = CaseEvent.objects.filter(at__gte=start, at__lt=end)
    return _window_filter(events, window, "case__window_id")


# --- the ledger rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    receipt_number: str
    matter_name: str
    applicant: str  # masked
    window: str
    received_at: datetime.datetime
    promised_days: int
    due_date: datetime.date | None
    status: str
    status_label: str
    owner: str
    urgent: bool
    closed_late: bool


def ledger_cases(day: datetime.date, window: int | None = None) -> QuerySet[Case]:
    """The cases received on `day` (一事一记), oldest first."""
    cases = _window_filter(Case.objects.filter(received_on=day), window, "window_id")
    return (
        cases.select_related("window", "owner").only(*LEDGER_FIELDS).order_by("received_at", "id")
    )


def ledger_rows(day: datetime.date, window: int | None = None) -> list[LedgerRow]:
    no_window = window_label(None)
    return [
        LedgerRow(
            receipt_number=case.receipt_number,
            matter_name=case.matter_name,
            applicant=case.applicant_name_masked,
            window=str(case.window) if case.window else no_window,
            received_at=timezone.localtime(case.received_at),
            promised_days=case.promised_days,
            due_date=case.due_date,
            status=case.status,
            status_label=str(CaseStatus(case.status).label),
            owner=str(case.owner) if case.owner else "",
            urgent=case.urgent,
            closed_late=case.closed_late,
        )
        for case in ledger_cases(day, window)
    ]


# --- the day's counts -------------------------------------------------------------------------


@dataclass
class DayCounts:
    window_id: int | None
    label: str
    received: int = 0
    accepted: int = 0
    supplement_notices: int = 0
    refused: int = 0
    closed: int = 0
    closed_late: int = 0
    overdue_open: int = 0

    FIELDS = (
        "received",
        "accepted",
        "supplement_notices",
        "refused",
        "closed",
        "closed_late",
        "overdue_open",
    )

    def add(self, other: DayCounts) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in self.FIELDS)


@dataclass
class DayReport:
    day: datetime.date
    by_window: list[DayCounts]
    total: DayCounts


def day_counts(day: datetime.date, window: int | None = None) -> DayReport:
    """Per window: received on the day; accepted, one-time notices issued, refused, closed and
    closed late on the day (from the day's events); and the cases still open with the clock
    running whose promised date was before the day (overdue; for a past day, those of them
    that are still open now)."""
    counts: dict[int | None, DayCounts] = {}
    names = {w.pk: str(w) for w in windows()}

    def bucket(window_id):
        if window_id not in counts:
            counts[window_id] = DayCounts(window_id, window_label(window_id, names))
        return counts[window_id]

    received = _window_filter(Case.objects.filter(received_on=day), window, "window_id")
    for row in received.values("window_id").annotate(n=Count("id")).order_by():
        bucket(row["window_id"]).received = row["n"]
    events = _day_events(day, window).filter(action__in=COUNTED_ACTIONS)
    rows = (
        events.values("case__window_id", "action")
        .annotate(n=Count("id"), late=Count("id", filter=Q(detail__late=True)))
        .order_by()
    )
    for row in rows:
        counts_row = bucket(row["case__window_id"])
        setattr(counts_row, COUNTED_ACTIONS[row["action"]], row["n"])
        if row["action"] == "close":
            counts_row.closed_late = row["late"]
    overdue = _window_filter(
        Case.objects.filter(status__in=CLOCK_RUNNING_STATUSES, due_date__lt=day),
        window,
        "window_id",
    )
    for row in overdue.values("window_id").annotate(n=Count("id")).order_by():
        bucket(row["window_id"]).overdue_open = row["n"]
    ordered = sorted(
        counts.values(),
        key=lambda c: (c.window_id is None, names.get(c.window_id, ""), c.window_id or 0),
    )
    total = DayCounts(window, _("Total"))
    for row in ordered:
        total.add(row)
    return DayReport(day=day, by_window=ordered, total=total)


# --- the daily fee report ---------------------------------------------------------------------


@dataclass(frozen=True)
class FeeLine:
    fee_id: int
    receipt_number: str
    matter_name: str
    item: str
    amount: Decimal
    state: str
    state_label: str
    window_id: int | None
    window: str
    at: datetime.datetime | None  # paid or waived at
    payment_reference: str
    waiver_reason: str
    approver: str  # the user who recorded the waiver (the director)
    # 减免 (seed plan 3): the policy basis and the official who approved it.
    basis_document: str = ""
    basis_article: str = ""
    authority: str = ""
    approver_name: str = ""
    approver_post: str = ""
    approval_reference: str = ""


@dataclass
class FeeTotals:
    label: str
    paid_count: int = 0
    paid_amount: Decimal = Decimal("0.00")
    waived_count: int = 0
    waived_amount: Decimal = Decimal("0.00")
    unpaid_count: int = 0
    unpaid_amount: Decimal = Decimal("0.00")

    def add(self, line: FeeLine) -> None:
        state = line.state
        setattr(self, f"{state}_count", getattr(self, f"{state}_count") + 1)
        setattr(self, f"{state}_amount", getattr(self, f"{state}_amount") + line.amount)


@dataclass
class FeeReport:
    day: datetime.date
    paid: list[FeeLine] = field(default_factory=list)
    waived: list[FeeLine] = field(default_factory=list)
    unpaid: list[FeeLine] = field(default_factory=list)
    by_window: list[FeeTotals] = field(default_factory=list)
    total: FeeTotals | None = None


def _fee_queryset() -> QuerySet[CaseFee]:
    return CaseFee.objects.select_related("case", "window", "waiver_approved_by").only(
        "item", "amount", "state", "window_id", "paid_at", "payment_reference", "waiver_reason",
        "case__receipt_number", "case__matter_name", "window__number", "window__name",
        "waiver_approved_by__username", "waiver_approved_by__first_name",
        "waiver_approved_by__last_name", "waiver_basis_document", "waiver_basis_article",
        "waiver_authority", "waiver_approver_name", "waiver_approver_post",
        "waiver_approval_reference",
    )  # fmt: skip


def _line(fee: CaseFee, at: datetime.datetime | None, no_window: str) -> FeeLine:
    return FeeLine(
        fee_id=fee.pk,
        receipt_number=fee.case.receipt_number,
        matter_name=fee.case.matter_name,
        item=fee.item,
        amount=fee.amount,
        state=fee.state,
        state_label=str(CaseFee.State(fee.state).label),
        window_id=fee.window_id,
        window=str(fee.window) if fee.window else no_window,
        at=timezone.localtime(at) if at else None,
        payment_reference=fee.payment_reference,
        waiver_reason=fee.waiver_reason,
        approver=str(fee.waiver_approved_by) if fee.waiver_approved_by else "",
        basis_document=fee.waiver_basis_document,
        basis_article=fee.waiver_basis_article,
        authority=_authority_label(fee.waiver_authority),
        approver_name=fee.waiver_approver_name,
        approver_post=fee.waiver_approver_post,
        approval_reference=fee.waiver_approval_reference,
    )


def _authority_label(value: str) -> str:
    from catalog_cms.standards.models import WaiverAuthority

    return str(WaiverAuthority(value).label) if value in WaiverAuthority.values else ""


def fee_report(day: datetime.date, window: int | None = None) -> FeeReport:
    """The fees of a day: paid on the day (with references), waived on the day (apart: the
    amount waived, the policy basis and the approver, never counted as collected), and
    assessed on the day (at acceptance) but still unpaid; totals per window and for the whole
    report, each state in its own columns. Fees of cases withdrawn or refused since are no
    longer due."""
    no_window = window_label(None)
    report = FeeReport(day=day)
    paid = _window_filter(
        _fee_queryset().filter(paid_on=day, state=CaseFee.State.PAID), window, "window_id"
    )
    report.paid = [_line(fee, fee.paid_at, no_window) for fee in paid.order_by("paid_at", "pk")]
    day_events = CaseEvent.objects.filter(at__gte=day_bounds(day)[0], at__lt=day_bounds(day)[1])
    waived_at = dict(
        day_events.filter(action="fee_waived").values_list("detail__fee", "at").order_by("at")
    )
    waived = _window_filter(
        _fee_queryset().filter(pk__in=list(waived_at), state=CaseFee.State.WAIVED),
        window,
        "window_id",
    )
    report.waived = sorted(
        (_line(fee, waived_at.get(fee.pk), no_window) for fee in waived),
        key=lambda line: (line.at, line.fee_id),
    )
    accepted_cases = day_events.filter(action="accept").values("case_id")
    unpaid = _window_filter(
        _fee_queryset()
        .filter(case_id__in=accepted_cases, state=CaseFee.State.UNPAID)
        .exclude(case__status__in=FEE_NOT_DUE_STATUSES),
        window,
        "window_id",
    )
    report.unpaid = [_line(fee, None, no_window) for fee in unpaid.order_by("case__received_at")]
    report.by_window, report.total = _fee_totals(report.paid + report.waived + report.unpaid)
    return report


def _fee_totals(lines: list[FeeLine]) -> tuple[list[FeeTotals], FeeTotals]:
    per_window: dict[int | None, FeeTotals] = {}
    labels: dict[int | None, str] = {}
    total = FeeTotals(_("Total"))
    for line in lines:
        labels.setdefault(line.window_id, line.window)
        per_window.setdefault(line.window_id, FeeTotals(line.window)).add(line)
        total.add(line)
    ordered = sorted(
        per_window.items(), key=lambda item: (item[0] is None, labels[item[0]], item[0] or 0)
    )
    return [totals for _window, totals in ordered], total


def case_fees(receipt_number: str) -> list[FeeLine]:
    """The fee items of one case, by its receipt number (to settle an older fee)."""
    no_window = window_label(None)
    fees = _fee_queryset().filter(case__receipt_number=(receipt_number or "").strip())
    return [_line(fee, fee.paid_at, no_window) for fee in fees.order_by("pk")]


# --- the process-code history ----------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    receipt_number: str
    code: int
    name: str
    at: datetime.datetime
    actor: str


def process_history(first: datetime.date, last: datetime.date):
    """The events with a 办理状态 code in the local days `first`..`last`, in time order, as
    HistoryRow, streamed (never held in memory as a whole)."""
    from centers.cases.states import ProcessCode

    start, end = day_bounds(first, last)
    rows = (
        CaseEvent.objects.filter(at__gte=start, at__lt=end, process_code__isnull=False)
        .order_by("at", "pk")
        .values_list("case__receipt_number", "process_code", "at", "actor_name")
    )
    labels = dict(ProcessCode.choices)
    for receipt, code, at, actor in rows.iterator(chunk_size=2000):
        yield HistoryRow(receipt, code, str(labels.get(code, code)), timezone.localtime(at), actor)
