"""Complaints, suggestions and questions (投诉、建议、咨询) that residents send through the
center's portal, each with a tracking number, and their append-only history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel
from cityplatform.sequences import DailyCounter


class FeedbackKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    QUESTION = "question", _("咨询")


class FeedbackStatus(models.TextChoices):
    RECEIVED = "received", _("已受理，待答复")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")


class TrackingCounter(DailyCounter):
    """The last tracking sequence number given out on a day."""


class Feedback(models.Model):
    """One complaint, suggestion or question. The sender may stay anonymous: then the tracking
    number and the access code shown once at submission (stored only as a keyed hash) open
    the reply; with a phone, its last four digits do."""

    kind = models.CharField(_("kind"), max_length=16, choices=FeedbackKind.choices)
    tracking_number = models.CharField(_("tracking number"), max_length=16, unique=True)
    matter_code = models.CharField(_("matter code"), max_length=64, blank=True, db_index=True)
    matter_name = models.CharField(_("matter name"), max_length=200, blank=True)
    receipt_number = models.CharField(_("case receipt number"), max_length=32, blank=True)
    text = models.TextField(_("text"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    access_code_hash = models.CharField(_("access code (hashed)"), max_length=64, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=FeedbackStatus.choices,
        default=FeedbackStatus.RECEIVED,
        db_index=True,
    )
    reply_text = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_as_faq = models.BooleanField(_("published as a frequent question"), default=False)
    faq_question = models.TextField(_("question as published"), blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    # Set when retention (centers.retention) removed the sender's name and phone.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("complaint, suggestion or question (投诉建议咨询)")
        verbose_name_plural = _("complaints, suggestions and questions (投诉建议咨询)")
        indexes = [
            models.Index(
                fields=["matter_code", "replied_at"],
                name="feedback_faq_idx",
                condition=models.Q(published_as_faq=True),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def anonymous(self) -> bool:
        return not self.phone


class FeedbackEvent(AppendOnlyModel):
    """One step in a feedback's history: append-only (cityplatform.history:
    PostgreSQL refuses an UPDATE or DELETE of a row)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150)
    action = models.CharField(_("action"), max_length=32)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("feedback event")
        verbose_name_plural = _("feedback events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
