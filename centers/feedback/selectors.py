"""Reads shared by the portal pages, the staff screens and the guide pages."""

from __future__ import annotations

import hmac
import re

from django.db.models import QuerySet
from django.utils import timezone

from .models import Feedback, FeedbackKind, FeedbackStatus
from .services import access_code_hash

TRACKING_RE = re.compile(r"^F\d{12}$")
PHONE_LAST4_RE = re.compile(r"^\d{4}$")
TRACKING_MAX_LENGTH = 16


def normalise_tracking(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()[:TRACKING_MAX_LENGTH]


def published_questions(matter_code: str) -> list[dict]:
    """The frequent questions the director published for one matter's guide, oldest answer
    first: [{"question": ..., "answer": ...}]."""
    if not matter_code:
        return []
    rows = (
        Feedback.objects.filter(
            published_as_faq=True, matter_code=matter_code, kind=FeedbackKind.QUESTION
        )
        .exclude(reply_text="")
        .order_by("replied_at", "pk")
        .values_list("faq_question", "text", "reply_text")
    )
    return [{"question": faq or text, "answer": reply} for faq, text, reply in rows]


def _second_factor_matches(feedback: Feedback | None, tracking_number: str, secret: str) -> bool:
    """Compare in constant time, and do the same work when the number is unknown."""
    secret = (secret or "").strip()
    if feedback is not None and feedback.phone:
        expected = re.sub(r"\D", "", feedback.phone)[-4:]
        given = secret if PHONE_LAST4_RE.match(secret) else ""
    else:
        expected = feedback.access_code_hash if feedback is not None else "-" * 64
        given = access_code_hash(tracking_number, secret) if secret else ""
    matches = hmac.compare_digest(expected.encode(), given.encode())
    return feedback is not None and bool(expected) and matches


def feedback_lookup(tracking_number: str, secret: str) -> dict | None:
    """What the sender may read: the kind, the dates, the status and the reply, if `secret`
    is the phone's last four digits (or, for an anonymous sender, the access code); None for
    an unknown number and for a wrong pair alike."""
    tracking_number = normalise_tracking(tracking_number)
    if not TRACKING_RE.match(tracking_number):
        return None
    feedback = Feedback.objects.filter(tracking_number=tracking_number).first()
    if not _second_factor_matches(feedback, tracking_number, secret):
        return None
    status = FeedbackStatus(feedback.status)
    return {
        "tracking_number": feedback.tracking_number,
        "kind": feedback.kind,
        "kind_label": str(FeedbackKind(feedback.kind).label),
        "matter_name": feedback.matter_name,
        "text": feedback.text,
        "status": status.value,
        "status_label": str(status.label),
        "submitted_on": timezone.localtime(feedback.created_at).date(),
        "reply": feedback.reply_text,
        "replied_on": timezone.localtime(feedback.replied_at).date()
        if feedback.replied_at
        else None,
    }


def staff_list(*, status: str = "", kind: str = "") -> QuerySet[Feedback]:
    """The staff list, newest first, filtered by status and kind when they are valid."""
    queryset = Feedback.objects.all()
    if status in FeedbackStatus.values:
        queryset = queryset.filter(status=status)
    if kind in FeedbackKind.values:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-created_at", "-pk")


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    counts = dict(Feedback.objects.values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value in FeedbackStatus.values}


def feedback_history(feedback: Feedback) -> QuerySet:
    return feedback.events.order_by("at", "pk")
