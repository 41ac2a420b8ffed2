"""电子监察 alerts, in the public schema: one row per (center, case, flag), written by each
center's scan (services.supervision_scan) and read by the center's, the district's and the
city's lists without visiting any center's schema.

A row is a snapshot of what a supervisor needs about the case — receipt number, matter, kind,
status, dates, the owner's and the window's names and the masked applicant name — and never
an ID number or a phone. The unique (center, case, flag) constraint raises each flag once per
case: yellow and red are two flags, so a case that escalates is notified once at each level.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Flag(models.TextChoices):
    YELLOW = "yellow", _("黄牌 (one working day or less left)")
    RED = "red", _("红牌 (past the promised date)")
    INSTANT_LATE = "instant_late", _("即办件 not closed the same day")
    REPEATED_RETURNS = "repeated_returns", _("二次补正 (a second one-time notice)")
    THIRD_VISIT = "third_visit", _("Third visit approved (两次终结 exceeded)")
    # issue 15, deadlines (行政许可法 art. 82): a closure of the center inside the term of a
    # case whose clock runs. A risk to watch, never a notice: the date itself does not move.
    CLOSURE_IN_TERM = "closure_in_term", _("Center closure inside the case's term (risk)")
    # 行政许可法 art. 44; seed plan 1 六办件 (急办件).
    CERTIFICATE_LATE = "certificate_late", _("证照 not issued within 10 working days (art. 44)")
    URGENT_LATE = "urgent_late", _("急办件 past the center's internal target")
    # issue 15, fees part: an objection (异议) not answered by its date (seed plan 1, 退回件).
    OBJECTION_LATE = "objection_late", _("异议 not answered in writing by its date")
    # Issue 15 (联办件, seed plan 1: 不得相互推诿): a department past its own due date.
    JOINT_TASK_LATE = "joint_task_late", _("联办 department late (推诿)")
    # Issue 15, part 4 (容缺, visits counted from the steps).
    VISITS_OVER_PROMISE = "visits_over_promise", _("More visits than the matter's 到现场次数")
    TOLERANCE_DUE_SOON = "tolerance_soon", _("容缺 material due within one working day")
    TOLERANCE_OVERDUE = "tolerance_overdue", _("容缺 material past its promised date")


class Alert(models.Model):
    center = models.ForeignKey(
        "tenants.Center", on_delete=models.CASCADE, related_name="+", verbose_name=_("center")
    )
    # The district the center belongs to (itself for a district center), for the district's
    # list and filter without a join.
    district = models.ForeignKey(
        "tenants.Center",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("district"),
    )
    case_id = models.BigIntegerField(_("case id (in the center's schema)"))
    flag = models.CharField(_("flag"), max_length=20, choices=Flag.choices)

    receipt_number = models.CharField(_("receipt number"), max_length=32)
    matter_name = models.CharField(_("matter name"), max_length=200)
    case_kind = models.CharField(_("case kind"), max_length=16)
    case_status = models.CharField(_("case status"), max_length=20)
    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    due_date = models.DateField(_("promised date"), null=True, blank=True)
    owner_username = models.CharField(_("owner's user name"), max_length=150, blank=True)
    owner_name = models.CharField(_("case owner"), max_length=150, blank=True)
    window_name = models.CharField(_("window"), max_length=100, blank=True)
    applicant_masked = models.CharField(_("applicant (masked)"), max_length=100, blank=True)
    # What the flag names beyond the case (joint_task_late: the late departments).
    detail = models.CharField(_("detail"), max_length=300, blank=True, default="")

    raised_at = models.DateTimeField(_("raised at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("supervision alert")
        verbose_name_plural = _("supervision alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "case_id", "flag"], name="supervision_alert_once"
            )
        ]
        # Lists are newest first by id (keyset), narrowed by center or district and flag;
        # the open alerts, which the counts read, have partial indexes of their own.
        indexes = [
            models.Index(fields=["center", "flag", "-id"], name="supervision_center_flag_idx"),
            models.Index(fields=["district", "flag", "-id"], name="supervision_district_idx"),
            models.Index(
                fields=["center", "flag"],
                name="supervision_open_idx",
                condition=Q(cleared_at__isnull=True),
            ),
            models.Index(
                fields=["-id"], name="supervision_open_id_idx", condition=Q(cleared_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.flag}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class AlertNotice(models.Model):
    """An in-admin notice of one new alert to one staff user of the center (the case owner or
    a director), who is named by schema and user name: staff users live in their center's
    schema, so no foreign key can reach them from here."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notices")
    schema_name = models.CharField(_("schema"), max_length=63)
    username = models.CharField(_("user name"), max_length=150)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "schema_name", "username"], name="supervision_notice_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["schema_name", "username", "-id"],
                name="supervision_unread_idx",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.schema_name} {self.alert_id}"
