"""Retention (centers.retention): records just inside the city's period keep their personal
data, those past it are anonymised in batches (scans deleted), a second run changes nothing,
each batch is audited, another center's records are untouched; the city's policy screen
refuses a period below its legal minimum and everyone but the city administrator."""

import datetime
import itertools

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import schema_context

from centers.retention import services, tasks
from centers.retention.models import ANONYMISED_NAME, KINDS, RetentionPolicy
from tenants.accounts.models import Role
from tenants.audit.models import Action, AuditEntry
from tests.centers.cases.conftest import PERSON_ID, make_matter
from tests.centers.workspace.test_api import login

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
DAY = datetime.timedelta(days=1)
_numbers = itertools.count(1)


def days(kind: str) -> int:
    return KINDS[kind][1]  # the default period


class Records:
    """One record of every kind in a center, done with at `done` (a datetime)."""

    def __init__(self, center, done: datetime.datetime, *, recipient=None):
        from centers.appointments.models import Appointment
        from centers.cases.models import Case, CaseEvent, CaseFile, Notification
        from centers.feedback.models import Feedback
        from centers.workspace.models import Window
        from tenants.exchange.models import ExchangeMessage

        n = next(_numbers)
        self.center = center
        with schema_context(center.schema_name):
            matter = make_matter(f"RT-{n:03d}")
            window = Window.objects.create(number=n, name=f"窗口{n}", kind="combined")
            self.case = Case.objects.create(
                receipt_number=f"RT{n:06d}",
                matter=matter,
                matter_code=matter.code,
                matter_name=matter.name,
                kind="promised",
                channel="window",
                status="closed",
                applicant_kind="person",
                applicant_name="张三",
                applicant_id_number=PERSON_ID,
                applicant_phone="13812345678",
                contact_name="李四",
                address="清水台镇1号",
                received_at=done - 10 * DAY,
                received_on=(done - 10 * DAY).date(),
                closed_at=done,
                closed_on=done.date(),
            )
            self.scan = CaseFile.objects.create(
                case=self.case,
                file=ContentFile(b"%PDF-1.4 scan", name="scan.pdf"),
                original_name="身份证.pdf",
                content_type="application/pdf",
                size=13,
            )
            event = CaseEvent.objects.create(
                case=self.case, at=done, actor_name="clerk", action="close"
            )
            self.sms = Notification.objects.create(
                event=event,
                case=self.case,
                phone="13812345678",
                text="张三您好，您的申请已办结。",
                state=Notification.State.SENT,
                sent_at=done,
            )
            self.appointment = Appointment.objects.create(
                number=f"A{n:08d}",
                matter=matter,
                window=window,
                date=timezone.localdate(done),
                start=datetime.time(9, 0),
                name="王五",
                phone="13900000000",
                id_number_hash="f" * 64,
            )
            self.feedback = Feedback.objects.create(
                kind="complaint",
                tracking_number=f"F{n:08d}",
                text="窗口人员态度差",
                name="赵六",
                phone="13700000000",
                status="closed",
                created_at=done - DAY,
                closed_at=done,
            )
        self.message = ExchangeMessage.objects.create(
            kind="referral",
            sender=center,
            recipient=recipient or center.parent,
            referral_key=f"rk-{n}",
            idempotency_key=f"ik-{n}",
            payload={"applicant": {"name": "张三", "id_number": PERSON_ID, "phone": "138"}},
            state="failed",
            next_attempt_at=done,
        )
        ExchangeMessage.objects.filter(pk=self.message.pk).update(created_at=done)
        self.message.attachments.create(
            name="scan.pdf", content_type="application/pdf", size=3, sha256="0" * 64, content=b"PDF"
        )

    def fresh(self):
        with schema_context(self.center.schema_name):
            for name in ("case", "scan_exists", "sms", "appointment", "feedback"):
                if name == "scan_exists":
                    self.scan_exists = type(self.scan).objects.filter(pk=self.scan.pk).exists()
                else:
                    obj = getattr(self, name)
                    setattr(self, name, type(obj).objects.get(pk=obj.pk))
        self.message = type(self.message).objects.get(pk=self.message.pk)
        self.attachment = self.message.attachments.get()
        return self

    def assert_kept(self):
        self.fresh()
        assert self.case.applicant_name == "张三"
        assert self.case.applicant_id_number == PERSON_ID and self.case.applicant_id_hash
        assert self.case.applicant_phone == "13812345678" and self.case.anonymised_at is None
        assert self.scan_exists
        assert self.sms.phone == "13812345678" and self.sms.anonymised_at is None
        assert self.appointment.name == "王五" and self.appointment.phone == "13900000000"
        assert self.feedback.name == "赵六" and self.feedback.anonymised_at is None
        assert self.message.payload["applicant"]["id_number"] == PERSON_ID
        assert bytes(self.attachment.content) == b"PDF"

    def assert_anonymised(self):
        self.fresh()
        case = self.case
        assert case.applicant_name == ANONYMISED_NAME
        assert (case.applicant_id_number, case.applicant_id_hash) == ("", "")
        assert (case.applicant_phone, case.contact_name, case.address) == ("", "", "")
        assert case.anonymised_at == NOW
        assert not self.scan_exists
        assert (self.sms.phone, self.sms.text) == ("", ANONYMISED_NAME)
        assert self.appointment.name == ANONYMISED_NAME
        assert (self.appointment.phone, self.appointment.id_number_hash) == ("", "")
        assert (self.feedback.name, self.feedback.phone) == (ANONYMISED_NAME, "")
        assert self.message.payload["applicant"] == {"name": ANONYMISED_NAME}
        assert self.message.anonymised_at == NOW
        assert self.attachment.content is None
        # What the figures read stays.
        assert case.status == "closed" and case.closed_at and case.matter_code
        assert self.feedback.text == "窗口人员态度差"


