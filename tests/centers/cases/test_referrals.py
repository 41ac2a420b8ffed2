"""上报件/代办件 through the public-schema exchange: a township (qingshuitai) forwards a case to
its district (shenbei), the district handles it as an incoming case of its own and its
decision flows back; each side sees the other's status; a repeated message never doubles a
referral and a lost one is sent again by the sweep; a failed delivery shows its error and a
retry after the fix succeeds; withdrawal propagates; the queue screen and its retry are for
this center's case staff only."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from centers.cases import referrals, services
from centers.cases.models import Case, CaseFile, Notification
from centers.cases.services import Intake, Outcome
from centers.cases.states import CaseKind, CaseStatus, Channel, ProcessCode
from tenants.accounts.models import Role
from tenants.exchange import services as exchange
from tenants.exchange import tasks as exchange_tasks
from tenants.exchange.models import ExchangeLog, ExchangeMessage, MessageKind, MessageState
from tests.conftest import PASSWORD, host

from .conftest import at, make_matter

QUEUE = "/admin/cases/exchange/"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


class Sides:
    """The township's desk and the district's staff (the district adopts the matter only when
    a test says so)."""

    def __init__(self, desk, district, make_user):
        self.desk = desk
        self.township = desk.center
        self.district = district
        self.d_director = make_user(district, "d-director", Role.CENTER_DIRECTOR)
        self.d_clerk = make_user(district, "d-clerk", Role.WINDOW_STAFF)

    def adopt(self, **extra):
        with schema_context(self.district.schema_name):
            return make_matter(
                "TS-004",
                name=extra.pop("name", "事项TS-004"),
                mode="report",
                promised_days=10,
                authority_level="district",
                **extra,
            )

    def report_case(self, *, scan: bool = True, matter=None, outcome=Outcome.RECEIVE) -> Case:
        """A 上报件 taken in at the township's window: received for pre-review (then `refer`),
        or with "accept", which for a matter decided above the township means receive and
        forward at once (issue 15)."""
        desk = self.desk
        matter = matter or desk.report
        uploads = [(SimpleUploadedFile("身份证.png", png(), "image/png"), "居民身份证")]
        with schema_context(self.township.schema_name):
            return services.case_intake(
                actor=desk.clerk,
                intake=Intake(
                    matter=matter,
                    applicant=desk.applicant(),
                    outcome=outcome,
                    materials=desk.received(matter),
                    window=desk.window,
                    uploads=uploads if scan else [],
                ),
                now=at("2026-11-02"),
            )

    def refer(self, case: Case, note: str = "请区中心审批") -> Case:
        with schema_context(self.township.schema_name):
            return referrals.case_refer_up(actor=self.desk.clerk, case=case, note=note)

    def township_case(self, case: Case) -> Case:
        with schema_context(self.township.schema_name):
            return Case.objects.get(pk=case.pk)

    def district_case(self, referral_key: str) -> Case | None:
        with schema_context(self.district.schema_name):
            return Case.objects.filter(referral_key=referral_key).first()

    def in_district(self):
        return schema_context(self.district.schema_name)

    def in_township(self):
        return schema_context(self.township.schema_name)


@pytest.fixture
def sides(desk, district, make_user, media_root):
    return Sides(desk, district, make_user)


def deliver_all() -> int:
    """What the worker does after each commit: deliver every pending message, including the
    ones that deliveries write, until nothing more is delivered."""
    delivered = 0
    while True:
        pending = list(
            ExchangeMessage.objects.filter(state=MessageState.PENDING)
            .order_by("created_at")
            .values_list("pk", flat=True)
        )
        done = [pk for pk in pending if exchange.message_deliver(pk) == MessageState.DELIVERED]
        delivered += len(done)
        if not done:
            return delivered


def referral_message(case: Case) -> ExchangeMessage:
    return ExchangeMessage.objects.get(idempotency_key=f"referral:{case.referral_key}")


def actions(case: Case) -> list[str]:
    return list(case.events.order_by("at", "pk").values_list("action", flat=True))


def codes(case: Case) -> list[int]:
    return list(
        case.events.exclude(process_code=None)
        .order_by("at", "pk")
        .values_list("process_code", flat=True)
    )


# --- the round trip -----------------------------------------------------------------------


def test_a_full_上报_round_trip_between_a_township_and_its_district(sides):
    """Issue 15 (行政许可法 art. 32): the township receives a 上报件 (办理状态 1) and forwards
    it with a 收件回执; it keeps no legal clock; the district's acceptance starts it and its
    dates come back to the township."""
    sides.adopt()
    case = sides.report_case(outcome=Outcome.ACCEPT)  # "accept" here: receive and forward
    assert case.kind == CaseKind.REPORT_UP and case.status == CaseStatus.REFERRED
    assert case.accepted_on is None and case.due_date is None
    with sides.in_township():
        assert list(case.documents.values_list("kind", flat=True)) == ["materials_receipt"]
    assert case.remote_center == "shenbei" and case.referral_key
    message = referral_message(case)
    assert (message.kind, message.state) == (MessageKind.REFERRAL, MessageState.PENDING)
    assert (message.sender, message.recipient) == (sides.township, sides.district)
    assert message.sender_reference == case.receipt_number
    assert message.payload["matter_code"] == "TS-004"
    assert message.payload["applicant"]["name"] == "张三"
    assert {m["name"] for m in message.payload["materials"]} == {"居民身份证", "申请表", "照片"}
    assert message.attachments.get().material_name == "居民身份证"

    # The district receives it as an incoming case of its own, for its pre-review.
    assert exchange.message_deliver(message.pk) == MessageState.DELIVERED
    message.refresh_from_db()
    d_case = sides.district_case(case.referral_key)
    assert message.recipient_reference == d_case.receipt_number
    assert message.attachments.get().content is None  # the district keeps its own copy
    # Once delivered, the public schema keeps no personal data of the applicant.
    assert message.payload["applicant"] == {"name": "张*"}
    assert "11010519491231002X" not in str(message.payload)
    with sides.in_district():
        assert d_case.channel == Channel.REFERRAL
        assert d_case.status == CaseStatus.RECEIVED
        assert d_case.kind == CaseKind.PROMISED  # decided here, not forwarded again
        assert d_case.remote_center == "qingshuitai"
        assert d_case.remote_receipt_number == case.receipt_number
        assert d_case.remote_status == CaseStatus.REFERRED
        assert d_case.applicant_name == "张三" and d_case.promised_days == 10
        assert set(d_case.materials.values_list("name", "state")) == {
            ("居民身份证", "received"),
            ("申请表", "received"),
            ("照片", "received"),
        }
        scan = CaseFile.objects.get(case=d_case)
        assert scan.material.name == "居民身份证"
        with scan.file.open("rb") as handle:
            assert handle.read() == png()
        assert codes(d_case) == [ProcessCode.RECEIVED]

    # The township sees the district's status and receipt number.
    assert deliver_all() == 1
    case = sides.township_case(case)
    assert case.remote_status == CaseStatus.RECEIVED
    assert case.remote_receipt_number == d_case.receipt_number
    assert case.remote_updated_at is not None

    # The district accepts (its own deadline from its matter) and decides.
    with sides.in_district():
        d_case = services.case_accept(actor=sides.d_clerk, case=d_case)
        assert d_case.status == CaseStatus.ACCEPTED and d_case.due_date is not None
    deliver_all()
    township_view = sides.township_case(case)
    assert township_view.remote_status == CaseStatus.ACCEPTED
    assert township_view.remote_accepted_on == d_case.accepted_on
    assert township_view.remote_due_date == d_case.due_date
    assert township_view.due_date is None  # the legal clock is the district's
    with sides.in_district():
        d_case = services.case_close(
            actor=sides.d_clerk,
            case=d_case,
            decision="certificate_issued",
            handover="electronic",
            note="准予，证书已发",
        )
    decision = ExchangeMessage.objects.get(kind=MessageKind.DECISION)
    assert decision.sender == sides.district and decision.recipient == sides.township
    assert decision.recipient_reference == case.receipt_number
    deliver_all()

    case = sides.township_case(case)
    assert case.status == CaseStatus.REFERRAL_DECIDED
    assert case.decision == "certificate_issued" and case.decision_note == "准予，证书已发"
    assert case.remote_status == CaseStatus.CLOSED

    # The township hands the result over and closes; the district sees that.
    with sides.in_township():
        case = services.case_close(
            actor=sides.desk.clerk, case=case, decision="certificate_issued", handover="window"
        )
        assert case.status == CaseStatus.CLOSED
        # Received, never accepted here (issue 15); the hand-over closes it.
        assert codes(case) == [ProcessCode.RECEIVED, ProcessCode.CLOSED_APPROVED]
        history = actions(case)
        assert history[:2] == ["receive", "refer_up"]
        assert history[-2:] == ["referral_decided", "close"]
        assert history.count("remote_status") == 2  # received, accepted
    deliver_all()
    d_case = sides.district_case(case.referral_key)
    assert d_case.remote_status == CaseStatus.CLOSED
    with sides.in_district():
        assert codes(d_case) == [
            ProcessCode.RECEIVED,
            ProcessCode.ACCEPTED,
            ProcessCode.CLOSED_APPROVED,
        ]
        assert actions(d_case).count("remote_status") == 2  # decided, closed
        assert not Notification.objects.exists()  # the applicant hears from the township
    with sides.in_township():
        texts = Notification.objects.filter(case__pk=case.pk).values_list("text", flat=True)
        assert len(texts) == 2 and all(case.receipt_number in text for text in texts)
    assert not ExchangeMessage.objects.exclude(state=MessageState.DELIVERED).exists()
    # referral; received, accepted, decision; decided and closed at the township
    assert ExchangeMessage.objects.filter(referral_key=case.referral_key).count() == 6


def test_the_round_trip_through_celery_tasks_after_each_commit(
    sides, django_capture_on_commit_callbacks, monkeypatch
):
    from cityplatform.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the tasks run in this process
    sides.adopt()
    case = sides.report_case(scan=False)
    with django_capture_on_commit_callbacks(execute=True):
        case = sides.refer(case)
    d_case = sides.district_case(case.referral_key)
    assert d_case is not None and d_case.status == CaseStatus.RECEIVED
    assert sides.township_case(case).remote_status == CaseStatus.RECEIVED
    with django_capture_on_commit_callbacks(execute=True), sides.in_district():
        services.case_accept(actor=sides.d_clerk, case=d_case)
    with django_capture_on_commit_callbacks(execute=True), sides.in_district():
        services.case_close(actor=sides.d_clerk, case=d_case, decision="approved", handover="post")
    assert sides.township_case(case).status == CaseStatus.REFERRAL_DECIDED
    assert not ExchangeMessage.objects.exclude(state=MessageState.DELIVERED).exists()


def test_a_refusal_by_the_district_comes_back_as_a_denial(sides):
    sides.adopt()
    case = sides.refer(sides.report_case(scan=False))
    deliver_all()
    d_case = sides.district_case(case.referral_key)
    with sides.in_district():
        services.case_refuse(
            actor=sides.d_clerk,
            case=d_case,
            reason="不符合申请条件",
            basis="《行政许可法》第三十二条",
        )
    deliver_all()
    case = sides.township_case(case)
    assert case.status == CaseStatus.REFERRAL_DECIDED
    assert case.decision == "denied" and "不符合申请条件" in case.decision_note
    assert case.remote_status == CaseStatus.NOT_ACCEPTED
    with sides.in_township():
        case = services.case_close(
            actor=sides.desk.clerk,
            case=case,
            decision="denied",
            handover="window",
            note=case.decision_note,
        )
    assert case.status == CaseStatus.CLOSED


# --- idempotency, order, lost and failed messages ---------------------------------------------


def test_a_repeated_delivery_creates_one_district_case(sides):
    sides.adopt()
    case = sides.refer(sides.report_case())
    message = referral_message(case)
    assert exchange.message_deliver(message.pk) == MessageState.DELIVERED
    assert exchange.message_deliver(message.pk) == MessageState.DELIVERED  # a repeated task
    # Even a message delivered again (the worker died before its commit was seen) finds the
    # case made the first time.
    ExchangeMessage.objects.filter(pk=message.pk).update(state=MessageState.PENDING)
    assert exchange.message_deliver(message.pk) == MessageState.DELIVERED
    with sides.in_district():
        assert Case.objects.filter(referral_key=case.referral_key).count() == 1
        assert CaseFile.objects.count() == 1
        d_case = Case.objects.get(referral_key=case.referral_key)
        assert actions(d_case) == ["receive"]
    # Writing the same message again returns the first one.
    again = exchange.message_send(
        kind=MessageKind.REFERRAL,
        sender=sides.township,
        recipient=sides.district,
        referral_key=case.referral_key,
        key=f"referral:{case.referral_key}",
        payload={},
    )
    assert again.pk == message.pk
    assert ExchangeMessage.objects.filter(kind=MessageKind.REFERRAL).count() == 1
    # A repeated status message changes the township's history once.
    status = ExchangeMessage.objects.get(kind=MessageKind.STATUS)
    exchange.message_deliver(status.pk)
    ExchangeMessage.objects.filter(pk=status.pk).update(state=MessageState.PENDING)
    exchange.message_deliver(status.pk)
    with sides.in_township():
        assert actions(Case.objects.get(pk=case.pk)).count("remote_status") == 1


def test_a_status_overtaken_by_a_newer_one_does_not_move_the_status_back(sides):
    sides.adopt()
    case = sides.refer(sides.report_case(scan=False))
    exchange.message_deliver(referral_message(case).pk)
    d_case = sides.district_case(case.referral_key)
    with sides.in_district():
        services.case_accept(actor=sides.d_clerk, case=d_case)
    received, accepted = ExchangeMessage.objects.filter(kind=MessageKind.STATUS).order_by(
        "created_at"
    )
    assert received.payload["status"] == CaseStatus.RECEIVED
    assert exchange.message_deliver(accepted.pk) == MessageState.DELIVERED
    assert exchange.message_deliver(received.pk) == MessageState.DELIVERED
    case = sides.township_case(case)
    assert case.remote_status == CaseStatus.ACCEPTED
    assert case.remote_receipt_number == d_case.receipt_number


def test_a_lost_message_is_delivered_by_the_beat_sweep(sides, monkeypatch):
    from cityplatform.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    sides.adopt()
    case = sides.refer(sides.report_case(scan=False))  # its task never ran: no commit here
    message = referral_message(case)
    assert message.state == MessageState.PENDING
    assert exchange_tasks.exchange_sweep() == 0  # within its first minute the task may come
    ExchangeMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - exchange.LOST_AFTER
    )
    assert exchange_tasks.exchange_sweep() == 1
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED and message.attempts == 1
    assert sides.district_case(case.referral_key) is not None
    # A message the sweep sent is not sent again by the next sweep at once.
    status = ExchangeMessage.objects.get(kind=MessageKind.STATUS)
    ExchangeMessage.objects.filter(pk=status.pk).update(next_attempt_at=timezone.now())
    assert [str(pk) for pk in exchange.messages_due()] == [str(status.pk)]
    assert exchange.messages_due() == []


def test_delivery_fails_until_the_district_adopts_the_matter_then_a_retry_succeeds(
    sides, django_capture_on_commit_callbacks, monkeypatch
):
    from cityplatform.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    case = sides.refer(sides.report_case())
    message = referral_message(case)
    assert exchange.message_deliver(message.pk) == MessageState.PENDING
    message.refresh_from_db()
    assert message.attempts == 1 and "TS-004" in message.last_error
    assert message.next_attempt_at > timezone.now()  # backing off
    for _attempt in range(exchange.MAX_ATTEMPTS - 1):
        exchange.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert message.attempts == exchange.MAX_ATTEMPTS
    assert message.log.filter(action=ExchangeLog.Action.ATTEMPT_FAILED).count() == 6
    assert sides.district_case(case.referral_key) is None
    ExchangeMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert exchange.messages_due() == []  # failed: only a person retries it now
    assert exchange.message_deliver(message.pk) == MessageState.FAILED  # a stray task

    sides.adopt()
    with sides.in_township(), django_capture_on_commit_callbacks(execute=True):
        exchange.exchange_message_retry(actor=sides.desk.clerk, message=message)
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED and message.last_error == ""
    assert message.log.filter(action=ExchangeLog.Action.RETRY).get().center == sides.township
    assert sides.district_case(case.referral_key).status == CaseStatus.RECEIVED
    # The district's status came back through the same tasks.
    assert sides.township_case(case).remote_status == CaseStatus.RECEIVED
    # A delivered message is not retried.
    with sides.in_township(), pytest.raises(ValidationError):
        exchange.exchange_message_retry(actor=sides.desk.clerk, message=message)


def test_retry_needs_case_staff_of_one_end_of_the_message(sides, other_township, make_user):
    case = sides.refer(sides.report_case(scan=False))
    message = referral_message(case)
    with sides.in_township(), pytest.raises(PermissionDenied):
        exchange.exchange_message_retry(actor=sides.desk.agent, message=message)
    stranger = make_user(other_township, "clerk-x", Role.WINDOW_STAFF)
    with schema_context(other_township.schema_name), pytest.raises(PermissionDenied):
        exchange.exchange_message_retry(actor=stranger, message=message)
    with sides.in_district():  # the recipient's staff may retry too
        exchange.exchange_message_retry(actor=sides.d_clerk, message=message)
    assert message.log.get().action == ExchangeLog.Action.RETRY


# --- withdrawal -------------------------------------------------------------------------------


def test_withdrawal_of_a_referred_case_withdraws_the_district_case(sides):
    sides.adopt()
    case = sides.refer(sides.report_case(scan=False))
    deliver_all()
    with sides.in_township():
        case = services.case_withdraw(
            actor=sides.desk.clerk, case=Case.objects.get(pk=case.pk), reason="申请人不再需要"
        )
    assert case.status == CaseStatus.WITHDRAWN
    withdrawal = ExchangeMessage.objects.get(kind=MessageKind.WITHDRAWAL)
    assert withdrawal.recipient == sides.district
    deliver_all()
    d_case = sides.district_case(case.referral_key)
    assert d_case.status == CaseStatus.WITHDRAWN
    assert d_case.remote_status == CaseStatus.WITHDRAWN
    with sides.in_district():
        withdraw = d_case.events.get(action="withdraw")
        assert "申请人不再需要" in withdraw.reason
        assert withdraw.process_code == ProcessCode.CANCELLED  # never accepted there
    # The township sees that the district has withdrawn it too.
    assert sides.township_case(case).remote_status == CaseStatus.WITHDRAWN
    # A repeated withdrawal changes nothing.
    ExchangeMessage.objects.filter(pk=withdrawal.pk).update(state=MessageState.PENDING)
    assert exchange.message_deliver(withdrawal.pk) == MessageState.DELIVERED
    with sides.in_district():
        assert actions(Case.objects.get(pk=d_case.pk)).count("withdraw") == 1


def test_withdrawal_before_delivery_cancels_the_referral(sides):
    case = sides.refer(sides.report_case(scan=False))  # not delivered: matter not adopted
    exchange.message_deliver(referral_message(case).pk)
    with sides.in_township():
        services.case_withdraw(
            actor=sides.desk.clerk, case=Case.objects.get(pk=case.pk), reason="申请人撤回"
        )
    message = referral_message(case)
    assert message.state == MessageState.CANCELLED
    assert message.log.filter(action=ExchangeLog.Action.CANCELLED).exists()
    assert not ExchangeMessage.objects.filter(kind=MessageKind.WITHDRAWAL).exists()
    sides.adopt()
    assert exchange.message_deliver(message.pk) == MessageState.CANCELLED
    assert sides.district_case(case.referral_key) is None


def test_a_withdrawal_after_the_district_decided_is_only_recorded(sides):
    sides.adopt()
    case = sides.refer(sides.report_case(scan=False))
    deliver_all()
    d_case = sides.district_case(case.referral_key)
    with sides.in_district():
        d_case = services.case_accept(actor=sides.d_clerk, case=d_case)
        services.case_close(actor=sides.d_clerk, case=d_case, decision="approved", handover="post")
    # The township withdraws before the decision arrives.
    with sides.in_township():
        services.case_withdraw(
            actor=sides.desk.clerk, case=Case.objects.get(pk=case.pk), reason="申请人撤回"
        )
    deliver_all()
    assert sides.district_case(case.referral_key).status == CaseStatus.CLOSED
    case = sides.township_case(case)
    assert case.status == CaseStatus.WITHDRAWN and case.remote_status == CaseStatus.CLOSED
    assert not ExchangeMessage.objects.exclude(state=MessageState.DELIVERED).exists()


# --- who may forward what ---------------------------------------------------------------------


def test_only_a_report_up_case_of_a_center_with_a_district_is_forwarded(sides):
    desk = sides.desk
    promised = sides.report_case(scan=False, matter=desk.matter)
    with sides.in_township():
        with pytest.raises(ValidationError) as error:
            referrals.case_refer_up(actor=desk.clerk, case=promised)
        assert "kind" in error.value.message_dict
        report = sides.report_case(scan=False)
        with pytest.raises(PermissionDenied):
            referrals.case_refer_up(actor=desk.agent, case=report)
        assert Case.objects.get(pk=report.pk).status == CaseStatus.RECEIVED
        district_level = make_matter("TS-009", authority_level="district")
    case = sides.refer(sides.report_case(scan=False, matter=district_level))
    assert case.status == CaseStatus.REFERRED
    assert not ExchangeMessage.objects.filter(sender_reference=promised.receipt_number).exists()

    # A district has no district above it.
    sides.adopt(name="区级事项")
    with sides.in_district():
        from centers.catalog.models import LocalMatter

        d_case = services.case_intake(
            actor=sides.d_clerk,
            intake=Intake(
                matter=LocalMatter.objects.get(code="TS-004"),
                applicant=desk.applicant(),
                materials=desk.received(),
            ),
        )
        with pytest.raises(ValidationError) as error:
            referrals.case_refer_up(actor=sides.d_clerk, case=d_case)
        assert "center" in error.value.message_dict


# --- the queue screen -------------------------------------------------------------------------


def login(client, username):
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_the_queue_shows_this_centers_messages_with_state_attempts_and_error(
    sides, client_for, other_township, make_user
):
    case = sides.refer(sides.report_case(scan=False))
    message = referral_message(case)
    exchange.message_deliver(message.pk)  # fails: the district has not adopted TS-004

    clerk = login(client_for(sides.township), "clerk1")
    response = clerk.get(QUEUE)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["message"].pk for row in rows] == [message.pk]
    row = rows[0]
    assert row["sent"] and row["other"] == sides.district and row["retryable"]
    assert row["our_receipt"] == case.receipt_number
    assert row["message"].attempts == 1
    page = response.content.decode()
    assert "TS-004" in page and "上报" in page and "待投递" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert f'href="/admin/cases/{case.receipt_number}/"' in page  # the case on the desk
    assert "已上报" in row["case_status"]
    assert clerk.get(QUEUE, {"state": "delivered"}).context["rows"] == []

    # The director sees it too; a village agent and anonymous visitors do not.
    assert login(client_for(sides.township), "director1").get(QUEUE).status_code == 200
    refused = login(client_for(sides.township), "agent1").get(QUEUE)
    assert refused.status_code == 302 and refused["Location"] == "/admin/"  # Wagtail's refusal
    anonymous = client_for(sides.township).get(QUEUE)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]

    # The district sees it as received.
    d_rows = login(client_for(sides.district), "d-clerk").get(QUEUE).context["rows"]
    assert [(r["message"].pk, r["sent"]) for r in d_rows] == [(message.pk, False)]

    # Another township's staff see none of it and cannot retry it.
    make_user(other_township, "clerk-x", Role.WINDOW_STAFF)
    stranger = login(client_for(other_township), "clerk-x")
    assert stranger.get(QUEUE).context["rows"] == []
    retry_url = f"{QUEUE}{message.pk}/retry/"
    assert stranger.post(retry_url).status_code == 404
    # Nor does the township's session open the district's queue.
    assert clerk.get(QUEUE, HTTP_HOST=host(sides.district)).status_code == 302
    assert not message.log.filter(action=ExchangeLog.Action.RETRY).exists()


def test_retry_from_the_queue_posts_with_csrf_and_queues_the_delivery(
    sides, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    from django.test import Client

    from cityplatform.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    case = sides.refer(sides.report_case(scan=False))
    message = referral_message(case)
    for _attempt in range(exchange.MAX_ATTEMPTS):
        exchange.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    sides.adopt()
    retry_url = f"{QUEUE}{message.pk}/retry/"

    clerk = login(client_for(sides.township), "clerk1")
    assert clerk.get(retry_url).status_code == 405
    agent = login(client_for(sides.township), "agent1")
    refused = agent.post(retry_url)
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    message.refresh_from_db()
    assert message.state == MessageState.FAILED

    strict = Client(enforce_csrf_checks=True, HTTP_HOST=host(sides.township))
    with sides.in_township():  # the session lives in the township's schema
        strict.force_login(sides.desk.clerk)
    assert strict.get(QUEUE).status_code == 200
    assert strict.post(retry_url).status_code == 403  # no CSRF token
    message.refresh_from_db()
    assert message.state == MessageState.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(retry_url, {"next": f"{QUEUE}?state=failed"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?state=failed"
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED
    assert message.log.get(action=ExchangeLog.Action.RETRY).actor_name == "clerk1"
    assert sides.district_case(case.referral_key) is not None
    # A delivered message offers no retry; posting anyway changes nothing.
    row = clerk.get(QUEUE).context["rows"]
    assert not next(r for r in row if r["message"].pk == message.pk)["retryable"]
    assert clerk.post(retry_url).status_code == 302
    assert message.log.filter(action=ExchangeLog.Action.RETRY).count() == 1
    # An outside address in "next" is not followed.
    assert clerk.post(retry_url, {"next": "https://evil.example/"})["Location"] == QUEUE
