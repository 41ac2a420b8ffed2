"""Every step of a rectification item and every refusal (nothing changed): opening through the
real rating_submit (once per rating), deadlines in working days across a holiday, the named
resident's call-back, the reply SMS, review, return, the once-only appeal and its decision
(an upheld appeal takes the rating out of the figures, the rating and the history stay)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context

from centers.ratings import selectors as rating_selectors
from centers.ratings.models import Rating
from centers.ratings.services import rating_submit
from evaluation.rectification import services
from evaluation.rectification.models import (
    AppealState,
    RatingAppeal,
    Rectification,
    RectificationEvent,
    State,
)

from .conftest import bad_rating, rect_of

pytestmark = pytest.mark.django_db


def _snapshot(rect):
    rect = Rectification.objects.get(pk=rect.pk)
    return (
        rect.state,
        rect.callback_on,
        rect.reply_text,
        rect.report_text,
        rect.events.count(),
        RatingAppeal.objects.filter(rectification=rect).count(),
    )


def refused(rect, exc, fn, **kwargs):
    before = _snapshot(rect)
    with pytest.raises(exc) as info:
        fn(rect=rect, **kwargs)
    assert _snapshot(rect) == before
    return info.value


def center_do(desk, fn, **kwargs):
    with schema_context(desk.center.schema_name):
        return fn(**kwargs)


def test_bad_rating_opens_exactly_one_item(desk):
    rating = bad_rating(desk, level=5)
    rect = rect_of(desk, rating)
    assert rect.state == State.OPEN and rect.resident_named and rect.callback_required
    assert rect.receipt_number == rating.case.receipt_number and rect.rating_level == 5
    assert rect.resident_name_masked and rect.resident_name_masked != "张三"
    assert rect.deadline_working_days == 10
    assert list(rect.events.values_list("action", flat=True)) == ["open"]
    # The same submission again (a double click) returns the rating and opens nothing more.
    with schema_context(desk.center.schema_name):
        again = rating_submit(
            case=rating.case,
            point="completed",
            level=5,
            dimensions={"attitude": 5},
            reasons="等候时间太长",
            channel="tablet",
        )
        assert again.pk == rating.pk
        assert services.rectification_open_for_rating(rating).pk == rect.pk
    assert Rectification.objects.filter(center=desk.center).count() == 1


def test_good_rating_opens_nothing(desk):
    from tests.ratings.conftest import make_case

    case = make_case(desk, close=True)
    with schema_context(desk.center.schema_name):
        rating_submit(
            case=case, point="completed", level=3, dimensions={}, reasons="", channel="qr"
        )
    assert not Rectification.objects.exists()


def test_deadline_in_working_days_across_the_national_day(desk, monkeypatch):
    # 2026: 国庆 1-7 October off, Saturday 10 October a working day (调休).
    assert services.deadline_for(datetime.date(2026, 9, 30), 5) == datetime.date(2026, 10, 13)
    monkeypatch.setattr(services, "current_day", lambda: datetime.date(2026, 9, 28))
    rect = rect_of(desk, bad_rating(desk))
    assert rect.opened_on == datetime.date(2026, 9, 28)
    assert rect.deadline == datetime.date(2026, 10, 16)


def test_policy_between_5_and_15(desk, people):
    admin, supervisor = people["city_admin"], people["supervisor"]
    for bad in (4, 16, "x", None):
        with pytest.raises(ValidationError):
            services.policy_set(actor=admin, deadline_working_days=bad)
    assert services.policy_current().deadline_working_days == 10
    with pytest.raises(PermissionDenied):
        services.policy_set(actor=supervisor, deadline_working_days=6)
    services.policy_set(actor=admin, deadline_working_days=5)
    rect = rect_of(desk, bad_rating(desk))
    assert rect.deadline_working_days == 5
    assert rect.deadline == services.deadline_for(rect.opened_on, 5)


def test_full_flow_with_return(desk, people, monkeypatch, django_capture_on_commit_callbacks):
    from centers.cases import tasks
    from centers.cases.models import CaseEvent, Notification

    sent = []
    monkeypatch.setattr(tasks.notification_send, "delay", lambda pk: sent.append(pk))
    rect = rect_of(desk, bad_rating(desk))
    today = services.current_day()
    with schema_context(desk.center.schema_name):
        # A named resident: the reply waits for the call-back.
        err = refused(rect, ValidationError, services.reply_send, actor=desk.clerk, text="答复")
        assert "state" in err.message_dict
        refused(
            rect,
            ValidationError,
            services.report_submit,
            actor=desk.clerk,
            report="报告",
        )
        refused(
            rect,
            ValidationError,
            services.call_back_record,
            actor=desk.clerk,
            called_on=today + datetime.timedelta(days=1),
            outcome="x",
        )
        refused(
            rect,
            ValidationError,
            services.call_back_record,
            actor=desk.clerk,
            called_on=today,
            outcome="  ",
        )
        refused(
            rect,
            PermissionDenied,
            services.call_back_record,
            actor=desk.agent,
            called_on=today,
            outcome="已回访",
        )
        rect = services.call_back_record(
            rect=rect, actor=desk.clerk, called_on=today, outcome="已电话回访，群众反映排队久"
        )
        assert rect.state == State.CALLED_BACK and rect.callback_by
        refused(
            rect,
            ValidationError,
            services.call_back_record,
            actor=desk.clerk,
            called_on=today,
            outcome="again",
        )
        refused(rect, ValidationError, services.reply_send, actor=desk.clerk, text="x" * 301)
        with django_capture_on_commit_callbacks(execute=True):
            rect = services.reply_send(
                rect=rect, actor=desk.director, text="已增开窗口，感谢监督。"
            )
        assert rect.state == State.REPLIED
        notification = Notification.objects.get(event__action="rating_reply")
        assert notification.phone == "13812345678" and "已增开窗口" in notification.text
        assert sent == [notification.pk]
        assert CaseEvent.objects.filter(action="rating_reply", case_id=rect.case_id).exists()
        # The public progress page shows the step (dated, without the text).
        from centers.cases.progress import progress_lookup

        view = progress_lookup(rect.receipt_number, "5678")
        assert "rating_reply" in [step["action"] for step in view["steps"]]
        # District steps are refused on the center's domain.
        refused(rect, PermissionDenied, services.district_approve, actor=desk.director)
        rect = services.report_submit(rect=rect, actor=desk.clerk, report="调整窗口排班。")
        assert rect.state == State.SUBMITTED and rect.submitted_on == today
        refused(rect, ValidationError, services.report_submit, actor=desk.clerk, report="again")
    # On the city's domain: another district's supervisor and an evaluator are refused.
    refused(rect, PermissionDenied, services.district_approve, actor=people["far_supervisor"])
    refused(rect, PermissionDenied, services.district_return, actor=people["evaluator"], note="x")
    refused(rect, ValidationError, services.district_return, actor=people["supervisor"], note="")
    rect = services.district_return(rect=rect, actor=people["supervisor"], note="补充整改照片")
    assert rect.state == State.REPLIED
    refused(rect, ValidationError, services.district_approve, actor=people["supervisor"])
    with schema_context(desk.center.schema_name):
        rect = services.report_submit(rect=rect, actor=desk.clerk, report="已补充照片。")
    rect = services.district_approve(rect=rect, actor=people["supervisor"], note="同意")
    assert rect.state == State.CLOSED and rect.handled_in_time
    # Closed: nothing changes it any more.
    refused(rect, ValidationError, services.district_return, actor=people["city_admin"], note="x")
    with schema_context(desk.center.schema_name):
        refused(rect, ValidationError, services.appeal_file, actor=desk.clerk, reasons="恶意")
    actions = list(rect.events.values_list("action", flat=True))
    assert actions == ["open", "call_back", "reply", "submit", "return", "submit", "approve"]
    assert [e.to_state for e in rect.events.all()][-3:] == ["replied", "submitted", "closed"]


def test_unnamed_resident_may_be_replied_without_call_back(desk):
    rect = rect_of(desk, bad_rating(desk))
    Rectification.objects.filter(pk=rect.pk).update(resident_named=False)
    with schema_context(desk.center.schema_name):
        rect = services.reply_send(rect=rect, actor=desk.clerk, text="感谢反馈")
    assert rect.state == State.REPLIED


def test_another_center_cannot_act(desk, other_township, make_user):
    from tenants.accounts.models import Role

    stranger = make_user(other_township, "clerk9", Role.WINDOW_STAFF)
    rect = rect_of(desk, bad_rating(desk))
    with schema_context(other_township.schema_name):
        refused(
            rect,
            PermissionDenied,
            services.call_back_record,
            actor=stranger,
            called_on=services.current_day(),
            outcome="x",
        )
        refused(rect, PermissionDenied, services.appeal_file, actor=stranger, reasons="x")


def test_appeal_once_then_upheld_takes_rating_out(desk, people):
    rating = bad_rating(desk, level=5)
    other = bad_rating(desk, level=4)
    rect = rect_of(desk, rating)
    with schema_context(desk.center.schema_name):
        assert rating_selectors.ratings_summary()["total"] == 2
        refused(rect, ValidationError, services.appeal_file, actor=desk.clerk, reasons=" ")
        appeal = services.appeal_file(
            rect=rect, actor=desk.director, reasons="评价人并非办事群众", evidence="监控记录"
        )
        assert appeal.state == AppealState.PENDING
        err = refused(rect, ValidationError, services.appeal_file, actor=desk.clerk, reasons="再诉")
        assert "reasons" in err.message_dict
        refused(rect, PermissionDenied, services.appeal_decide, actor=desk.director, upheld=True,
                answer="x")  # fmt: skip
    refused(rect, PermissionDenied, services.appeal_decide, actor=people["far_supervisor"],
            upheld=True, answer="成立")  # fmt: skip
    refused(rect, ValidationError, services.appeal_decide, actor=people["supervisor"],
            upheld=True, answer="")  # fmt: skip
    services.appeal_decide(rect=rect, actor=people["supervisor"], upheld=True, answer="核实成立")
    rect.refresh_from_db()
    assert rect.state == State.APPEAL_UPHELD and rect.is_final
    refused(rect, ValidationError, services.appeal_decide, actor=people["supervisor"],
            upheld=False, answer="x")  # fmt: skip
    with schema_context(desk.center.schema_name):
        summary = rating_selectors.ratings_summary()
        assert summary["total"] == 1 and summary["by_level"][5] == 0
        assert list(rating_selectors.ratings_counted()) == [other]
        assert Rating.objects.filter(pk=rating.pk).exists()  # the record is kept
        refused(rect, ValidationError, services.reply_send, actor=desk.clerk, text="x")
    # Another center's rating with the same id is not taken out.
    assert list(rect.events.values_list("action", flat=True)) == ["open", "appeal", "appeal_upheld"]


def test_upheld_appeal_is_scoped_to_its_center(desk, other_township, people, make_user):
    from tests.centers.cases.conftest import Desk

    other_desk = Desk(other_township, make_user)
    other_rating = bad_rating(other_desk)
    rating = bad_rating(desk)
    rect = rect_of(desk, rating)
    with schema_context(desk.center.schema_name):
        services.appeal_file(rect=rect, actor=desk.clerk, reasons="恶意差评")
    services.appeal_decide(rect=rect, actor=people["city_admin"], upheld=True, answer="成立")
    with schema_context(other_township.schema_name):
        assert list(rating_selectors.ratings_counted()) == [other_rating]
    with schema_context(desk.center.schema_name):
        assert list(rating_selectors.ratings_counted()) == []


def test_appeal_rejected_continues(desk, people):
    rect = rect_of(desk, bad_rating(desk))
    with schema_context(desk.center.schema_name):
        services.appeal_file(rect=rect, actor=desk.clerk, reasons="不实")
        services.call_back_record(
            rect=rect, actor=desk.clerk, called_on=services.current_day(), outcome="已回访"
        )
        services.reply_send(rect=rect, actor=desk.clerk, text="答复")
        rect = services.report_submit(rect=rect, actor=desk.clerk, report="报告")
    # A pending appeal is decided before the approval.
    refused(rect, ValidationError, services.district_approve, actor=people["supervisor"])
    appeal = services.appeal_decide(
        rect=rect, actor=people["supervisor"], upheld=False, answer="证据不足"
    )
    assert appeal.state == AppealState.REJECTED and appeal.decided_by
    rect = services.district_approve(rect=rect, actor=people["supervisor"])
    assert rect.state == State.CLOSED
    with schema_context(desk.center.schema_name):
        assert rating_selectors.ratings_summary()["total"] == 1


def test_finding_flow(desk, people, township):
    with pytest.raises(ValidationError) as info:
        services.rectification_open_for_finding(
            center=township, title="", detail="x", owner_name="", source="nope",
            source_ref="", actor=people["evaluator"],
        )  # fmt: skip
    assert {"title", "owner_name", "source"} <= set(info.value.message_dict)
    rect = services.rectification_open_for_finding(
        center=township,
        title="窗口工作人员未佩戴工牌",
        detail="现场检查发现2号窗口未佩戴工牌",
        owner_name="陈静",
        source="peer",
        source_ref="round:1/item:7",
        actor=people["evaluator"],
    )
    assert rect.state == State.OPEN and not rect.callback_required
    with schema_context(township.schema_name):
        refused(rect, ValidationError, services.reply_send, actor=desk.clerk, text="x")
        refused(rect, ValidationError, services.appeal_file, actor=desk.clerk, reasons="x")
        rect = services.report_submit(rect=rect, actor=desk.director, report="已整改")
    rect = services.district_approve(rect=rect, actor=people["supervisor"])
    assert rect.state == State.CLOSED


def test_overdue_and_in_time(desk, people):
    rect = rect_of(desk, bad_rating(desk))
    today = services.current_day()
    assert not rect.overdue_on(today)
    Rectification.objects.filter(pk=rect.pk).update(deadline=today - datetime.timedelta(days=1))
    rect.refresh_from_db()
    assert rect.overdue_on(today)
    from evaluation.rectification.selectors import center_rectifications

    assert list(center_rectifications(desk.center.schema_name, overdue=True, today=today)) == [rect]
    with schema_context(desk.center.schema_name):
        services.call_back_record(rect=rect, actor=desk.clerk, called_on=today, outcome="已回访")
        services.reply_send(rect=rect, actor=desk.clerk, text="答复")
        services.report_submit(rect=rect, actor=desk.clerk, report="报告")
    rect = services.district_approve(rect=rect, actor=people["supervisor"])
    assert not rect.overdue_on(today) and not rect.handled_in_time  # submitted late


def test_events_are_append_only(desk):
    rect = rect_of(desk, bad_rating(desk))
    event = RectificationEvent.objects.get(rectification=rect)
    for attempt in (
        lambda: RectificationEvent.objects.filter(pk=event.pk).update(note="changed"),
        lambda: RectificationEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert RectificationEvent.objects.get(pk=event.pk).note == ""
