"""Every change to a complaint, suggestion or question: one keyword-only function per change,
which checks the actor's right and the feedback's state, writes the feedback and its
append-only FeedbackEvent, in one transaction.

Errors are `ValidationError({field: [messages]})`; a refused right is `PermissionDenied`.
`now` may be passed by demo data and tests; it defaults to the current time.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.cases.services import PHONE_RE
from centers.catalog.cache import catalog_changed
from centers.catalog.models import LocalMatter
from tenants.accounts.labels import PUBLIC, actor_label
from tenants.accounts.permissions import Capability, can

from .models import Feedback, FeedbackEvent, FeedbackKind, FeedbackStatus, TrackingCounter

TEXT_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 50
RECEIPT_RE = re.compile(r"^[0-9A-Za-z]{1,32}$")
# No 0/O, 1/I/L: the code is read off a phone screen and typed again by older people.
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACCESS_CODE_LENGTH = 6


@dataclass
class Submitted:
    """What the sender sees once: the tracking number and, for an anonymous sender, the
    access code (never stored in clear)."""

    feedback: Feedback
    access_code: str = ""


# --- helpers ----------------------------------------------------------------------------------


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _event(feedback: Feedback, actor, action: str, *, at, detail: dict | None = None):
    return FeedbackEvent.objects.create(
        feedback=feedback,
        at=at,
        actor=actor,
        actor_name=actor_label(actor, nobody=PUBLIC),
        action=action,
        detail=detail or {},
    )


def access_code_hash(tracking_number: str, code: str) -> str:
    """A keyed hash (the project's SECRET_KEY) of an access code, bound to its tracking
    number, so equal codes never give equal hashes."""
    message = f"{tracking_number}:{code.strip().upper()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _tracking_number(day: datetime.date) -> str:
    """F + YYYYMMDD + a four-digit sequence of the day, atomically (one statement)."""
    return f"F{day:%Y%m%d}{TrackingCounter.take(day):04d}"


def may_handle(user) -> bool:
    """Center staff who answer residents: case staff and the director."""
    return can(user, Capability.HANDLE_CASES) or can(user, Capability.MANAGE_CENTER_WORKSPACE)


def may_publish(user) -> bool:
    """Publishing a question on the guide speaks for the center: the director only."""
    return can(user, Capability.MANAGE_CENTER_WORKSPACE)


def _require_handler(actor) -> None:
    if not may_handle(actor):
        raise PermissionDenied(_("Only the center's staff may handle complaints and questions."))


# --- submission (public) ----------------------------------------------------------------------


def feedback_submit(
    *,
    kind: str,
    text: str,
    name: str = "",
    phone: str = "",
    matter_code: str = "",
    receipt_number: str = "",
    now: datetime.datetime | None = None,
) -> Submitted:
    """A resident's complaint, suggestion or question, from the portal (no actor). With a
    phone, its last four digits open the reply later; without one, an access code is made and
    returned once."""
    at = _now(now)
    text = (text or "").strip()
    name = (name or "").strip()
    phone = re.sub(r"\s+", "", phone or "")
    matter_code = (matter_code or "").strip()
    receipt_number = re.sub(r"\s+", "", receipt_number or "")
    errors: dict[str, list[str]] = {}
    if kind not in FeedbackKind.values:
        errors["kind"] = [_("Choose a complaint, a suggestion or a question.")]
    if not text:
        errors["text"] = [_("Write what you want to tell us.")]
    elif len(text) > TEXT_MAX_LENGTH:
        errors["text"] = [_("Write at most %(limit)d characters.") % {"limit": TEXT_MAX_LENGTH}]
    if len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("Write at most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}]
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = [_("Enter a mobile number (11 digits) or a landline with area code.")]
    matter = None
    if matter_code:
        matter = LocalMatter.objects.filter(code=matter_code).only("code", "name").first()
        if matter is None:
            errors["matter_code"] = [_("This center has no matter with this code.")]
    if receipt_number and not RECEIPT_RE.match(receipt_number):
        errors["receipt_number"] = [_("Enter the receipt number as printed on your notice.")]
    _raise(errors)

    access_code = ""
    if not phone:
        access_code = "".join(
            secrets.choice(ACCESS_CODE_ALPHABET) for _i in range(ACCESS_CODE_LENGTH)
        )
    with transaction.atomic():
        tracking_number = _tracking_number(timezone.localtime(at).date())
        feedback = Feedback.objects.create(
            kind=kind,
            tracking_number=tracking_number,
            matter_code=matter.code if matter else "",
            matter_name=matter.name if matter else "",
            receipt_number=receipt_number,
            text=text,
            name=name,
            phone=phone,
            access_code_hash=access_code_hash(tracking_number, access_code) if access_code else "",
            status=FeedbackStatus.RECEIVED,
            created_at=at,
        )
        _event(
            feedback,
            None,
            "submit",
            at=at,
            detail={"kind": kind, "anonymous": not phone, "matter_code": feedback.matter_code},
        )
    return Submitted(feedback=feedback, access_code=access_code)


# --- staff ------------------------------------------------------------------------------------


def _locked(feedback: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=feedback.pk)


def _refresh(feedback: Feedback, fresh: Feedback) -> Feedback:
    feedback.__dict__.update(
        {f.attname: getattr(fresh, f.attname) for f in Feedback._meta.concrete_fields}
    )
    feedback._state.fields_cache = dict(fresh._state.fields_cache)
    return feedback


def feedback_reply(
    *, actor, feedback: Feedback, text: str, now: datetime.datetime | None = None
) -> Feedback:
    """Answer (or correct the answer to) a feedback that is not closed; the sender reads it
    by the tracking number."""
    _require_handler(actor)
    at = _now(now)
    text = (text or "").strip()
    if not text:
        _raise({"text": [_("Write the reply.")]})
    if len(text) > REPLY_MAX_LENGTH:
        _raise({"text": [_("Write at most %(limit)d characters.") % {"limit": REPLY_MAX_LENGTH}]})
    with transaction.atomic():
        fresh = _locked(feedback)
        if fresh.status == FeedbackStatus.CLOSED:
            _raise({"status": [_("This one is closed; it can no longer be answered.")]})
        previous = fresh.reply_text
        fresh.reply_text = text
        fresh.replied_by = actor
        fresh.replied_at = at
        from_status = fresh.status
        fresh.status = FeedbackStatus.ANSWERED
        fresh.save(update_fields=["reply_text", "replied_by", "replied_at", "status"])
        _event(
            fresh,
            actor,
            "reply" if not previous else "reply_change",
            at=at,
            detail={"from": from_status, "to": fresh.status, "reply": text},
        )
    return _refresh(feedback, fresh)


def feedback_close(
    *, actor, feedback: Feedback, reason: str = "", now: datetime.datetime | None = None
) -> Feedback:
    """Close a feedback (answered, or one that needs no answer, such as spam); its reply stays
    readable by the tracking number."""
    _require_handler(actor)
    at = _now(now)
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        fresh = _locked(feedback)
        if fresh.status == FeedbackStatus.CLOSED:
            _raise({"status": [_("This one is already closed.")]})
        from_status = fresh.status
        fresh.status = FeedbackStatus.CLOSED
        fresh.closed_at = at
        fresh.save(update_fields=["status", "closed_at"])
        _event(
            fresh,
            actor,
            "close",
            at=at,
            detail={"from": from_status, "to": fresh.status, "reason": reason},
        )
    return _refresh(feedback, fresh)


def question_publish_as_faq(
    *, actor, feedback: Feedback, question: str = "", now: datetime.datetime | None = None
) -> Feedback:
    """Publish an answered question as a frequent question of its matter's guide (the
    director only). `question` may reword the sender's text (to drop personal details); it
    defaults to the text as sent."""
    if not may_publish(actor):
        raise PermissionDenied(_("Only the center's director may publish frequent questions."))
    at = _now(now)
    question = (question or "").strip()
    with transaction.atomic():
        fresh = _locked(feedback)
        errors: dict[str, list[str]] = {}
        if fresh.kind != FeedbackKind.QUESTION:
            errors["kind"] = [_("Only questions (咨询) can be published as frequent questions.")]
        if not fresh.reply_text:
            errors["status"] = [_("Only an answered question can be published.")]
        if not fresh.matter_code:
            errors["matter_code"] = [_("The question names no matter, so no guide can show it.")]
        if fresh.published_as_faq:
            errors["published_as_faq"] = [_("This question is already published.")]
        if len(question) > TEXT_MAX_LENGTH:
            errors["question"] = [
                _("Write at most %(limit)d characters.") % {"limit": TEXT_MAX_LENGTH}
            ]
        _raise(errors)
        fresh.published_as_faq = True
        fresh.faq_question = question or fresh.text
        fresh.save(update_fields=["published_as_faq", "faq_question"])
        _event(
            fresh,
            actor,
            "publish_faq",
            at=at,
            detail={"matter_code": fresh.matter_code, "question": fresh.faq_question},
        )
        catalog_changed()  # the guide shows its published questions
    return _refresh(feedback, fresh)


def question_unpublish(
    *, actor, feedback: Feedback, now: datetime.datetime | None = None
) -> Feedback:
    """Take a frequent question off its guide again (the director only)."""
    if not may_publish(actor):
        raise PermissionDenied(_("Only the center's director may publish frequent questions."))
    at = _now(now)
    with transaction.atomic():
        fresh = _locked(feedback)
        if not fresh.published_as_faq:
            _raise({"published_as_faq": [_("This question is not published.")]})
        fresh.published_as_faq = False
        fresh.save(update_fields=["published_as_faq"])
        _event(fresh, actor, "unpublish_faq", at=at, detail={"matter_code": fresh.matter_code})
        catalog_changed()
    return _refresh(feedback, fresh)
