"""Deadlines on the legal calendar (issue 15).

行政许可法 art. 82: the time limits of the law are working days, statutory holidays excluded.
They count on the official calendar: the State Council's schedule and the days the city is
officially ordered to rest, the same for every center. A center's own closure changes its
opening hours, never a legal or promised date nor the art. 32 five-day window; inside a case's
term it is a risk shown on the case and in the supervision list, nothing more. When the city
confirms a year's schedule, a provisional promised date is recomputed and, when it moves, the
applicant is told the confirmed date, as the acceptance notice promises."""

import datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from catalog_cms.standards import services as standards
from centers.cases import due_dates, services, tasks
from centers.cases.models import Case, CaseEvent, Notification
from centers.cases.services import Intake, Outcome
from centers.cases.states import CaseStatus
from centers.workspace.models import Closure, ServicePoint
from cityplatform.sms import ConsoleBackend
from evaluation.supervision.models import Alert, AlertNotice, Flag
from evaluation.supervision.services import supervision_scan
from tenants.audit.models import AuditEntry

from .conftest import at

pytestmark = pytest.mark.django_db

D = datetime.date
DUE_URL = "/api/v1/calendar/due-date/"

# A made-up 2027 schedule in the State Council's shape (chinese_calendar in .venv knows 2026
# at the latest). 4 Jan 2027 (Monday) is a bridge day of 元旦 here.
SCHEDULE_2027 = """
2027-01-01 至 2027-01-04 休 元旦
2027-02-05 至 2027-02-13 休 春节
2027-02-20 班 春节
2027-04-03 至 2027-04-05 休 清明节
2027-05-01 至 2027-05-05 休 劳动节
2027-06-09 休 端午节
2027-09-15 休 中秋节
2027-10-01 至 2027-10-07 休 国庆节
"""


@pytest.fixture
def tenant(desk):
    with schema_context(desk.center.schema_name):
        yield desk


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """The dispatcher and the per-center runs as the worker would run them (each run in its
    center's schema); the applicant's SMS recorded instead of sent."""
    sent: list[int] = []
    monkeypatch.setattr(
        tasks.dispatch_due_date_confirmations,
        "delay",
        lambda years, reason: tasks.dispatch_due_date_confirmations(years, reason),
    )
    monkeypatch.setattr(
        tasks.due_dates_confirm_center,
        "delay",
        lambda years, reason: tasks.due_dates_confirm_center(years, reason),
    )
    monkeypatch.setattr(tasks.notification_send, "delay", lambda pk: sent.append(pk))
    return sent


def intake(desk, *, day, matter=None, outcome=Outcome.ACCEPT, **extra):
    matter = matter or desk.matter
    return services.case_intake(
        actor=extra.pop("actor", desk.clerk),
        intake=Intake(
            matter=matter,
            applicant=desk.applicant(),
            outcome=outcome,
            materials=desk.received(matter),
            window=desk.window,
            **extra,
        ),
        now=at(day),
    )


def confirm(year, text, captured):
    with schema_context("public"), captured(execute=True):
        standards.official_schedule_save(year=year, text=text, confirmed=True, actor="city-clerk")


# ---------------------------------------------------------------- closures never move a date


def test_a_closure_inside_the_term_leaves_the_date_alone_and_is_a_silent_risk(
    tenant, django_capture_on_commit_callbacks
):
    """行政许可法 art. 82: working days, statutory holidays excluded — a center's closure is
    not one. Issue 15: the closure inside an open case's term is shown on the case and in the
    supervision list as a risk, nothing more (no notice, no SMS)."""
    Closure.objects.create(start_date=D(2026, 11, 4), end_date=D(2026, 11, 5), reason="停电检修")
    case = intake(tenant, day="2026-11-02")  # 5 working days: 03, 04, 05, 06, 09
    outside = intake(tenant, day="2026-11-09")  # term 11-09..11-16: no closure inside
    assert case.due_date == D(2026, 11, 9) and case.due_provisional is False
    from centers.cases import selectors

    assert [c.reason for c in selectors.closures_in_term(case)] == ["停电检修"]
    assert selectors.closures_in_term(outside) == []

    ConsoleBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = supervision_scan(tenant.center, D(2026, 11, 3), now=at("2026-11-03", 11))
    assert result.new == {Flag.CLOSURE_IN_TERM: 1}
    alert = Alert.objects.get(flag=Flag.CLOSURE_IN_TERM)
    assert alert.case_id == case.pk and alert.due_date == D(2026, 11, 9)
    assert not AlertNotice.objects.exists() and result.notices == 0
    assert ConsoleBackend.outbox == [] and result.sms == 0

    # Removing the closure (or closing the case) clears it, again without a word.
    Closure.objects.all().delete()
    result = supervision_scan(tenant.center, D(2026, 11, 4), now=at("2026-11-04", 11))
    assert result.cleared == {Flag.CLOSURE_IN_TERM: 1}
    assert Alert.objects.get(flag=Flag.CLOSURE_IN_TERM).cleared_at is not None


