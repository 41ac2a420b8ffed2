"""The feedback services and selectors: submission of each kind, tracking numbers, the
second factor (phone's last four digits or access code), reply and close, FAQ publishing."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context

from centers.feedback import selectors, services
from centers.feedback.models import Feedback, FeedbackEvent, FeedbackStatus

from .conftest import at, submit

pytestmark = pytest.mark.django_db

TRACKING = re.compile(r"^F\d{8}\d{4}$")


@pytest.mark.parametrize("kind", ["complaint", "suggestion", "question"])
def test_submit_each_kind(center, kind):
    result = submit(center.center, kind=kind, text="窗口排队太久", phone="13812345678", name="张三")
    with schema_context(center.center.schema_name):
        feedback = Feedback.objects.get()
        assert feedback.kind == kind
        assert feedback.status == FeedbackStatus.RECEIVED
        assert (feedback.name, feedback.phone) == ("张三", "13812345678")
        assert TRACKING.match(feedback.tracking_number)
        assert result.access_code == "" and feedback.access_code_hash == ""
        event = FeedbackEvent.objects.get()
        assert (event.action, event.actor, event.actor_name) == ("submit", None, "public")


def test_tracking_numbers_are_daily_sequences(center):
    first = submit(center.center, now=at("2026-03-10", 9)).feedback
    second = submit(center.center, now=at("2026-03-10", 15)).feedback
    next_day = submit(center.center, now=at("2026-03-11", 9)).feedback
    assert first.tracking_number == "F202603100001"
    assert second.tracking_number == "F202603100002"
    assert next_day.tracking_number == "F202603110001"
    with (
        schema_context(center.center.schema_name),
        pytest.raises(DatabaseError),
        transaction.atomic(),
    ):
        Feedback.objects.filter(pk=second.pk).update(tracking_number=first.tracking_number)


def test_anonymous_sender_gets_an_access_code(center):
    result = submit(center.center, kind="complaint", text="无人接待")
    assert re.match(r"^[2-9A-HJKMNP-Z]{6}$", result.access_code)
    with schema_context(center.center.schema_name):
        feedback = Feedback.objects.get()
        assert feedback.anonymous and feedback.name == "" and feedback.phone == ""
        assert result.access_code not in feedback.access_code_hash
        number = feedback.tracking_number
        assert feedback.access_code_hash == services.access_code_hash(number, result.access_code)
        found = selectors.feedback_lookup(number, result.access_code.lower())
        assert found["tracking_number"] == number and found["reply"] == ""
        assert selectors.feedback_lookup(number, "") is None
        assert selectors.feedback_lookup(number, "0000") is None


def test_submit_checks_its_input(center):
    with pytest.raises(ValidationError) as exc:
        submit(
            center.center,
            kind="praise",
            text="  ",
            phone="12345",
            matter_code="NOPE",
            receipt_number="20260310-0001",
            name="名" * 51,
        )
    assert set(exc.value.message_dict) == {
        "kind", "text", "phone", "matter_code", "receipt_number", "name"
    }  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        submit(center.center, text="字" * (services.TEXT_MAX_LENGTH + 1))
    assert set(exc.value.message_dict) == {"text"}
    with schema_context(center.center.schema_name):
        assert not Feedback.objects.exists() and not FeedbackEvent.objects.exists()
    result = submit(center.center, matter_code="FB-0001", receipt_number="2026031000001")
    assert result.feedback.matter_name == "最低生活保障申请"
    assert result.feedback.receipt_number == "2026031000001"


def test_reply_and_lookup_by_phone(center):
    feedback = submit(center.center, phone="13812345678").feedback
    with schema_context(center.center.schema_name):
        number = feedback.tracking_number
        assert selectors.feedback_lookup(number, "5678")["status"] == "received"
        services.feedback_reply(actor=center.clerk, feedback=feedback, text="请携带身份证。")
        assert feedback.status == FeedbackStatus.ANSWERED
        assert feedback.replied_by == center.clerk and feedback.replied_at is not None
        found = selectors.feedback_lookup(f" {number.lower()} ", "5678")
        assert found["reply"] == "请携带身份证。" and found["status"] == "answered"
        assert selectors.feedback_lookup(number, "1234") is None
        # An access code is no second factor for a sender who left a phone.
        assert selectors.feedback_lookup(number, "ABCDEF") is None
        assert selectors.feedback_lookup("F209901010001", "5678") is None
        services.feedback_reply(actor=center.director, feedback=feedback, text="请携带户口簿。")
        services.feedback_close(actor=center.clerk, feedback=feedback, reason="已答复")
        assert feedback.status == FeedbackStatus.CLOSED
        assert selectors.feedback_lookup(number, "5678")["reply"] == "请携带户口簿。"
        with pytest.raises(ValidationError):
            services.feedback_reply(actor=center.clerk, feedback=feedback, text="再答")
        with pytest.raises(ValidationError):
            services.feedback_close(actor=center.clerk, feedback=feedback)
        actions = list(feedback.events.values_list("action", "actor_name"))
        assert [a for a, _ in actions] == ["submit", "reply", "reply_change", "close"]
        assert actions[1][1] == "clerk1"


def test_reply_refused_to_others(center):
    feedback = submit(center.center).feedback
    with schema_context(center.center.schema_name):
        for actor in (None, center.agent):
            with pytest.raises(PermissionDenied):
                services.feedback_reply(actor=actor, feedback=feedback, text="答复")
            with pytest.raises(PermissionDenied):
                services.feedback_close(actor=actor, feedback=feedback)
        with pytest.raises(ValidationError):
            services.feedback_reply(actor=center.clerk, feedback=feedback, text=" ")
        feedback.refresh_from_db()
        assert feedback.status == FeedbackStatus.RECEIVED and feedback.events.count() == 1


def test_events_are_append_only(center):
    submit(center.center)
    with schema_context(center.center.schema_name):
        with pytest.raises(DatabaseError), transaction.atomic():
            FeedbackEvent.objects.update(action="forged")
        with pytest.raises(DatabaseError), transaction.atomic():
            FeedbackEvent.objects.all().delete()


def test_faq_publishing_rules(center):
    question = submit(center.center, matter_code="FB-0001", text="低保多久办结？").feedback
    no_matter = submit(center.center, text="几点下班？").feedback
    complaint = submit(center.center, kind="complaint", matter_code="FB-0001").feedback
    with schema_context(center.center.schema_name):
        # Not yet answered.
        with pytest.raises(ValidationError) as exc:
            services.question_publish_as_faq(actor=center.director, feedback=question)
        assert "status" in exc.value.message_dict
        for feedback in (question, no_matter, complaint):
            services.feedback_reply(actor=center.clerk, feedback=feedback, text="20个工作日。")
        # The director only.
        with pytest.raises(PermissionDenied):
            services.question_publish_as_faq(actor=center.clerk, feedback=question)
        with pytest.raises(ValidationError) as exc:
            services.question_publish_as_faq(actor=center.director, feedback=no_matter)
        assert "matter_code" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.question_publish_as_faq(actor=center.director, feedback=complaint)
        assert "kind" in exc.value.message_dict
        assert selectors.published_questions("FB-0001") == []
        services.question_publish_as_faq(
            actor=center.director, feedback=question, question="低保申请多久能办结？"
        )
        assert question.published_as_faq
        assert selectors.published_questions("FB-0001") == [
            {"question": "低保申请多久能办结？", "answer": "20个工作日。"}
        ]
        assert selectors.published_questions("FB-0002") == []
        assert selectors.published_questions("") == []
        with pytest.raises(ValidationError):
            services.question_publish_as_faq(actor=center.director, feedback=question)
        with pytest.raises(PermissionDenied):
            services.question_unpublish(actor=center.clerk, feedback=question)
        services.question_unpublish(actor=center.director, feedback=question)
        assert selectors.published_questions("FB-0001") == []
        assert list(question.events.values_list("action", flat=True))[-2:] == [
            "publish_faq",
            "unpublish_faq",
        ]


def test_another_center_never_finds_this_feedback(center, other_township):
    result = submit(center.center, text="咨询", matter_code="FB-0001")
    feedback = result.feedback
    with schema_context(center.center.schema_name):
        services.feedback_reply(actor=center.clerk, feedback=feedback, text="答复")
        services.question_publish_as_faq(actor=center.director, feedback=feedback)
        assert len(selectors.published_questions("FB-0001")) == 1
    with schema_context(other_township.schema_name):
        assert selectors.feedback_lookup(feedback.tracking_number, result.access_code) is None
        assert selectors.published_questions("FB-0001") == []
        assert not Feedback.objects.exists()
