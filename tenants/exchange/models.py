"""The exchange between centers (public schema only): an outbox of messages that one center
writes in the same transaction as the change it tells of, and that Celery delivers into the
recipient's schema. Nothing else carries data from one center's schema into another's.

A message is delivered at most once in effect: its idempotency key is unique, delivery locks
the row and skips a delivered one, and every receiver is itself idempotent."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel


class MessageKind(models.TextChoices):
    REFERRAL = "referral", _("上报 (case forwarded to the district)")
    STATUS = "status", _("状态 (status of the other side)")
    DECISION = "decision", _("办结结果 (decision)")
    WITHDRAWAL = "withdrawal", _("撤回 (withdrawn by the applicant)")


class MessageState(models.TextChoices):
    PENDING = "pending", _("待投递 (pending)")
    DELIVERED = "delivered", _("已投递 (delivered)")
    FAILED = "failed", _("投递失败 (failed)")
    CANCELLED = "cancelled", _("已撤销 (cancelled before delivery)")


class ExchangeMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    sender = models.ForeignKey(
        "tenants.Center",
        on_delete=models.PROTECT,
        related_name="exchange_sent",
        verbose_name=_("sender"),
    )
    recipient = models.ForeignKey(
        "tenants.Center",
        on_delete=models.PROTECT,
        related_name="exchange_received",
        verbose_name=_("recipient"),
    )
    referral_key = models.CharField(_("referral key"), max_length=64, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # The case's receipt number in the sender's and in the recipient's schema (the latter
    # learnt on delivery of a referral).
    sender_reference = models.CharField(_("sender's receipt number"), max_length=32, blank=True)
    recipient_reference = models.CharField(
        _("recipient's receipt number"), max_length=32, blank=True
    )
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(
        _("state"), max_length=16, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # Set when retention (centers.retention) removed the applicant and the scans of a failed or
    # cancelled message.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # When the sweep next sends it again: a grace period after creation (the task queued on
    # commit should have delivered it by then), then back-off after each failed attempt.
    next_attempt_at = models.DateTimeField(_("next attempt at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exchange message")
        verbose_name_plural = _("exchange messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="exchange_due_idx",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["sender", "-created_at"], name="exchange_sender_idx"),
            models.Index(fields=["recipient", "-created_at"], name="exchange_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.referral_key} {self.state}"


class ExchangeAttachment(models.Model):
    """A scan travelling with a referral. The bytes sit in the public schema so that they are
    written in the same transaction as the message; they are dropped once the recipient has
    stored its own copy (name, size and checksum stay)."""

    message = models.ForeignKey(
        ExchangeMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    material_name = models.CharField(_("material"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("content"), null=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("exchange attachment")

    def __str__(self) -> str:
        return self.name


class ExchangeLog(AppendOnlyModel):
    """Append-only: every delivery attempt that failed, every delivery, every retry a person
    asked for, every cancellation (a trigger refuses UPDATE and DELETE)."""

    class Action(models.TextChoices):
        DELIVERED = "delivered", _("delivered")
        ATTEMPT_FAILED = "attempt_failed", _("attempt failed")
        RETRY = "retry", _("retry requested")
        CANCELLED = "cancelled", _("cancelled")

    message = models.ForeignKey(ExchangeMessage, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor_name = models.CharField(_("by"), max_length=150)
    center = models.ForeignKey(
        "tenants.Center",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("center of the person"),
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("exchange log entry")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