def test_the_desk_and_the_api_show_the_closure_risk(tenant, clerk):
    """Issue 15: the risk is on the case (the desk's page; the API's read-only field)."""
    Closure.objects.create(start_date=D(2026, 11, 4), end_date=D(2026, 11, 4), reason="业务培训")
    case = intake(tenant, day="2026-11-02")
    page = clerk.get(f"/admin/cases/{case.receipt_number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-field="closure-risk"' in html and "业务培训" in html
    assert page.context["deadline"].due_date == D(2026, 11, 9)
    body = clerk.get(f"/api/v1/cases/{case.receipt_number}/").json()
    assert body["closures_in_term"] == [
        {"start_date": "2026-11-04", "end_date": "2026-11-04", "reason": "业务培训"}
    ]
    assert body["due_date"] == "2026-11-09"


def test_the_art_32_window_ignores_closures(tenant):
    """行政许可法 art. 32: the one-time notice within 5 days of receiving the materials, or the
    case counts as accepted from that day; art. 82 makes them working days of the official
    calendar, so a closure of the center in between does not stretch the window."""
    point = ServicePoint.objects.create(name="石佛寺村便民服务站", village="石佛寺村")
    point.agents.add(tenant.agent)
    Closure.objects.create(start_date=D(2026, 11, 3), end_date=D(2026, 11, 6), reason="装修")
    case = intake(
        tenant,
        day="2026-11-02",
        outcome=Outcome.RECEIVE,
        channel="village_point",
        service_point=point,
        actor=tenant.agent,
    )
    # 03, 04, 05, 06, 09 are the five working days, closed or not: 11-10 is too late.
    services.case_accept(actor=tenant.clerk, case=case, now=at("2026-11-10"))
    case.refresh_from_db()
    assert case.acceptance_deemed is True and case.accepted_on == D(2026, 11, 2)
    assert case.due_date == D(2026, 11, 9)


def test_remaining_days_and_pauses_ignore_closures(tenant):
    """Art. 82: the working days left and the paused days are official working days too."""
    from centers.cases import selectors

    Closure.objects.create(start_date=D(2026, 11, 5), end_date=D(2026, 11, 6), reason="装修")
    case = intake(tenant, day="2026-11-02")
    assert selectors.deadline_of(case, D(2026, 11, 4)).remaining == 3  # 05, 06, 09


# ---------------------------------------------------------------- the city's official days


def test_a_city_declared_rest_day_in_a_known_year_moves_dates_for_every_center(
    other_township, tenant, client_for, django_capture_on_commit_callbacks, run_tasks_inline
):
    """Art. 82 and issue 15: a day the city is officially ordered to rest belongs to the
    official schedule and applies to every center alike, also in a year chinese_calendar
    knows (2026); the open cases whose term holds it are recomputed and the applicants told."""
    before = intake(tenant, day="2026-11-02")
    assert before.due_date == D(2026, 11, 9)
    params = {"start": "2026-11-02", "working_days": "5"}
    with schema_context("public"):
        assert client_for(other_township).get(DUE_URL, params).json()["due"] == "2026-11-09"

    confirm(2026, "2026-11-04 休 市政府决定停休", django_capture_on_commit_callbacks)

    for center in (tenant.center, other_township):
        body = client_for(center).get(DUE_URL, params).json()
        assert (body["due"], body["provisional"]) == ("2026-11-10", False)
    with schema_context(tenant.center.schema_name):  # the requests left another schema on
        assert intake(tenant, day="2026-11-02").due_date == D(2026, 11, 10)
        before.refresh_from_db()
        assert before.due_date == D(2026, 11, 10)
        event = before.events.get(action=due_dates.ACTION)
        assert event.detail["before"] == "2026-11-09" and event.detail["after"] == "2026-11-10"
        assert "2026-11-10" in Notification.objects.get(event=event).text


def test_confirming_2027_moves_provisional_dates_with_an_sms(
    tenant, django_capture_on_commit_callbacks, run_tasks_inline
):
    """Art. 82; issue 15: when the city confirms a year's official schedule, every open case
    whose promised date was provisional is recomputed in one audited run per center; a date
    that moves gets a case event and an SMS with the confirmed date — what the acceptance
    notice's provisional remark promised."""
    case = intake(tenant, day="2026-12-28")  # 12-29, 12-30, 12-31, (1-1 元旦), 1-4, 1-5
    assert (case.due_date, case.due_provisional) == (D(2027, 1, 5), True)
    settled = intake(tenant, day="2026-11-02")  # not provisional: untouched
    closed = intake(tenant, day="2026-12-28")
    services.case_close(
        actor=tenant.clerk, case=closed, decision="approved", handover="window",
        now=at("2026-12-30"),
    )  # fmt: skip
    run_tasks_inline.clear()

    confirm(2027, SCHEDULE_2027, django_capture_on_commit_callbacks)

    case.refresh_from_db()
    # 4 Jan 2027 is a day off of the confirmed schedule: 12-29, 12-30, 12-31, 1-5, 1-6.
    assert (case.due_date, case.due_provisional) == (D(2027, 1, 6), False)
    event = case.events.get(action="confirm_due_date")
    assert event.detail == {
        "before": "2027-01-05",
        "after": "2027-01-06",
        "provisional_before": True,
        "provisional_after": False,
    }
    assert event.actor is None and event.to_status == CaseStatus.ACCEPTED
    notification = Notification.objects.get(event=event)
    assert "2027-01-06" in notification.text and case.receipt_number in notification.text
    assert run_tasks_inline == [notification.pk]  # sent after the commit
    assert not settled.events.filter(action="confirm_due_date").exists()
    assert not closed.events.filter(action="confirm_due_date").exists()
    # One audit entry of the run, in this center.
    entry = AuditEntry.objects.get(action="due_dates_recomputed")
    assert entry.schema_name == tenant.center.schema_name
    assert entry.detail["moved"] == 1 and entry.detail["years"] == [2027]
    # Running again changes nothing.
    again = due_dates.due_dates_confirm(years=[2027])
    assert again.moved == [] and again.confirmed == []
    assert CaseEvent.objects.filter(action="confirm_due_date").count() == 1


def test_a_provisional_date_that_stays_is_confirmed_without_an_sms(
    tenant, django_capture_on_commit_callbacks, run_tasks_inline
):
    """Issue 15: a date that does not move just stops being provisional — recorded as an
    event (every change of a case is one), with nothing to tell the applicant."""
    case = intake(tenant, day="2026-12-28")
    assert (case.due_date, case.due_provisional) == (D(2027, 1, 5), True)
    run_tasks_inline.clear()
    same = SCHEDULE_2027.replace("2027-01-01 至 2027-01-04 休 元旦", "2027-01-01 休 元旦")
    confirm(2027, same, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert (case.due_date, case.due_provisional) == (D(2027, 1, 5), False)
    event = case.events.get(action="confirm_due_date")
    assert event.detail["before"] == event.detail["after"] == "2027-01-05"
    assert not Notification.objects.filter(event=event).exists()
    assert run_tasks_inline == []


def test_the_acceptance_notice_promises_the_confirmed_date(tenant):
    """The printed notice's provisional remark says the applicant will be told the confirmed
    date (and due_dates_confirm keeps that promise, above)."""
    from centers.cases.notices import notice_html

    case = intake(tenant, day="2026-12-28")
    assert case.due_provisional
    html = notice_html(case, "acceptance_notice")
    assert "核定后的办结日期将以短信告知申请人" in html


def test_the_daily_watch_dispatches_once_a_year_becomes_official(db, monkeypatch):
    """When the calendar library learns a year (a new chinese_calendar), the daily beat task
    notices it and sends the recompute runs; it stays quiet while nothing changed."""
    from catalog_cms.standards import calendar as cal

    cache.clear()
    with mock.patch.object(tasks.dispatch_due_date_confirmations, "delay") as send:
        tasks.calendar_years_watch()  # the first watch knows nothing: one round
        assert send.call_count == 1
        tasks.calendar_years_watch()
        assert send.call_count == 1
        knows = cal.library_knows_year
        monkeypatch.setattr(cal, "library_knows_year", lambda y: y == 2027 or knows(y))
        assert 2027 in tasks.calendar_years_watch()
        assert send.call_count == 2 and send.call_args.args[0] == []


def test_the_dispatcher_sends_one_run_per_active_center(desk, other_township):
    from tenants.selectors import active_center_schemas

    with mock.patch.object(tasks.due_dates_confirm_center, "delay") as send:
        count = tasks.dispatch_due_date_confirmations([2027], "test")
    assert count == len(active_center_schemas()) == send.call_count
    assert Case.objects.count() == 0
