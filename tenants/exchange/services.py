"""The exchange's every change: send (the outbox row, inside the sender's transaction),
deliver (into the recipient's schema, once), sweep (re-send what a lost task left behind),
retry (a person asks again) and cancel (a referral withdrawn before it was delivered).

Receivers (``receivers.py``, registered by the recipient's app in its ``ready()``) apply a
message of a kind; each one runs inside the recipient's schema, in the same transaction that
marks the message delivered, and finds its earlier result when the same message comes twice."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from cityplatform import pii
from cityplatform.pii import mask_name
from tenants.accounts.labels import actor_label
from tenants.accounts.permissions import Capability, can
from tenants.models import Center

from .models import ExchangeAttachment, ExchangeLog, ExchangeMessage, MessageKind, MessageState
from .receivers import receiver_for

log = logging.getLogger(__name__)

# A message still pending this long after it was written (or sent again) lost its task.
LOST_AFTER = datetime.timedelta(seconds=60)
# After a failed attempt: 1, 2, 4, 8, 16 minutes; the sixth failure stops automatic retries.
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
MAX_ATTEMPTS = 6
SWEEP_BATCH = 500
# The applicant's fields a payload carries encrypted (cityplatform.pii) while the message waits
# in the public schema; the receiver reads them through `payload_opened`.
SEALED_APPLICANT_FIELDS = ("id_number", "phone")


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes
    material_name: str = ""


def _queue(message: ExchangeMessage) -> None:
    """Deliver after the surrounding transaction commits. If the broker is down the message
    stays pending and the sweep sends it later."""
    from .tasks import exchange_deliver

    pk = str(message.pk)
    transaction.on_commit(lambda: exchange_deliver.delay(pk), robust=True)


def message_send(
    *,
    kind: str,
    sender: Center,
    recipient: Center,
    referral_key: str,
    key: str,
    payload: dict,
    sender_reference: str = "",
    recipient_reference: str = "",
    attachments: Iterable[Attachment] = (),
    now: datetime.datetime | None = None,
) -> ExchangeMessage:
    """Write a message in the caller's transaction (the outbox) and deliver it after commit.
    The same `key` again returns the first message and sends nothing."""
    if kind not in MessageKind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    now = now or timezone.now()
    payload = payload_sealed(payload)
    with transaction.atomic():
        message, created = ExchangeMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "kind": kind,
                "sender": sender,
                "recipient": recipient,
                "referral_key": referral_key,
                "payload": payload,
                "sender_reference": sender_reference,
                "recipient_reference": recipient_reference,
                "next_attempt_at": now + LOST_AFTER,
            },
        )
        if not created:
            return message
        ExchangeAttachment.objects.bulk_create(
            [
                ExchangeAttachment(
                    message=message,
                    name=a.name[:200],
                    content_type=a.content_type,
                    material_name=a.material_name[:200],
                    size=len(a.content),
                    sha256=hashlib.sha256(a.content).hexdigest(),
                    content=a.content,
                )
                for a in attachments
            ]
        )
        _queue(message)
    return message


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("Refused.")
    return f"{type(exc).__name__}: {exc}"


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def message_deliver(message_id, *, now: datetime.datetime | None = None) -> str:
    """Deliver one pending message into its recipient's schema; returns the message's state.
    Safe to call any number of times, from any schema: a delivered, failed or cancelled
    message is left alone, and two deliveries at once take turns on the row lock."""
    now = now or timezone.now()
    with transaction.atomic():
        message = ExchangeMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "missing"
        if message.state != MessageState.PENDING:
            return message.state
        recipient = Center.objects.get(pk=message.recipient_id)
        message.attempts += 1
        try:
            receiver = receiver_for(message.kind)
            with transaction.atomic(), tenant_context(recipient):
                reference = receiver(message)
        except Exception as exc:
            if not isinstance(exc, ValidationError | PermissionDenied):
                log.exception("exchange message %s could not be delivered", message.pk)
            message.last_error = _error_text(exc)[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.state = MessageState.FAILED
            message.next_attempt_at = now + _backoff(message.attempts)
            message.save()
            ExchangeLog.objects.create(
                message=message,
                action=ExchangeLog.Action.ATTEMPT_FAILED,
                actor_name="system",
                error=message.last_error,
            )
            return message.state
        message.state = MessageState.DELIVERED
        message.delivered_at = now
        message.last_error = ""
        if reference and not message.recipient_reference:
            message.recipient_reference = str(reference)[:32]
        message.save()
        # The recipient keeps its own copy now: the public schema keeps no personal data.
        message.payload = _without_personal_data(message.payload)
        message.save(update_fields=["payload"])
        message.attachments.update(content=None)
        ExchangeLog.objects.create(
            message=message, action=ExchangeLog.Action.DELIVERED, actor_name="system"
        )
        return message.state


def _applicant_mapped(payload: dict, change) -> dict:
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict):
        return payload
    fields = {k: change(applicant[k]) for k in SEALED_APPLICANT_FIELDS if applicant.get(k)}
    return {**payload, "applicant": {**applicant, **fields}}


def payload_sealed(payload: dict) -> dict:
    """The payload with the applicant's ID number and phone encrypted (a token is kept)."""
    return _applicant_mapped(payload, lambda v: v if pii.is_token(v) else pii.encrypt(v))


