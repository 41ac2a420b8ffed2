"""Scored evaluation (考核评价): the city's versioned rubric, rounds, the districts' scorecards
with evidence, the centers' appeals and the ranking frozen at publication.

Every table lives in the public schema. People are named by username (evaluators and
supervisors are public-schema users, center directors live in their center's schema), never by
a foreign key to a user table, because the user table exists in every schema and a join from
a center's search path would reach the wrong one. Every change goes through services.py.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel
from tenants.models import Center, CenterKind
from tenants.private_files import PrivateStorage

POINTS = {"max_digits": 7, "decimal_places": 2}


class RubricState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ItemKind(models.TextChoices):
    MANUAL = "manual", _("Scored by the evaluator")
    AUTO = "auto", _("Computed from the figures")
    DEDUCTION = "deduction", _("扣分 (points per fault)")
    BONUS = "bonus", _("加分项")
    VETO = "veto", _("一票否决")


# Kinds whose maximum makes up the rubric's base total (deductions start from their maximum).
BASE_KINDS = (ItemKind.MANUAL, ItemKind.AUTO, ItemKind.DEDUCTION)

# Centers a round scores: the township and street centers (a district's own center is not
# scored by its own district's evaluators).
SCORED_KINDS = (CenterKind.TOWNSHIP, CenterKind.STREET)


class Rubric(models.Model):
    """One version of the city's rubric (评分细则). A published version never changes: a new
    version is a copy (services.rubric_new_version)."""

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=16, choices=RubricState.choices, default=RubricState.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    bonus_cap = models.DecimalField(_("bonus cap (加分上限)"), default=0, **POINTS)
    # Sum of the level-3 manual, auto and deduction maxima; kept by the services.
    total_points = models.DecimalField(_("total points"), default=0, **POINTS)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="scoring_rubric_name_version")
        ]
        verbose_name = _("rubric (评分细则)")
        verbose_name_plural = _("rubrics")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.state == RubricState.PUBLISHED


class RubricItem(models.Model):
    """A node of the rubric tree: level 1 a section (场所建设…), level 2 a group, level 3 an
    item that is scored. `kind`, `formula` and `points_per_fault` matter on level 3 only."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=20)  # "1", "1.2", "1.2.3"
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    guidance = models.TextField(_("scoring guidance (评分标准)"), blank=True)
    max_points = models.DecimalField(_("maximum points"), default=0, **POINTS)
    kind = models.CharField(
        _("kind"), max_length=16, choices=ItemKind.choices, default=ItemKind.MANUAL
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    evidence_hint = models.CharField(_("evidence needed"), max_length=200, blank=True)
    # For auto items: {"metric": "on_time_rate", "full_at": 0.98, "zero_at": 0.80}.
    formula = models.JSONField(_("formula"), default=dict, blank=True)
    points_per_fault = models.DecimalField(_("points per fault"), null=True, blank=True, **POINTS)

    class Meta:
        ordering = ["rubric", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="scoring_item_rubric_code")
        ]
        verbose_name = _("rubric item")
        verbose_name_plural = _("rubric items")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_scored(self) -> bool:
        return self.level == 3


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCORING = "scoring", _("Scoring")
    APPEALS = "appeals", _("Appeals")
    REVIEW = "review", _("Review")
    LOCKED = "locked", _("Locked")
    PUBLISHED = "published", _("Published")


# A round in these states takes no change at all.
FROZEN_ROUND_STATES = (RoundState.LOCKED, RoundState.PUBLISHED)


