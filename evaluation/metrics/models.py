"""Daily figures of each center (运行指标), published into the public schema by
services.snapshot_compute; city and district views read only this table."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CenterDailySnapshot(models.Model):
    """One row per center and day, written only by services.snapshot_compute."""

    center = models.ForeignKey(
        "tenants.Center",
        on_delete=models.CASCADE,
        related_name="daily_snapshots",
        verbose_name=_("center"),
    )
    # center.parent; a district's own row points at itself.
    district = models.ForeignKey(
        "tenants.Center",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    day = models.DateField(_("day"))

    received = models.PositiveIntegerField(_("cases received"), default=0)
    accepted = models.PositiveIntegerField(_("cases accepted"), default=0)
    closed = models.PositiveIntegerField(_("cases closed"), default=0)
    closed_on_time = models.PositiveIntegerField(_("closed on time"), default=0)
    closed_late = models.PositiveIntegerField(_("closed late"), default=0)
    closed_one_visit = models.PositiveIntegerField(_("closed in one visit (一次办结)"), default=0)
    handling_working_days = models.PositiveIntegerField(
        _("handling working days (sum over cases closed)"), default=0
    )
    open_cases = models.PositiveIntegerField(_("open cases at the end of the day"), default=0)
    overdue_open = models.PositiveIntegerField(
        _("overdue open cases at the end of the day"), default=0
    )

    ratings_1 = models.PositiveIntegerField(_("ratings 非常满意"), default=0)
    ratings_2 = models.PositiveIntegerField(_("ratings 满意"), default=0)
    ratings_3 = models.PositiveIntegerField(_("ratings 基本满意"), default=0)
    ratings_4 = models.PositiveIntegerField(_("ratings 不满意"), default=0)
    ratings_5 = models.PositiveIntegerField(_("ratings 非常不满意"), default=0)
    ratings_proactive = models.PositiveIntegerField(_("主动评价 ratings"), default=0)
    ratings_proactive_good = models.PositiveIntegerField(_("主动评价 good ratings"), default=0)
    closed_unrated = models.PositiveIntegerField(_("closed cases not rated (未评价)"), default=0)

    complaints_received = models.PositiveIntegerField(_("complaints received"), default=0)
    complaints_answered = models.PositiveIntegerField(_("complaints answered"), default=0)
    complaints_answered_in_time = models.PositiveIntegerField(
        _("complaints answered in time"), default=0
    )

    windows = models.PositiveSmallIntegerField(_("windows"), default=0)
    staff = models.PositiveSmallIntegerField(_("staff"), default=0)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=1, default=0
    )
    weekly_open_hours = models.DecimalField(
        _("weekly open hours"), max_digits=5, decimal_places=1, default=0
    )

    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("daily snapshot of a center")
        verbose_name_plural = _("daily snapshots of centers")
        ordering = ["day", "center"]
        constraints = [
            models.UniqueConstraint(fields=["center", "day"], name="metrics_one_per_center_day"),
        ]
        indexes = [
            models.Index(fields=["day", "center"], name="metrics_day_center_idx"),
            models.Index(fields=["district", "day"], name="metrics_district_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {self.day}"