def run(center, **kwargs):
    with schema_context(center.schema_name):
        return services.retention_apply(now=NOW, **kwargs)


def retention_audit(center):
    return list(
        AuditEntry.objects.filter(
            schema_name=center.schema_name, action=Action.PERSONAL_DATA_ANONYMISED
        ).order_by("pk")
    )


def test_inside_the_period_kept_past_it_anonymised_and_audited(township, private_root):
    # The shortest default is 180 days: a day inside every period, a day past the longest.
    inside = Records(township, NOW - 179 * DAY)
    past = Records(township, NOW - (days("cases") + 1) * DAY)
    scan_name = past.scan.file.name
    with schema_context(township.schema_name):
        storage = past.scan.file.storage
        assert storage.exists(scan_name)

    counts = run(township)

    assert counts == {kind: 1 for kind in KINDS} | {"case_phones": 0}
    inside.assert_kept()
    past.assert_anonymised()
    with schema_context(township.schema_name):
        assert not storage.exists(scan_name), "the scan's file is deleted, not only its row"
    entries = retention_audit(township)
    assert {e.detail["kind"]: e.detail["count"] for e in entries} == {
        kind: 1 for kind in KINDS if kind != "case_phones"
    }
    assert all(e.center_id == township.pk and e.actor_username == "retention" for e in entries)


def test_each_kind_is_counted_from_its_own_period(township, private_root):
    from centers.ratings.selectors import case_for_resident

    # Past the phone's period (365 days) and the SMS's (180), inside the case's (3,650).
    record = Records(township, NOW - 400 * DAY)
    receipt = record.case.receipt_number
    with schema_context(township.schema_name):
        assert case_for_resident(receipt, "5678") is not None  # the ratings' second factor
    counts = run(township)
    with schema_context(township.schema_name):
        assert case_for_resident(receipt, "5678") is None
    assert counts["case_phones"] == 1 and counts["notifications"] == 1
    assert counts["cases"] == 0 and counts["feedback"] == 0
    record.fresh()
    assert record.case.applicant_phone == "" and record.case.applicant_name == "张三"
    assert record.case.applicant_id_number == PERSON_ID
    assert record.sms.phone == ""
    assert record.feedback.name == "赵六"


def test_a_second_run_changes_nothing(township, private_root):
    past = Records(township, NOW - (days("cases") + 1) * DAY)
    run(township)
    before = past.fresh()
    snapshot = (before.case.updated_at, before.message.payload, before.sms.text)
    audited = len(retention_audit(township))

    assert run(township) == {kind: 0 for kind in KINDS}
    after = Records.fresh(past)
    assert (after.case.updated_at, after.message.payload, after.sms.text) == snapshot
    assert len(retention_audit(township)) == audited


def test_batches_each_audited(township, private_root):
    for _ in range(3):
        Records(township, NOW - (days("cases") + 1) * DAY)
    counts = run(township, batch_size=2)
    assert counts["cases"] == 3
    cases = [e.detail["count"] for e in retention_audit(township) if e.detail["kind"] == "cases"]
    assert cases == [2, 1]


def test_another_centers_records_are_untouched(township, other_township, private_root):
    mine = Records(township, NOW - (days("cases") + 1) * DAY)
    theirs = Records(other_township, NOW - (days("cases") + 1) * DAY, recipient=township)
    run(township)
    mine.assert_anonymised()
    theirs.assert_kept()
    assert retention_audit(other_township) == []


def test_the_city_policy_shortens_a_period(township, city, city_admin, private_root):
    record = Records(township, NOW - 200 * DAY)
    services.policy_set(actor=city_admin, feedback_days=190)
    counts = run(township)
    assert counts["feedback"] == 1
    record.fresh()
    assert record.feedback.name == ANONYMISED_NAME and record.case.applicant_name == "张三"


def test_retention_refuses_the_public_schema(city):
    with pytest.raises(ValueError, match="center's schema"):
        services.retention_apply(now=NOW)