class Round(models.Model):
    """An evaluation round (2026年度, 2026年11月): one published rubric version, the period the
    automatic items read, the evaluators assigned to the centers."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("rubric")
    )
    state = models.CharField(
        _("state"), max_length=16, choices=RoundState.choices, default=RoundState.DRAFT
    )
    # A center below this total (in this and the previous published round) is flagged for 约谈.
    talk_threshold = models.DecimalField(_("约谈 threshold"), null=True, blank=True, **POINTS)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.state in FROZEN_ROUND_STATES


class Assignment(models.Model):
    """Which evaluator (a public-schema user of the center's district) scores a center."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    evaluator = models.CharField(_("evaluator"), max_length=150)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    assigned_by = models.CharField(_("assigned by"), max_length=150, blank=True)

    class Meta:
        ordering = ["round", "center__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "center"], name="scoring_assignment_once")
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.round} · {self.center} · {self.evaluator}"


class ScorecardState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Scorecard(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scorecards")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    evaluator = models.CharField(_("evaluator"), max_length=150)
    state = models.CharField(
        _("state"), max_length=16, choices=ScorecardState.choices, default=ScorecardState.DRAFT
    )
    site_visit_date = models.DateField(_("site visit date"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Computed at submit (and again when an appeal changes scores): base items + capped bonus,
    # 0 when vetoed. `sections` is {section code: {"title", "points", "max"}}.
    total = models.DecimalField(_("total"), null=True, blank=True, **POINTS)
    bonus = models.DecimalField(_("bonus counted"), default=0, **POINTS)
    sections = models.JSONField(_("section breakdown"), default=dict, blank=True)
    vetoed = models.BooleanField(_("vetoed (一票否决)"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["round", "center__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "center"], name="scoring_scorecard_once")
        ]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return f"{self.round} · {self.center}"

    @property
    def is_submitted(self) -> bool:
        return self.state == ScorecardState.SUBMITTED


class ItemScore(models.Model):
    """The score of one level-3 item: `points` for manual, auto and bonus items (auto ones
    computed at submit, `metric_value` the figure read), `fault_count` for deductions (points
    then computed), `marked` for veto items."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), null=True, blank=True, **POINTS)
    fault_count = models.PositiveIntegerField(_("faults found"), null=True, blank=True)
    marked = models.BooleanField(_("veto found"), default=False)
    metric_value = models.DecimalField(
        _("figure"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    # Set when the district changes the score in answer to an appeal.
    adjusted_from = models.DecimalField(_("points before appeal"), null=True, blank=True, **POINTS)
    adjust_reason = models.TextField(_("reason for the change"), blank=True)

    class Meta:
        ordering = ["item__order", "item__pk"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "item"], name="scoring_itemscore_once")
        ]
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")

    def __str__(self) -> str:
        return f"{self.scorecard} · {self.item.code}"


@deconstructible
class EvidenceStorage(PrivateStorage):
    """Evidence photos live in the city's private folder (PRIVATE_ROOT/<public schema>/
    scoring/) whatever schema reads them; only the permission-checked view serves them."""

    def __init__(self):
        super().__init__(schema_name=settings.PUBLIC_SCHEMA_NAME)


evidence_storage = EvidenceStorage()


def _evidence_path(instance, filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower() or ".jpg"
    return f"scoring/evidence/{instance.item_score.scorecard.round_id}/{uuid.uuid4().hex}{ext}"


def _thumbnail_path(instance, filename: str) -> str:
    return f"scoring/evidence/{instance.item_score.scorecard.round_id}/{filename}"


class EvidencePhoto(models.Model):
    """A photo proving an item's score (a real JPEG, PNG or WebP image, at most 10 MB,
    checked by Pillow), with a JPEG thumbnail stored beside it."""

    item_score = models.ForeignKey(ItemScore, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        _("image"), upload_to=_evidence_path, storage=evidence_storage, max_length=300
    )
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=_thumbnail_path, storage=evidence_storage, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.CharField(_("uploaded by"), max_length=150)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")

    def __str__(self) -> str:
        return self.original_name


class AppealState(models.TextChoices):
    PENDING = "pending", _("Awaiting the district")
    ANSWERED = "answered", _("Answered")


class ScoreAppeal(models.Model):
    """A center's one appeal (申诉) against its scorecard, answered by its district."""

    scorecard = models.OneToOneField(Scorecard, on_delete=models.CASCADE, related_name="appeal")
    reasons = models.TextField(_("reasons"))
    filed_by = models.CharField(_("filed by"), max_length=150)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=16, choices=AppealState.choices, default=AppealState.PENDING
    )
    answer = models.TextField(_("district's answer"), blank=True)
    answered_by = models.CharField(_("answered by"), max_length=150, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    original_total = models.DecimalField(_("total before the answer"), null=True, **POINTS)
    # Set when the answer changed scores: the scorecard's new total.
    adjusted_total = models.DecimalField(_("adjusted total"), null=True, blank=True, **POINTS)
    # [{"item": code, "from": "4.00", "to": "5.00", "reason": "..."}]
    adjustments = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("score appeal (申诉)")
        verbose_name_plural = _("score appeals")

    def __str__(self) -> str:
        return f"{self.scorecard}"


class RankingEntry(models.Model):
    """One center's place in a published round, frozen at publication."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ranking")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    center_name = models.CharField(_("center"), max_length=100)
    district_name = models.CharField(_("district"), max_length=100, blank=True)
    rank_city = models.PositiveIntegerField(_("rank in the city"))
    rank_district = models.PositiveIntegerField(_("rank in the district"))
    total = models.DecimalField(_("total"), **POINTS)
    bonus = models.DecimalField(_("bonus counted"), default=0, **POINTS)
    # {section code: {"title": ..., "points": "12.50", "max": "15.00"}}
    sections = models.JSONField(_("section breakdown"), default=dict, blank=True)
    vetoed = models.BooleanField(_("vetoed (一票否决)"), default=False)
    flagged_for_talk = models.BooleanField(_("flagged for 约谈"), default=False)
    talk_reason = models.CharField(_("约谈 reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["round", "rank_city", "center_name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "center"], name="scoring_ranking_once")
        ]
        verbose_name = _("ranking entry")
        verbose_name_plural = _("ranking entries")

    def __str__(self) -> str:
        return f"{self.round} · {self.rank_city} · {self.center_name}"


class ScoringEvent(AppendOnlyModel):
    """The append-only history of the scoring services: who did what to which round."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40)
    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("scoring event")
        verbose_name_plural = _("scoring events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
