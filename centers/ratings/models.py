"""好差评 ratings of a case (GB/T 39734-2020): one per case and point (after acceptance, after
completion), added to later but never replaced. PostgreSQL refuses UPDATE and DELETE on both
tables (migration 0002)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel


class Point(models.TextChoices):
    ACCEPTED = "accepted", _("After acceptance (受理后)")
    COMPLETED = "completed", _("After completion (办结后)")


class RatingChannel(models.TextChoices):
    QR = "qr", _("QR code on the notice (二维码)")
    PORTAL = "portal", _("Portal (网站)")
    TABLET = "tablet", _("Hall tablet (大厅评价器)")


class Level(models.IntegerChoices):
    """Codes as GB/T 39734: 1 is the best, 5 the worst; 4 and 5 are 差评."""

    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    FAIRLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")
    VERY_DISSATISFIED = 5, _("非常不满意")


# The levels that ask for reasons (差评).
BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})

WINDOW_DIMENSIONS = {
    "overall": _("Overall satisfaction (整体满意度)"),
    "efficiency": _("Efficiency (办事效率)"),
    "service": _("Service level (服务水平)"),
    "attitude": _("Attitude (服务态度)"),
}
ONLINE_DIMENSIONS = {
    "overall": _("Overall satisfaction (整体满意度)"),
    "efficiency": _("Efficiency (办事效率)"),
    "guide_accuracy": _("Accuracy of the guide (办事指南准确性)"),
    "convenience": _("Convenience (办事便捷度)"),
    "ease_of_use": _("Ease of use (平台易用性)"),
}


class Rating(AppendOnlyModel):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="ratings", verbose_name=_("case")
    )
    point = models.CharField(_("point"), max_length=16, choices=Point.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=RatingChannel.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    dimensions = models.JSONField(_("dimension scores"), default=dict, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "point"], name="ratings_one_per_case_point"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="ratings_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.point} {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class RatingAddition(AppendOnlyModel):
    """Text a resident adds to a rating later (追加评价); the rating itself never changes."""

    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, related_name="additions", verbose_name=_("rating")
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("addition to a rating")
        verbose_name_plural = _("additions to ratings")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.rating_id}: {self.text[:30]}"
