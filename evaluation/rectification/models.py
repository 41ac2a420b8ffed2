"""差评 rectification (差评整改) and rating appeals (申诉复核), in the public schema.

Every 不满意 / 非常不满意 rating of a center opens one `Rectification`; so does every problem
found in a self, peer or district evaluation. The center calls the resident back (always when
the resident is named), replies, and submits its report; the district approves or returns it.
A center may appeal a rating once (`RatingAppeal`); an upheld appeal takes the rating out of
every figure (centers.ratings.selectors.ratings_counted) and the item ends as `appeal_upheld`,
with the record kept. `RectificationEvent` is the append-only history: PostgreSQL refuses
UPDATE and DELETE on it (migration 0002)."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel

# Local rules set the deadline between 5 and 15 working days.
DEADLINE_MIN_DAYS = 5
DEADLINE_MAX_DAYS = 15
DEADLINE_DEFAULT_DAYS = 10


class RectificationPolicy(models.Model):
    """The city's setting (one row): the deadline of every new item, in working days."""

    deadline_working_days = models.PositiveSmallIntegerField(
        _("deadline (working days)"),
        default=DEADLINE_DEFAULT_DAYS,
        validators=[
            MinValueValidator(DEADLINE_MIN_DAYS),
            MaxValueValidator(DEADLINE_MAX_DAYS),
        ],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("rectification policy")
        verbose_name_plural = _("rectification policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    deadline_working_days__gte=DEADLINE_MIN_DAYS,
                    deadline_working_days__lte=DEADLINE_MAX_DAYS,
                ),
                name="rectification_policy_days_5_15",
            )
        ]

    def __str__(self) -> str:
        return str(self.deadline_working_days)


class Source(models.TextChoices):
    BAD_RATING = "bad_rating", _("差评")
    FINDING = "finding", _("Evaluation finding (检查发现问题)")


class FindingOrigin(models.TextChoices):
    SELF = "self", _("Self-evaluation (自查)")
    PEER = "peer", _("Peer evaluation (互查)")
    DISTRICT = "district", _("District evaluation (区级考评)")


class State(models.TextChoices):
    OPEN = "open", _("Opened (待回访)")
    CALLED_BACK = "called_back", _("Called back (已回访)")
    REPLIED = "replied", _("Replied (已答复)")
    SUBMITTED = "submitted", _("Report submitted (待审核)")
    CLOSED = "closed", _("Closed (已办结)")
    APPEAL_UPHELD = "appeal_upheld", _("Appeal upheld (申诉成立)")


# States in which the center still has to act before the deadline.
WORKING_STATES = (State.OPEN, State.CALLED_BACK, State.REPLIED)
FINAL_STATES = (State.CLOSED, State.APPEAL_UPHELD)


class Rectification(models.Model):
    center = models.ForeignKey(
        "tenants.Center",
        on_delete=models.PROTECT,
        related_name="rectifications",
        verbose_name=_("center"),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)

    # A 差评: a copy of what the center's schema holds (ids are of that schema).
    rating_id = models.BigIntegerField(_("rating"), null=True, blank=True)
    case_id = models.BigIntegerField(_("case"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=32, blank=True)
    matter_name = models.CharField(_("matter"), max_length=200, blank=True)
    rating_level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    rating_reasons = models.TextField(_("reasons"), blank=True)
    rating_channel = models.CharField(_("channel"), max_length=16, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    resident_name_masked = models.CharField(_("resident"), max_length=100, blank=True)
    resident_named = models.BooleanField(_("resident left a name and phone"), default=False)

    # A finding of an evaluation.
    finding_origin = models.CharField(
        _("found in"), max_length=16, choices=FindingOrigin.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)

    owner_name = models.CharField(_("owner"), max_length=150, blank=True)
    opened_on = models.DateField(_("opened on"))
    deadline_working_days = models.PositiveSmallIntegerField(_("deadline (working days)"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)

    callback_on = models.DateField(_("called back on"), null=True, blank=True)
    callback_by = models.CharField(_("called back by"), max_length=150, blank=True)
    callback_outcome = models.TextField(_("call-back outcome"), blank=True)
    reply_text = models.TextField(_("reply to the resident"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    report_text = models.TextField(_("rectification report"), blank=True)
    submitted_on = models.DateField(_("report submitted on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rectification (整改)")
        verbose_name_plural = _("rectifications (整改)")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "rating_id"],
                condition=models.Q(rating_id__isnull=False),
                name="rectification_one_per_rating",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="bad_rating") | models.Q(rating_id__isnull=False),
                name="rectification_rating_has_id",
            ),
        ]
        indexes = [
            models.Index(fields=["center", "state"], name="rectification_center_idx"),
            models.Index(fields=["opened_on"], name="rectification_opened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.center_id} #{self.pk} {self.state}"

    @property
    def is_rating(self) -> bool:
        return self.source == Source.BAD_RATING

    @property
    def callback_required(self) -> bool:
        return self.is_rating and self.resident_named

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def overdue_on(self, today: datetime.date) -> bool:
        """Not submitted or closed by the deadline."""
        return self.state in WORKING_STATES and today > self.deadline

    @property
    def handled_in_time(self) -> bool:
        return (
            self.state == State.CLOSED
            and self.submitted_on is not None
            and self.submitted_on <= self.deadline
        )


class RectificationEvent(AppendOnlyModel):
    """One step of an item; append-only (a trigger refuses UPDATE and DELETE). The actor is
    named, not linked: city users and center users live in different schemas."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_name = models.CharField(_("by"), max_length=150)
    actor_schema = models.CharField(_("domain"), max_length=63, blank=True)
    action = models.CharField(_("step"), max_length=32)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AppealState(models.TextChoices):
    PENDING = "pending", _("Pending (待复核)")
    UPHELD = "upheld", _("Upheld (申诉成立)")
    REJECTED = "rejected", _("Rejected (申诉不成立)")


class RatingAppeal(models.Model):
    """A center's appeal against a rating (申诉复核): one per item, decided by the district."""

    rectification = models.OneToOneField(
        Rectification, on_delete=models.PROTECT, related_name="appeal"
    )
    reasons = models.TextField(_("reasons"))
    evidence = models.TextField(_("evidence"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=AppealState.choices, default=AppealState.PENDING
    )
    filed_by = models.CharField(_("filed by"), max_length=150)
    filed_at = models.DateTimeField(_("filed at"))
    answer = models.TextField(_("district's answer"), blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating appeal (申诉)")
        verbose_name_plural = _("rating appeals (申诉)")
        indexes = [models.Index(fields=["state"], name="rectification_appeal_state_idx")]

    def __str__(self) -> str:
        return f"{self.rectification_id} {self.state}"
