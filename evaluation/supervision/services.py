"""The electronic supervision scan (电子监察) of one center, and the notices it leaves.

`supervision_scan(center, today)` runs inside the center's schema (a Celery task per center,
see tasks.py). For each flag one set-based statement finds the cases in the condition and
upserts their alerts into the public table (INSERT … SELECT … ON CONFLICT): a new row is a new
alert; an existing row is touched only when it was cleared and the condition is back, or when
the case's status, promised date or owner moved. A second statement clears the open alerts
whose condition ended (the case closed, or is back on time after an extension). The notices of
the new alerts — one per recipient and alert, for the case owner and the center's directors —
are written in the same transaction; SMS digests go out after the commit.

The yellow threshold is computed once per scan on the official working-day calendar: a case
has one working day or less left when its promised date falls before the second working day
after today. Yellow stays open once the case is red (the red flag is the escalation); both
clear when the case closes or an extension puts it back on time. An instant case (即办件) is
promised for its first day, so it carries instant_late instead of yellow and red.

`closure_in_term` (a closure of the center inside the term of a case whose clock runs) is
raised and cleared like the others but notifies nobody: the closure never moves the date
(行政许可法 art. 82), so it is a risk shown in the lists and on the case, nothing more.

Each flag is raised once per case (the unique constraint): a cleared alert whose condition
comes back (an extension that runs out again) is reopened without a second notice.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog_cms.standards import calendar as cal
from centers.cases.models import Case, CaseMaterial, CaseObjection, CaseTask, ClockPause
from centers.cases.services import VISITS_WITHOUT_APPROVAL
from centers.cases.states import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    CaseKind,
    CaseStatus,
    Channel,
    PauseKind,
)
from centers.workspace.models import Closure, Department, Window
from tenants.accounts.models import Role, User
from tenants.accounts.permissions import on_domain_of

from .models import Alert, AlertNotice, Flag

logger = logging.getLogger(__name__)

# 行政许可法 art. 32: one one-time notice; the second (the director's) raises repeated_returns.
RETURNS_ALLOWED = 1
# A case closed with more visits than its matter promises stays listed this many days.
VISITS_CLOSED_SHOWN_DAYS = 7

# Flags shown in the lists and on the case, but never notified (no notice, no SMS): a risk.
SILENT_FLAGS = frozenset({str(Flag.CLOSURE_IN_TERM)})

RUNNING = sorted(str(s) for s in CLOCK_RUNNING_STATUSES)
OPEN = sorted(str(s) for s in OPEN_STATUSES)
# An instant case waiting for the applicant's materials is not the center's delay.
INSTANT_LATE_STATUSES = sorted(str(s) for s in OPEN_STATUSES if s != CaseStatus.SUPPLEMENTING)


def yellow_threshold(today: datetime.date) -> datetime.date:
    """The first promised date that still has more than one working day left after today:
    the second working day after today on the official calendar (行政许可法 art. 82; the
    center's closures do not count, as they never move the promised date)."""
    return cal.add_working_days(today, 2)[0]


# The conditions, as SQL over the center's `cases_case c`. `raise` finds the cases that get an
# alert; `keep` the cases whose alert stays open (for yellow: also once past due).
def _conditions(
    t: dict[str, str],
) -> dict[str, dict[str, str]]:
    """The conditions over the center's tables (`_tables()`)."""
    pause_table, closure_table = t["pause"], t["closure"]
    objection_table, task_table, department_table = t["objection"], t["task"], t["department"]
    material_table = t["material"]
    late_tasks = (
        f"c.id IN (SELECT t.case_id FROM {task_table} t WHERE t.signed_off_at IS NULL "
        "AND t.due_date < %(today)s)"
    )
    # An instant case's promised date is its first day: instant_late is its one flag.
    running = "c.status = ANY(%(running)s) AND c.kind <> %(instant)s"
    is_open = "c.status = ANY(%(open)s)"
    returns = (
        f"c.id IN (SELECT p.case_id FROM {pause_table} p WHERE p.kind = %(supplement)s "
        "GROUP BY p.case_id HAVING count(*) > %(returns_allowed)s)"
    )
    over_promise = (
        f"({is_open} OR c.closed_on >= %(visits_closed_since)s) AND c.visits > GREATEST("
        "c.promised_visits, CASE WHEN c.channel = %(window_channel)s THEN 1 ELSE 0 END)"
    )

    due_soon = "m.tolerance_due >= %(today)s AND m.tolerance_due < %(threshold)s"

    def tolerated(condition: str) -> str:
        return (
            f"EXISTS (SELECT 1 FROM {material_table} m WHERE m.case_id = c.id "
            f"AND m.state = %(tolerated)s AND {condition})"
        )

    objection_late = (
        f"c.id IN (SELECT o.case_id FROM {objection_table} o "
        "WHERE o.answered_at IS NULL AND o.due_on < %(today)s)"
    )
    # The same day as the case's own due date (clock.instant_due_date: the day it was taken
    # in, a 调休 or duty day included); one not accepted yet, the day it was received.
    instant = (
        "c.kind = %(instant)s AND c.status = ANY(%(instant_open)s) "
        "AND COALESCE(c.due_date, c.accepted_on, c.received_on) < %(today)s"
    )
    closure_in_term = (
        "c.status = ANY(%(running)s) AND c.accepted_on IS NOT NULL AND c.due_date IS NOT NULL "
        f"AND EXISTS (SELECT 1 FROM {closure_table} k "
        "WHERE k.start_date <= c.due_date AND k.end_date >= c.accepted_on)"
    )
    # Art. 44: the certificate of a granting decision within 10 working days of it.
    certificate = (
        "c.status = %(closed)s AND c.certificate_due_date < %(today)s "
        "AND c.certificate_issued_at IS NULL AND c.revoked_at IS NULL"
    )
    # Seed plan 1 六办件: a 急办件 past the center's internal target while still open.
    urgent = f"{is_open} AND c.urgent AND c.urgent_target_date < %(today)s"
    return {
        Flag.YELLOW: {
            "raise": f"{running} AND c.due_date >= %(today)s AND c.due_date < %(threshold)s",
            "keep": f"{running} AND c.due_date < %(threshold)s",
        },
        Flag.RED: {
            "raise": f"{running} AND c.due_date < %(today)s",
            "keep": f"{running} AND c.due_date < %(today)s",
        },
        Flag.INSTANT_LATE: {"raise": instant, "keep": instant},
        Flag.REPEATED_RETURNS: {
            "raise": f"{is_open} AND {returns}",
            "keep": f"{is_open} AND {returns}",
        },
        Flag.THIRD_VISIT: {
            "raise": f"{is_open} AND c.visits > %(visits_allowed)s",
            "keep": f"{is_open} AND c.visits > %(visits_allowed)s",
        },
        # 行政许可法 art. 82: a closure never moves the date; inside the term it is a risk.
        Flag.CLOSURE_IN_TERM: {"raise": closure_in_term, "keep": closure_in_term},
        Flag.CERTIFICATE_LATE: {"raise": certificate, "keep": certificate},
        Flag.URGENT_LATE: {"raise": urgent, "keep": urgent},
        # Seed plan 1 (退回件): the owner answers an objection in writing by the city's date;
        # the alert stays open until the answer is given.
        Flag.OBJECTION_LATE: {
            "raise": objection_late,
            "keep": objection_late,
        },
        # Issue 15 (联办件, seed plan 1: 不得相互推诿): a department not signed off after its own
        # due date; the alert names the late departments (`detail`).
        Flag.JOINT_TASK_LATE: {
            "raise": f"{is_open} AND {late_tasks}",
            "keep": f"{is_open} AND {late_tasks}",
            "detail": (
                f"(SELECT string_agg(d.name, '、' ORDER BY d.name) FROM {task_table} t "
                f"JOIN {department_table} d ON d.id = t.department_id "
                "WHERE t.case_id = c.id AND t.signed_off_at IS NULL "
                "AND t.due_date < %(today)s)"
            ),
        },
        # Issue 15, part 4. 两次终结: more visits than the matter's 到现场次数 (a walk-in's own
        # first visit is the applicant's choice: centers.cases.selectors.visits_allowed); a
        # case closed so (the hand-over is often the visit too many) stays a week.
        Flag.VISITS_OVER_PROMISE: {"raise": over_promise, "keep": over_promise},
        # 容缺: the material promised at acceptance, due within one working day, or past due.
        Flag.TOLERANCE_DUE_SOON: {
            "raise": f"{is_open} AND {tolerated(due_soon)}",
            "keep": f"{is_open} AND {tolerated('m.tolerance_due < %(threshold)s')}",
        },
        Flag.TOLERANCE_OVERDUE: {
            "raise": f"{is_open} AND {tolerated('m.tolerance_due < %(today)s')}",
            "keep": f"{is_open} AND {tolerated('m.tolerance_due < %(today)s')}",
        },
    }


# The applicant's name masked as cityplatform.pii.mask_name does.
_NAME = "btrim(c.applicant_name)"
MASK_SQL = (
    f"CASE WHEN char_length({_NAME}) <= 1 THEN {_NAME} "
    f"WHEN char_length({_NAME}) > 6 THEN left({_NAME}, 2) "
    f"|| repeat('*', char_length({_NAME}) - 4) || right({_NAME}, 2) "
    f"ELSE left({_NAME}, 1) || repeat('*', char_length({_NAME}) - 1) END"
)


def _tables() -> dict[str, str]:
    public = connection.ops.quote_name(settings.PUBLIC_SCHEMA_NAME)
    return {
        "alert": f"{public}.{connection.ops.quote_name(Alert._meta.db_table)}",
        "case": connection.ops.quote_name(Case._meta.db_table),
        "pause": connection.ops.quote_name(ClockPause._meta.db_table),
        "closure": connection.ops.quote_name(Closure._meta.db_table),
        "objection": connection.ops.quote_name(CaseObjection._meta.db_table),
        "material": connection.ops.quote_name(CaseMaterial._meta.db_table),
        "user": connection.ops.quote_name(User._meta.db_table),
        "window": connection.ops.quote_name(Window._meta.db_table),
        "task": connection.ops.quote_name(CaseTask._meta.db_table),
        "department": connection.ops.quote_name(Department._meta.db_table),
    }


def _upsert_sql(t: dict[str, str], condition: str, detail: str = "''") -> str:
    return f"""
        INSERT INTO {t["alert"]} AS a (
            center_id, district_id, case_id, flag, receipt_number, matter_name, case_kind,
            case_status, received_on, accepted_on, due_date, owner_username, owner_name,
            window_name, applicant_masked, raised_at, detail)
        SELECT %(center)s, %(district)s, c.id, %(flag)s, c.receipt_number, c.matter_name, c.kind,
            c.status, c.received_on, c.accepted_on, c.due_date, COALESCE(u.username, ''),
            COALESCE(NULLIF(u.last_name || u.first_name, ''), u.username, ''),
            COALESCE(w.name, ''), {MASK_SQL}, %(now)s, left(COALESCE({detail}, ''), 300)
        FROM {t["case"]} c
        LEFT JOIN {t["user"]} u ON u.id = c.owner_id
        LEFT JOIN {t["window"]} w ON w.id = c.window_id
        WHERE {condition}
        ON CONFLICT (center_id, case_id, flag) DO UPDATE SET
            cleared_at = NULL, case_status = EXCLUDED.case_status, due_date = EXCLUDED.due_date,
            owner_username = EXCLUDED.owner_username, owner_name = EXCLUDED.owner_name,
            detail = EXCLUDED.detail
        WHERE a.cleared_at IS NOT NULL
            OR a.case_status IS DISTINCT FROM EXCLUDED.case_status
            OR a.due_date IS DISTINCT FROM EXCLUDED.due_date
            OR a.owner_username IS DISTINCT FROM EXCLUDED.owner_username
            OR a.detail IS DISTINCT FROM EXCLUDED.detail
        RETURNING a.id, a.case_id, a.flag, a.owner_username, (a.xmax = 0) AS inserted
    """


def _clear_sql(t: dict[str, str], condition: str) -> str:
    return f"""
        UPDATE {t["alert"]} a SET cleared_at = %(now)s,
            case_status = COALESCE(
                (SELECT c.status FROM {t["case"]} c WHERE c.id = a.case_id), a.case_status)
        WHERE a.center_id = %(center)s AND a.flag = %(flag)s AND a.cleared_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM {t["case"]} c WHERE c.id = a.case_id AND {condition})
    """


@dataclass
class ScanResult:
    center: str
    today: datetime.date
    threshold: datetime.date
    new: Counter = field(default_factory=Counter)
    refreshed: Counter = field(default_factory=Counter)  # reopened, or the case moved
    cleared: Counter = field(default_factory=Counter)
    notices: int = 0
    sms: int = 0

    def as_dict(self) -> dict:
        return {
            "center": self.center,
            "today": self.today.isoformat(),
            "threshold": self.threshold.isoformat(),
            "new": dict(self.new),
            "refreshed": dict(self.refreshed),
            "cleared": dict(self.cleared),
            "notices": self.notices,
            "sms": self.sms,
        }


def district_of(center) -> int | None:
    return center.pk if center.kind == "district" else center.parent_id


def supervision_scan(center, today: datetime.date, *, now: datetime.datetime | None = None):
    """Scan the current center schema (which must be `center`'s) on `today`; one transaction.
    Returns a ScanResult."""
    if not on_domain_of(center):
        raise PermissionDenied("supervision_scan runs inside the center's own schema")
    now = now or timezone.now()
    threshold = yellow_threshold(today)
    result = ScanResult(center.schema_name, today, threshold)
    t = _tables()
    params = {
        "center": center.pk,
        "district": district_of(center),
        "now": now,
        "today": today,
        "threshold": threshold,
        "running": RUNNING,
        "open": OPEN,
        "instant_open": INSTANT_LATE_STATUSES,
        "instant": str(CaseKind.INSTANT),
        "supplement": str(PauseKind.SUPPLEMENT),
        "returns_allowed": RETURNS_ALLOWED,
        "visits_allowed": VISITS_WITHOUT_APPROVAL,
        "closed": str(CaseStatus.CLOSED),
        "visits_closed_since": today - datetime.timedelta(days=VISITS_CLOSED_SHOWN_DAYS),
        "window_channel": str(Channel.WINDOW),
        "tolerated": str(CaseMaterial.State.TOLERATED),
    }
    new_alerts: list[tuple[int, int, str, str]] = []  # (alert id, case id, flag, owner)
    with transaction.atomic(), connection.cursor() as cursor:
        for flag, condition in _conditions(t).items():
            flag_params = {**params, "flag": str(flag)}
            cursor.execute(
                _upsert_sql(t, condition["raise"], condition.get("detail", "''")), flag_params
            )
            for alert_id, case_id, row_flag, owner, inserted in cursor.fetchall():
                if inserted:
                    if row_flag not in SILENT_FLAGS:
                        new_alerts.append((alert_id, case_id, row_flag, owner))
                    result.new[row_flag] += 1
                else:
                    result.refreshed[row_flag] += 1
            cursor.execute(_clear_sql(t, condition["keep"]), flag_params)
            if cursor.rowcount:
                result.cleared[str(flag)] = cursor.rowcount
        if new_alerts:
            digests = _notices_create(center, new_alerts, now, result)
            if digests:
                transaction.on_commit(lambda: _sms_send(digests))
                result.sms = len(digests)
    return result


def _directors() -> list[User]:
    return list(User.objects.filter(role=Role.CENTER_DIRECTOR, is_active=True))


def _notices_create(center, new_alerts, now, result: ScanResult) -> list[tuple[str, str]]:
    """One AlertNotice per new alert and recipient (its owner, every director), and the SMS
    digests [(phone, text)] for the recipients who have a phone."""
    directors = _directors()
    owners = {owner for _a, _c, _f, owner in new_alerts if owner}
    users = {u.username: u for u in User.objects.filter(username__in=owners, is_active=True)}
    users.update({d.username: d for d in directors})
    rows = []
    per_user: dict[str, Counter] = defaultdict(Counter)
    for alert_id, _case_id, flag, owner in new_alerts:
        recipients = {d.username for d in directors}
        if owner in users:
            recipients.add(owner)
        for username in recipients:
            rows.append(
                AlertNotice(
                    alert_id=alert_id,
                    schema_name=center.schema_name,
                    username=username,
                    created_at=now,
                )
            )
            per_user[username][flag] += 1
    AlertNotice.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    result.notices = len(rows)
    labels = dict(Flag.choices)
    digests = []
    for username, counts in sorted(per_user.items()):
        phone = users[username].phone.strip()
        if not phone:
            continue
        parts = "、".join(f"{labels[f]} {n}" for f, n in counts.items())
        text = _(
            "【电子监察】%(center)s: %(count)s new alert(s) on cases: %(parts)s. "
            "Please check the supervision list in the admin."
        ) % {"center": center.name, "count": sum(counts.values()), "parts": parts}
        digests.append((phone, text))
    return digests


def _sms_send(digests: list[tuple[str, str]]) -> None:
    from cityplatform.sms import SmsError, send_sms

    for phone, text in digests:
        try:
            send_sms(phone, text)
        except SmsError as exc:  # the notice in the admin stands; the SMS is a courtesy
            logger.warning("supervision SMS to %s****%s failed: %s", phone[:3], phone[-4:], exc)


def notices_mark_read(*, user, schema_name: str, ids=None, now=None) -> int:
    """Mark the user's unread notices (all, or those of `ids`) read; returns how many."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied
    qs = AlertNotice.objects.filter(
        schema_name=schema_name, username=user.get_username(), read_at__isnull=True
    )
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=now or timezone.now())
