"""SMS to the applicant at acceptance, 补正, a special procedure, an extension, a provisional
promised date confirmed on the official calendar (due_dates.py), completion, refusal and
revocation.

A Notification row is written in the same transaction as the event it tells of (one per
event, enforced by a unique key), and the Celery task that sends it is queued only after that
transaction commits. The task sends only a pending notification, under a row lock, so a
retried or repeated task never sends the same message twice. A task lost on the way (Redis
down at the commit) is sent again by beat's notification sweep."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import CaseEvent, Notification

MAX_ATTEMPTS = 5
SWEEP_BATCH = 500


def _text(event: CaseEvent) -> str | None:
    case = event.case
    values = {
        "center": _center_name(),
        "receipt": case.receipt_number,
        "matter": case.matter_name,
        "due": case.due_date.isoformat() if case.due_date else "",
    }
    with override("zh-hans"):
        # Issue 15: a forwarded case's 收件回执 (received here, accepted by the district).
        if (event.action == "receive" and event.detail.get("forward_to")) or (
            event.action == "refer_up" and event.detail.get("receipt")
        ):
            from .referrals import deciding_authority

            authority = (deciding_authority(case) or {}).get("center_name", "")
            return _(
                "【%(center)s】您申请的“%(matter)s”材料已收取，收件编号%(receipt)s，"
                "将报送%(authority)s受理并决定，办理时限自其受理之日起计算。"
                "可凭编号和手机尾号查询进度。"
            ) % {**values, "authority": authority}
        if event.action == "accept":
            return (
                _(
                    "【%(center)s】您申请的“%(matter)s”已受理，受理编号%(receipt)s，"
                    "承诺办结日期%(due)s。可凭受理编号和手机尾号查询进度。"
                )
                % values
            )
        if event.action == "request_supplement":
            return (
                _(
                    "【%(center)s】您申请的“%(matter)s”（编号%(receipt)s）材料需补正，"
                    "请按一次性告知单一次补齐后到窗口提交。"
                )
                % values
            )
        if event.action == "start_special":
            return _(
                "【%(center)s】您申请的“%(matter)s”（编号%(receipt)s）依法需进行特别程序，"
                "预计%(days)s个工作日，不计入办理时限，详见特别程序告知书。"
            ) % {**values, "days": event.detail.get("expected_days") or ""}
        if event.action == "extend":
            return _(
                "【%(center)s】您申请的“%(matter)s”（编号%(receipt)s）经负责人批准延长办理期限"
                "%(days)s个工作日，承诺办结日期调整为%(due)s，详见延长办理期限告知书。"
            ) % {**values, "days": event.detail.get("days") or ""}
        if event.action == "confirm_due_date":
            # 行政许可法 art. 82: the acceptance notice's provisional date, now confirmed.
            return _(
                "【%(center)s】您申请的“%(matter)s”（编号%(receipt)s）的承诺办结日期已按正式公布的"
                "节假日安排核定为%(due)s。"
            ) % {**values, "due": event.detail.get("after") or values["due"]}
        if event.action == "revoke":
            return (
                _(
                    "【%(center)s】您申请的“%(matter)s”（编号%(receipt)s）的办理决定已依法撤销，"
                    "理由及救济途径见撤销行政许可决定书。"
                )
                % values
            )
        if event.action == "objection_filed":
            return _(
                "【%(center)s】已收到您对“%(matter)s”（编号%(receipt)s）办理结果提出的异议，"
                "承办人将于%(answer_due)s前书面答复并说明理由。"
            ) % {**values, "answer_due": event.detail.get("due_date") or ""}
        if event.action == "objection_answered":
            return (
                _(
                    "【%(center)s】您对“%(matter)s”（编号%(receipt)s）提出的异议已书面答复，"
                    "答复及理由见异议答复书，也可凭受理编号和手机尾号查询。"
                )
                % values
            )
        if event.action == "close":
            return (
                _(
                    "【%(center)s】您申请的“%(matter)s”（编号%(receipt)s）已办结，请按约定方式领取结果。"
                )
                % values
            )
        if event.action == "refuse":
            return (
                _(
                    "【%(center)s】您申请的“%(matter)s”（编号%(receipt)s）不予受理，"
                    "理由见不予受理决定书。"
                )
                % values
            )
    return None


def _center_name() -> str:
    from tenants.selectors import current_center

    return current_center().display_name


def queue_for_event(event: CaseEvent) -> Notification | None:
    """Write the notification for an event (inside the caller's transaction) and send it after
    the commit. Events that tell the applicant nothing return None."""
    text = _text(event)
    if text is None or not event.case.applicant_phone:
        return None
    return queue_text(event, text)


def queue_text(event: CaseEvent, text: str) -> Notification:
    """Write the notification of `event` with this text (inside the caller's transaction)
    and send it after the commit: for an event whose text its writer composes (the reply to
    a rating, `events.rating_reply_record`)."""
    notification, created = Notification.objects.get_or_create(
        event=event,
        defaults={"case": event.case, "phone": event.case.applicant_phone, "text": text},
    )
    if created:
        from .tasks import notification_send

        # robust: the case is committed by now; a broker that is down must not turn that into
        # an error. The notification stays pending and notifications_lost() finds it.
        transaction.on_commit(lambda: notification_send.delay(notification.pk), robust=True)
    return notification


def notifications_lost(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Pending notifications never tried: their task was lost (the broker was down when the
    event committed, or lost its queue). Sending one again is harmless, since
    notification_deliver sends only a pending row, under its lock; those tried already are
    in their task's retry back-off."""
    return list(
        Notification.objects.filter(state=Notification.State.PENDING, attempts=0)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def notification_deliver(notification_id: int) -> str:
    """Send one pending notification; returns its state. Safe to call any number of times."""
    from cityplatform.sms import SmsError, send_sms

    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.state != Notification.State.PENDING:
            return getattr(notification, "state", "missing")
        notification.attempts += 1
        try:
            notification.gateway_id = send_sms(notification.phone, notification.text)[:64]
        except SmsError as exc:
            notification.last_error = str(exc)[:1000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.state = Notification.State.FAILED
            notification.save()
            return notification.state
        notification.state = Notification.State.SENT
        notification.sent_at = timezone.now()
        notification.save()
        return notification.state