def payload_opened(payload: dict) -> dict:
    """The payload as the sender wrote it: the applicant's sealed fields decrypted (plain
    values, from messages written before encryption, as they are)."""
    return _applicant_mapped(payload, pii.reveal_value)


def payload_rotated(payload: dict) -> dict | None:
    """The payload with every sealed field under the current cipher and key, or None when
    nothing needs it (rotate_pii_key)."""
    applicant = payload.get("applicant") if isinstance(payload, dict) else None
    if not isinstance(applicant, dict) or not any(
        pii.needs_rotation(applicant.get(k) or "") for k in SEALED_APPLICANT_FIELDS
    ):
        return None
    return payload_sealed(payload_opened(payload))


def _without_personal_data(payload: dict) -> dict:
    """The payload with the applicant reduced to a masked name: once delivered, the resident's
    ID number, phone and address live only in the two centers' own schemas."""
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict):
        return payload
    return {**payload, "applicant": {"name": mask_name(applicant.get("name", ""))}}


def messages_due(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> list:
    """Pending messages whose task was lost or whose back-off is over, oldest first; each is
    pushed back by LOST_AFTER so that the next sweep does not send it again at once."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            ExchangeMessage.objects.select_for_update(skip_locked=True)
            .filter(state=MessageState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        ExchangeMessage.objects.filter(pk__in=ids).update(next_attempt_at=now + LOST_AFTER)
    return ids


def _own_message(actor, message: ExchangeMessage) -> Center:
    """The acting person's center, which must be one end of the message."""
    from tenants.selectors import current_center

    if not can(actor, Capability.HANDLE_CASES):
        raise PermissionDenied(_("Only the center's case staff may work the exchange queue."))
    center = current_center()
    if center.pk not in (message.sender_id, message.recipient_id):
        raise PermissionDenied(_("This message is not one of your center's."))
    return center


def exchange_message_retry(
    *, actor, message: ExchangeMessage, now: datetime.datetime | None = None
) -> ExchangeMessage:
    """A person asks for another delivery of a failed (or waiting) message: it is pending
    again and sent at once; if that attempt fails it fails again, with its error."""
    now = now or timezone.now()
    with transaction.atomic():
        message = ExchangeMessage.objects.select_for_update().get(pk=message.pk)
        center = _own_message(actor, message)
        if message.state not in (MessageState.FAILED, MessageState.PENDING):
            raise ValidationError(
                {
                    "state": [
                        _("A message that is “%(state)s” cannot be sent again.")
                        % {"state": message.get_state_display()}
                    ]
                }
            )
        message.state = MessageState.PENDING
        message.next_attempt_at = now + LOST_AFTER
        message.save()
        ExchangeLog.objects.create(
            message=message,
            action=ExchangeLog.Action.RETRY,
            actor_name=actor_label(actor),
            center=center,
        )
        _queue(message)
    return message


def message_cancel(*, message: ExchangeMessage, reason: str, actor=None) -> bool:
    """Cancel a message that has not been delivered (a referral withdrawn before the district
    got it). Returns False when it was delivered already: the caller then tells the
    recipient instead. Call it inside the caller's transaction."""
    with transaction.atomic():
        message = ExchangeMessage.objects.select_for_update().get(pk=message.pk)
        if message.state == MessageState.DELIVERED:
            return False
        if message.state == MessageState.CANCELLED:
            return True
        message.state = MessageState.CANCELLED
        message.last_error = ""
        message.save()
        ExchangeLog.objects.create(
            message=message,
            action=ExchangeLog.Action.CANCELLED,
            actor_name=actor_label(actor),
            error=reason[:2000],
        )
    return True
