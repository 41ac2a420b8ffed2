"""The conduct campaign (作风建设): the city's checklist, each center's self-evaluation (自查),
the peer evaluations (互查) the districts assign between their centers, the districts' own
evaluations (区级考评), and every problem found turned into a rectification item.

Every table lives in the public schema (the app is shared only); people are named by username,
never by a foreign key to a user table (the user table exists in every schema). Every change
goes through services.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel
from tenants.models import Center


class CampaignState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Campaign(models.Model):
    """One campaign: tied to a scoring round, or standing alone with its own period."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    round = models.ForeignKey(
        "scoring.Round",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conduct_campaigns",
        verbose_name=_("evaluation round"),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    state = models.CharField(
        _("state"), max_length=16, choices=CampaignState.choices, default=CampaignState.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("conduct campaign (作风建设)")
        verbose_name_plural = _("conduct campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state == CampaignState.OPEN


class CampaignItem(models.Model):
    """One check of the campaign's checklist (服务态度, 工作纪律, 首问负责…)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=60)
    guidance = models.CharField(_("what to check"), max_length=300, blank=True)

    class Meta:
        ordering = ["campaign", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "title"], name="conduct_item_once")
        ]
        verbose_name = _("campaign check")
        verbose_name_plural = _("campaign checks")

    def __str__(self) -> str:
        return self.title


class EvaluationKind(models.TextChoices):
    SELF = "self", _("Self-evaluation (自查)")
    PEER = "peer", _("Peer evaluation (互查)")
    DISTRICT = "district", _("District evaluation (区级考评)")


class EvaluationState(models.TextChoices):
    ASSIGNED = "assigned", _("To do")
    SUBMITTED = "submitted", _("Submitted")


class Evaluation(models.Model):
    """One evaluation of `center` in a campaign, by `evaluator_center`: the center itself
    (self), another center of its district (peer) or its district (district)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=16, choices=EvaluationKind.choices)
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center evaluated")
    )
    evaluator_center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluated by")
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=EvaluationState.choices,
        default=EvaluationState.ASSIGNED,
    )
    comment = models.TextField(_("comment"), blank=True)
    assigned_by = models.CharField(_("assigned by"), max_length=150, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    submitted_by = models.CharField(_("submitted by"), max_length=150, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "center__division_code", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "center", "evaluator_center"], name="conduct_evaluation_once"
            )
        ]
        verbose_name = _("conduct evaluation")
        verbose_name_plural = _("conduct evaluations")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.center} · {self.get_kind_display()}"

    @property
    def is_submitted(self) -> bool:
        return self.state == EvaluationState.SUBMITTED


class Finding(models.Model):
    """The finding of one check in a submitted evaluation: fine, or a problem described, with
    the rectification item it opened."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(CampaignItem, on_delete=models.PROTECT, related_name="+")
    problem = models.BooleanField(_("problem found"), default=False)
    description = models.TextField(_("problem"), blank=True)
    owner_name = models.CharField(_("owner of the rectification"), max_length=150, blank=True)
    rectification = models.ForeignKey(
        "rectification.Rectification",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["evaluation", "item__order", "item__pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "item"], name="conduct_finding_once")
        ]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.item}"


class ConductEvent(AppendOnlyModel):
    """The append-only history of the campaign services."""

    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    schema_name = models.CharField(_("schema"), max_length=63, blank=True)
    action = models.CharField(_("action"), max_length=40)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("conduct event")
        verbose_name_plural = _("conduct events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