# --- the policy ---------------------------------------------------------------------------


def test_policy_service_refuses_below_the_minimum_and_changes_nothing(city, city_admin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.policy_set(actor=city_admin, cases_days=1824, feedback_days=10, exchange_days=400)
    assert set(refused.value.message_dict) == {"cases_days", "feedback_days"}
    assert "1825" in refused.value.message_dict["cases_days"][0]
    policy = services.policy_current()
    assert (policy.cases_days, policy.exchange_days) == (days("cases"), days("exchange"))
    assert not AuditEntry.objects.filter(action=Action.RETENTION_POLICY_CHANGED).exists()


def test_policy_service_refuses_everyone_but_the_city(township, district, city, make_user):
    from django.core.exceptions import PermissionDenied

    supervisor = make_user(city, "rt-sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    with pytest.raises(PermissionDenied):
        services.policy_set(actor=supervisor, cases_days=4000)
    director = make_user(township, "rt-director", Role.CENTER_DIRECTOR)
    with schema_context(township.schema_name), pytest.raises(PermissionDenied):
        services.policy_set(actor=director, cases_days=4000)
    assert services.policy_current().cases_days == days("cases")


def test_the_database_refuses_a_period_below_the_minimum(city):
    from django.db import IntegrityError, transaction

    policy = services.policy_current()
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionPolicy.objects.filter(pk=policy.pk).update(notifications_days=30)


def test_policy_screen(city, city_admin, client_for):
    admin = login(client_for(city), "city-admin")
    page = admin.get("/admin/retention/")
    assert page.status_code == 200 and b"retention-policy-form" in page.content
    values = {f"{kind}_days": days(kind) for kind in KINDS}
    for bad in ("1824", "-1", "x", ""):
        response = admin.post("/admin/retention/", values | {"cases_days": bad})
        assert response.status_code == 400
        assert response.context["form"].errors["cases_days"]
    assert services.policy_current().cases_days == days("cases")
    response = admin.post("/admin/retention/", values | {"cases_days": "7300"})
    assert response.status_code == 302
    assert services.policy_current().cases_days == 7300
    entry = AuditEntry.objects.get(action=Action.RETENTION_POLICY_CHANGED)
    assert entry.detail == {"changed": {"cases_days": [days("cases"), 7300]}}
    assert entry.actor_username == "city-admin"


def test_policy_screen_asks_for_a_recent_password(city, city_admin, client_for):
    from tenants.accounts.reauth import REAUTH_KEY

    admin = login(client_for(city), "city-admin")
    session = admin.session
    del session[REAUTH_KEY]
    session.save()
    values = {f"{kind}_days": days(kind) for kind in KINDS} | {"cases_days": "7300"}
    response = admin.post("/admin/retention/", values)
    assert response.status_code == 302 and "/admin/reauth/" in response["Location"]
    assert services.policy_current().cases_days == days("cases")


def test_policy_screen_refused_to_everyone_else(township, district, city, make_user, client_for):
    make_user(city, "rt-evaluator", Role.EVALUATOR, district_id=district.pk)
    make_user(township, "rt-director", Role.CENTER_DIRECTOR)
    values = {f"{kind}_days": 3650 for kind in KINDS}
    for center, username in ((city, "rt-evaluator"), (township, "rt-director")):
        client = login(client_for(center), username)
        assert client.get("/admin/retention/").status_code in (302, 403)
        assert client.post("/admin/retention/", values).status_code in (302, 403)
    for center in (city, township):
        response = client_for(center).get("/admin/retention/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert client_for(center).post("/admin/retention/", values).status_code == 302
    assert services.policy_current().cases_days == days("cases")


# --- beat ---------------------------------------------------------------------------------


def test_dispatch_sends_one_task_per_active_center_spread_out(
    township, other_township, monkeypatch
):
    from django.db import connection

    from tenants import services as center_services

    sent = []
    monkeypatch.setattr(
        tasks.retention_center,
        "apply_async",
        lambda **kw: sent.append((connection.schema_name, kw["countdown"])),
    )
    center_services.center_suspend(center=other_township, actor="test")
    assert tasks.dispatch_retention() == 2  # the district and the township
    assert sorted(schema for schema, _ in sent) == ["qingshuitai", "shenbei"]
    assert len({countdown for _, countdown in sent}) == 2


def test_beat_runs_the_dispatcher_nightly():
    from celery.schedules import crontab

    from cityplatform.celery import app

    app.finalize()  # adds the interval jobs of cityplatform/celery.py to the settings' schedule
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "tenants.health.tasks.dispatch_heartbeats" in scheduled
    entries = [e for e in app.conf.beat_schedule.values() if e["task"].endswith("retention")]
    assert [e["task"] for e in entries] == ["centers.retention.tasks.dispatch_retention"]
    assert isinstance(entries[0]["schedule"], crontab)
