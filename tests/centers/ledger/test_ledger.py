"""The ledger (台帐) and the daily fee report: a day's counts and rows per window, the xlsx
exports read back with openpyxl, the admin screens, and nothing of one center in another's."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from centers.cases import fees, services
from centers.cases.models import CaseFee
from centers.ledger import exports, selectors
from centers.ledger import services as ledger_services
from centers.workspace.models import Window, WorkspaceAuditEvent
from tests.centers.cases.conftest import at
from tests.centers.workspace.test_api import login
from tests.conftest import host

pytestmark = pytest.mark.django_db

DAY = "2026-03-12"
D = datetime.date(2026, 3, 12)


def _intake(desk, matter, hour, *, day=DAY, window=None, outcome="accept", **extra):
    materials = desk.received(matter) if outcome in ("accept", "receive") else []
    return services.case_intake(
        actor=desk.clerk,
        intake=services.Intake(
            matter=matter,
            applicant=desk.applicant(),
            materials=materials,
            window=window,
            outcome=outcome,
            **extra,
        ),
        now=at(day, hour),
    )


@pytest.fixture
def day(desk, media_root):
    """One day at two windows and online, with two older cases closed late and overdue."""
    with schema_context(desk.center.schema_name):
        w1 = desk.window
        w2 = Window.objects.create(number=2, name="社保窗口", kind="independent")
        closed_late = _intake(desk, desk.matter, 9, day="2026-03-02", window=w1)
        overdue = _intake(desk, desk.matter, 10, day="2026-03-02", window=w2)
        unpaid = _intake(desk, desk.paid, 8, window=w1)
        paid = _intake(desk, desk.paid, 9, window=w1)
        waived = _intake(desk, desk.paid, 10, window=w2)
        withdrawn = _intake(desk, desk.paid, 11, window=w1)
        supplement = _intake(desk, desk.matter, 12, window=w1, outcome="supplement")
        refused = _intake(
            desk,
            desk.matter,
            13,
            window=w2,
            outcome="refuse",
            refusal_reason="不符合条件",
            refusal_basis="《行政许可法》第三十二条",
        )
        online = _intake(desk, desk.matter, 14, outcome="receive", channel="online")
        fees.fee_pay(
            actor=desk.clerk, fee=paid.fees.get(), payment_reference="POS-1", now=at(DAY, 15)
        )
        fees.fee_waive(
            actor=desk.director,
            fee=waived.fees.get(),
            reason="低保户",
            basis_document="沈政办发〔2026〕12号",
            basis_article="第五条",
            now=at(DAY, 15),
        )
        services.case_withdraw(actor=desk.clerk, case=withdrawn, reason="撤回", now=at(DAY, 16))
        services.case_close(
            actor=desk.clerk,
            case=closed_late,
            decision="approved",
            handover="window",
            now=at(DAY, 16),
        )
        return SimpleNamespace(
            w1=w1,
            w2=w2,
            closed_late=closed_late,
            overdue=overdue,
            unpaid=unpaid,
            paid=paid,
            waived=waived,
            withdrawn=withdrawn,
            supplement=supplement,
            refused=refused,
            online=online,
            todays=[unpaid, paid, waived, withdrawn, supplement, refused, online],
        )


def _numbers(cases):
    return [c.receipt_number for c in cases]


def _counts(report):
    return {
        c.window_id: tuple(getattr(c, name) for name in c.FIELDS)
        for c in [*report.by_window, report.total]
    }


# received, accepted, supplement notices, refused, closed, closed late, overdue open
def test_counts_of_a_day(desk, day):
    with schema_context(desk.center.schema_name):
        report = selectors.day_counts(D)
        assert [c.window_id for c in report.by_window] == [day.w1.pk, day.w2.pk, None]
        assert report.by_window[0].label == "1 综合窗口"
        assert report.by_window[1].label == "2 社保窗口"
        assert report.by_window[2].window_id is None
        counts = {c.window_id: c for c in report.by_window}
        assert tuple(getattr(counts[day.w1.pk], f) for f in report.total.FIELDS) == (
            4, 3, 1, 0, 1, 1, 0,
        )  # fmt: skip
        assert tuple(getattr(counts[day.w2.pk], f) for f in report.total.FIELDS) == (
            2, 1, 0, 1, 0, 0, 1,
        )  # fmt: skip
        assert tuple(getattr(counts[None], f) for f in report.total.FIELDS) == (
            1, 0, 0, 0, 0, 0, 0,
        )  # fmt: skip
        total = report.total
        assert (total.received, total.accepted, total.closed_late, total.overdue_open) == (
            7, 4, 1, 1,
        )  # fmt: skip
        # The day the older cases came in: two received and accepted, nothing overdue yet.
        earlier = selectors.day_counts(datetime.date(2026, 3, 2)).total
        assert (earlier.received, earlier.accepted, earlier.overdue_open) == (2, 2, 0)
        assert selectors.day_counts(datetime.date(2026, 3, 13)).total.received == 0


def test_rows_of_a_day(desk, day):
    with schema_context(desk.center.schema_name):
        rows = selectors.ledger_rows(D)
        assert [r.receipt_number for r in rows] == _numbers(day.todays)
        first = rows[0]
        assert first.matter_name == desk.paid.name
        assert first.applicant == "张*"
        assert first.window == "1 综合窗口"
        assert first.promised_days == 5
        assert first.due_date == day.unpaid.due_date and first.due_date > D
        assert first.status == "accepted"
        assert first.owner == "clerk1"
        assert first.received_at.hour == 8
        by_number = {r.receipt_number: r for r in rows}
        assert by_number[day.refused.receipt_number].status == "not_accepted"
        assert by_number[day.online.receipt_number].owner == ""
        assert by_number[day.supplement.receipt_number].due_date is None
        assert [r.receipt_number for r in selectors.ledger_rows(datetime.date(2026, 3, 2))] == (
            _numbers([day.closed_late, day.overdue])
        )


def test_window_filter(desk, day):
    with schema_context(desk.center.schema_name):
        rows = selectors.ledger_rows(D, day.w2.pk)
        assert [r.receipt_number for r in rows] == _numbers([day.waived, day.refused])
        report = selectors.day_counts(D, day.w2.pk)
        assert [c.window_id for c in report.by_window] == [day.w2.pk]
        assert (report.total.received, report.total.refused, report.total.overdue_open) == (
            2, 1, 1,
        )  # fmt: skip
        rows = selectors.ledger_rows(D, selectors.NO_WINDOW)
        assert [r.receipt_number for r in rows] == _numbers([day.online])
        report = selectors.day_counts(D, selectors.NO_WINDOW)
        assert report.total.received == 1 and report.total.accepted == 0


def test_fee_report_totals(desk, day):
    with schema_context(desk.center.schema_name):
        report = selectors.fee_report(D)
        assert [line.receipt_number for line in report.paid] == _numbers([day.paid])
        assert report.paid[0].payment_reference == "POS-1"
        assert report.paid[0].amount == Decimal("10.00")
        assert [line.receipt_number for line in report.waived] == _numbers([day.waived])
        assert report.waived[0].approver == "director1"
        assert report.waived[0].waiver_reason == "低保户"
        assert report.waived[0].at.hour == 15
        # Assessed on the day and unpaid; the withdrawn case's fee is no longer due.
        assert [line.receipt_number for line in report.unpaid] == _numbers([day.unpaid])
        total = report.total
        assert (total.paid_count, total.paid_amount) == (1, Decimal("10.00"))
        assert (total.waived_count, total.waived_amount) == (1, Decimal("10.00"))
        assert (total.unpaid_count, total.unpaid_amount) == (1, Decimal("10.00"))
        w1, w2 = report.by_window
        assert (w1.label, w1.paid_count, w1.unpaid_count, w1.waived_count) == (
            "1 综合窗口", 1, 1, 0,
        )  # fmt: skip
        assert (w2.label, w2.waived_amount, w2.paid_count) == ("2 社保窗口", Decimal("10.00"), 0)
        only_w1 = selectors.fee_report(D, day.w1.pk)
        assert not only_w1.waived and only_w1.total.paid_amount == Decimal("10.00")
        assert not selectors.fee_report(datetime.date(2026, 3, 13)).paid
        assert [line.state for line in selectors.case_fees(day.paid.receipt_number)] == ["paid"]


def _sheet(content: bytes, name: str):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook[name].iter_rows(values_only=True)]


def test_ledger_xlsx(desk, day):
    with schema_context(desk.center.schema_name):
        content = ledger_services.ledger_export(actor=desk.clerk, day=D)
        rows = _sheet(content, "台帐")
        assert rows[0] == list(exports.LEDGER_HEADERS)
        assert rows[0][:4] == ["受理编号", "事项名称", "申请人", "窗口"]
        assert [r[0] for r in rows[1:]] == _numbers(day.todays)
        first = rows[1]
        assert first[1:4] == [desk.paid.name, "张*", "1 综合窗口"]
        assert first[4] == datetime.datetime(2026, 3, 12, 8, 0)
        assert first[5] == 5
        assert first[6] == datetime.datetime.combine(day.unpaid.due_date, datetime.time())
        counts = _sheet(content, "统计")
        assert counts[0] == list(exports.COUNT_HEADERS)
        assert counts[1] == ["1 综合窗口", 4, 3, 1, 0, 1, 1, 0]
        assert counts[-1][1:] == [7, 4, 1, 1, 1, 1, 1]
        audit = WorkspaceAuditEvent.objects.get(action="export_ledger")
        assert audit.actor == "clerk1"
        assert audit.detail == {"day": DAY, "window": None, "rows": 7}


def test_fees_xlsx(desk, day):
    with schema_context(desk.center.schema_name):
        content = ledger_services.fees_export(actor=desk.director, day=D, window=day.w1.pk)
        rows = _sheet(content, "收费明细")
        assert rows[0] == list(exports.FEE_HEADERS)
        assert [(r[0], r[3], r[7]) for r in rows[1:]] == [
            (day.paid.receipt_number, 10, "POS-1"),
            (day.unpaid.receipt_number, 10, None),
        ]
        totals = _sheet(content, "收费汇总")
        assert totals[-1][1:] == [1, 10, 0, 0, 1, 10]
        audit = WorkspaceAuditEvent.objects.get(action="export_fees")
        assert audit.detail == {"day": DAY, "window": day.w1.pk, "rows": 2}


def test_process_history_xlsx(desk, day):
    with schema_context(desk.center.schema_name):
        content = ledger_services.history_export(actor=desk.clerk, start=D, end=D)
        rows = _sheet(content, "办理状态")
        assert rows[0] == ["受理编号", "办理状态代码", "办理状态", "时间", "办理人"]
        pairs = [(r[0], r[1]) for r in rows[1:]]
        n = {c: c.receipt_number for c in [*day.todays, day.closed_late]}
        assert pairs[:2] == [(n[day.unpaid], 1), (n[day.unpaid], 3)]
        assert (n[day.supplement], 6) in pairs
        assert (n[day.refused], 5) in pairs
        assert (n[day.withdrawn], 14) in pairs
        assert (n[day.closed_late], 11) in pairs
        assert len(pairs) == 15  # fee steps carry no code and are not in it
        assert rows[1][2] == "已接件"
        assert rows[1][3] == datetime.datetime(2026, 3, 12, 8, 0)
        assert rows[1][4].endswith("clerk1")
        assert WorkspaceAuditEvent.objects.get(action="export_process_history").detail["rows"] == 15
        with pytest.raises(ValidationError):
            ledger_services.history_export(actor=desk.clerk, start=D, end=D - datetime.timedelta(1))
        with pytest.raises(ValidationError):
            ledger_services.history_export(
                actor=desk.clerk, start=D - datetime.timedelta(31), end=D
            )


def test_exports_refused_to_the_village_agent(desk, day):
    with schema_context(desk.center.schema_name):
        with pytest.raises(PermissionDenied):
            ledger_services.ledger_export(actor=desk.agent, day=D)
        assert not WorkspaceAuditEvent.objects.filter(action__startswith="export_").exists()


# --- the admin screens ------------------------------------------------------------------------


def test_ledger_screen(desk, day, client_for):
    clerk = login(client_for(desk.center), "clerk1")
    response = clerk.get(f"/admin/ledger/?day={DAY}")
    assert response.status_code == 200
    page = response.content.decode()
    for case in day.todays:
        assert case.receipt_number in page
    assert day.overdue.receipt_number not in page  # received on another day
    assert response.context["counts"].total.received == 7
    response = clerk.get(f"/admin/ledger/?day={DAY}&window={day.w2.pk}")
    assert [r.receipt_number for r in response.context["rows"]] == _numbers(
        [day.waived, day.refused]
    )
    # The day picker defaults to today.
    response = clerk.get("/admin/ledger/")
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    assert "/admin/ledger/" in clerk.get("/admin/").content.decode()
    # The exports, recorded in the audit.
    response = clerk.get(f"/admin/ledger/export/ledger/?day={DAY}&window={day.w1.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPE
    assert len(_sheet(response.content, "台帐")) == 5
    response = clerk.get(f"/admin/ledger/export/history/?start={DAY}&end={DAY}")
    assert response.status_code == 200 and len(_sheet(response.content, "办理状态")) == 16
    response = clerk.get(f"/admin/ledger/export/history/?start={DAY}&end=2026-03-01")
    assert response.status_code == 302
    assert clerk.get("/admin/ledger/export/nonsense/").status_code == 404
    with schema_context(desk.center.schema_name):
        assert set(
            WorkspaceAuditEvent.objects.filter(action__startswith="export_").values_list(
                "action", flat=True
            )
        ) == {"export_ledger", "export_process_history"}


def test_fee_screen_pay_and_waive(desk, day, client_for):
    clerk = login(client_for(desk.center), "clerk1")
    with schema_context(desk.center.schema_name):
        fee = day.unpaid.fees.get()
    response = clerk.get(f"/admin/ledger/fees/?day={DAY}")
    assert response.status_code == 200
    page = response.content.decode()
    assert day.paid.receipt_number in page and "POS-1" in page
    assert f"/admin/ledger/fees/{fee.pk}/pay/" in page
    assert f"/admin/ledger/fees/{fee.pk}/waive/" not in page  # waiving is the director's
    # A clerk's waiver is refused, and the fee stays unpaid.
    response = clerk.post(
        f"/admin/ledger/fees/{fee.pk}/waive/", {"reason": "困难", "day": DAY, "window": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/ledger/fees/?day={DAY}&window="
    with schema_context(desk.center.schema_name):
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID
    director = login(client_for(desk.center), "director1")
    assert (
        f"/admin/ledger/fees/{fee.pk}/waive/"
        in director.get(f"/admin/ledger/fees/?day={DAY}").content.decode()
    )
    # A payment without reference is refused; with one it is recorded.
    clerk.post(f"/admin/ledger/fees/{fee.pk}/pay/", {"payment_reference": "", "day": DAY})
    with schema_context(desk.center.schema_name):
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID
    response = clerk.post(
        f"/admin/ledger/fees/{fee.pk}/pay/",
        {"payment_reference": "POS-7", "day": DAY, "receipt": day.unpaid.receipt_number},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"&receipt={day.unpaid.receipt_number}")
    with schema_context(desk.center.schema_name):
        fee.refresh_from_db()
        assert (fee.state, fee.payment_reference) == (CaseFee.State.PAID, "POS-7")
    # Looking a case up by its receipt number shows its fees.
    response = clerk.get(f"/admin/ledger/fees/?receipt={day.unpaid.receipt_number}")
    assert [line.payment_reference for line in response.context["case_fees"]] == ["POS-7"]
    response = clerk.get(f"/admin/ledger/export/fees/?day={DAY}")
    assert response.status_code == 200
    # Collected apart from waived (统一收费): the header and the payment; the waiver on its own.
    assert len(_sheet(response.content, "收费明细")) == 2
    assert len(_sheet(response.content, "减免明细")) == 2


def test_screens_refused_to_anonymous(desk, day, client_for):
    anonymous = client_for(desk.center)
    with schema_context(desk.center.schema_name):
        fee = day.unpaid.fees.get()
    for url in (
        "/admin/ledger/",
        "/admin/ledger/fees/",
        f"/admin/ledger/export/ledger/?day={DAY}",
        f"/admin/ledger/export/history/?start={DAY}&end={DAY}",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = anonymous.post(f"/admin/ledger/fees/{fee.pk}/pay/", {"payment_reference": "X"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with schema_context(desk.center.schema_name):
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID
        assert not WorkspaceAuditEvent.objects.filter(action__startswith="export_").exists()


def test_screens_refused_to_the_village_agent(desk, day, client_for):
    """Wagtail turns the refusal into a redirect to the dashboard with a message."""
    agent = login(client_for(desk.center), "agent1")
    for url in ("/admin/ledger/", "/admin/ledger/fees/", f"/admin/ledger/export/ledger/?day={DAY}"):
        response = agent.get(url)
        assert response.status_code in (302, 403), url
        assert response.status_code == 403 or response["Location"] == "/admin/"
    with schema_context(desk.center.schema_name):
        fee = day.unpaid.fees.get()
    agent.post(f"/admin/ledger/fees/{fee.pk}/pay/", {"payment_reference": "X", "day": DAY})
    with schema_context(desk.center.schema_name):
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID
        assert not WorkspaceAuditEvent.objects.filter(action__startswith="export_").exists()
    assert "/admin/ledger/" not in agent.get("/admin/").content.decode()


def test_another_center_never_sees_this_ledger(desk, day, client_for, other_township):
    other = login(client_for(other_township), "admin")
    response = other.get(f"/admin/ledger/?day={DAY}")
    assert response.status_code == 200
    page = response.content.decode()
    assert desk.paid.name not in page and desk.matter.name not in page
    assert response.context["rows"] == []
    assert response.context["counts"].total.received == 0
    response = other.get(f"/admin/ledger/fees/?day={DAY}")
    assert response.status_code == 200
    assert "POS-1" not in response.content.decode()
    assert response.context["report"].total.paid_count == 0
    response = other.get(f"/admin/ledger/fees/?receipt={day.paid.receipt_number}")
    assert response.context["case_fees"] == []
    response = other.get(f"/admin/ledger/export/ledger/?day={DAY}")
    assert len(_sheet(response.content, "台帐")) == 1  # the header only
    response = other.get(f"/admin/ledger/export/history/?start={DAY}&end={DAY}")
    assert len(_sheet(response.content, "办理状态")) == 1
    # The other center's session means nothing on this center's domain.
    response = other.get(f"/admin/ledger/?day={DAY}", HTTP_HOST=host(desk.center))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with schema_context(desk.center.schema_name):
        fee = day.unpaid.fees.get()
    response = other.post(
        f"/admin/ledger/fees/{fee.pk}/pay/", {"payment_reference": "X"}, HTTP_HOST=host(desk.center)
    )
    assert response.status_code == 302
    with schema_context(desk.center.schema_name):
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID
