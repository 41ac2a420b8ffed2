"""The center's workspace (tenant schema): profile, departments, windows, opening hours and
closures, posts with A/B holders, absences, holiday duty, attendance, village service points,
and the workspace's append-only audit log.

Invariants that span rows (overlapping hours, a periodic window's schedule, A ≠ B) are checked
in services.py, which is the only writer."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog_cms.standards.vocab import CenterRule
from cityplatform.history import AppendOnlyModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一 (Monday)")
    TUESDAY = 1, _("星期二 (Tuesday)")
    WEDNESDAY = 2, _("星期三 (Wednesday)")
    THURSDAY = 3, _("星期四 (Thursday)")
    FRIDAY = 4, _("星期五 (Friday)")
    SATURDAY = 5, _("星期六 (Saturday)")
    SUNDAY = 6, _("星期日 (Sunday)")


class CenterProfile(models.Model):
    """One per center schema (enforced by the unique `singleton` column)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name = models.CharField(_("official name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    supervision_phone = models.CharField(_("supervision phone"), max_length=30, blank=True)
    director_name = models.CharField(_("director"), max_length=50, blank=True)
    deputy_name = models.CharField(_("deputy director"), max_length=50, blank=True)
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    rules_kept = ArrayField(
        models.CharField(max_length=20, choices=CenterRule.choices),
        verbose_name=_("rules kept"),
        default=list,
        blank=True,
    )
    photos = models.ManyToManyField(
        "wagtailimages.Image", blank=True, related_name="+", verbose_name=_("photos")
    )
    # 急办件 (seed plan 1): the internal target, as a share of the promised working days
    # (rounded up); the center sets it.
    urgent_target_percent = models.PositiveSmallIntegerField(
        _("急办 target (percentage of the promised days)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("An urgent case's internal target, rounded up to whole working days."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("center profile")
        verbose_name_plural = _("center profile")

    def __str__(self) -> str:
        return self.name


class DepartmentKind(models.TextChoices):
    DEPARTMENT = "department", _("进驻部门 (department)")
    STATION = "station", _("站所 (station)")


class Department(models.Model):
    """A department or station present in the center (进驻部门/站所)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.DEPARTMENT
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("department or station")
        verbose_name_plural = _("departments and stations")

    def __str__(self) -> str:
        return self.name


class WindowKind(models.TextChoices):
    INDEPENDENT = "independent", _("独立常驻窗口 (independent window)")
    COMBINED = "combined", _("综合窗口 (combined window)")
    PERIODIC = "periodic", _("定期服务窗口 (periodic window)")


class Window(models.Model):
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=WindowKind.choices)
    departments = models.ManyToManyField(
        Department, related_name="windows", blank=True, verbose_name=_("departments")
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="windows", blank=True, verbose_name=_("staff")
    )
    # Periodic windows only: the published schedule (months 1-12, weekdays 0=Monday-6).
    schedule_months = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("months"), default=list, blank=True
    )
    schedule_weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=Weekday.choices),
        verbose_name=_("weekdays"),
        default=list,
        blank=True,
    )
    schedule_note = models.CharField(_("schedule note"), max_length=200, blank=True)
    matters = models.ManyToManyField(
        "catalog.LocalMatter", verbose_name=_("matters"), blank=True, related_name="%(class)ss"
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("window")
        verbose_name_plural = _("windows")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class OpeningInterval(models.Model):
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="workspace_interval_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Closure(models.Model):
    """The center's own closure (dates inclusive), on top of the national calendar."""

    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self) -> str:
        return f"{self.start_date}–{self.end_date} {self.reason}"


class Post(models.Model):
    """A post (岗位) with its A holder and its B holder (AB岗)."""

    name = models.CharField(_("name"), max_length=100)
    window = models.ForeignKey(
        Window,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("window"),
    )
    holder_a = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts_as_a",
        verbose_name=_("A holder"),
    )
    holder_b = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts_as_b",
        verbose_name=_("B holder"),
    )

    class Meta:
        ordering = ["window__number", "name"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(holder_a=F("holder_b")), name="workspace_post_a_differs_from_b"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Absence(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("user"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")

    def __str__(self) -> str:
        return f"{self.user} {self.start_date}–{self.end_date}"


class DutyShift(models.Model):
    """One day of the holiday duty roster (节假日值班)."""

    date = models.DateField(_("date"))
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="duty_shifts", verbose_name=_("on duty")
    )
    role_note = models.CharField(_("role"), max_length=100, blank=True)
    # 带班领导: who leads the day's duty, and may confirm a 急办件 in the director's stead.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duty leader (带班领导)"),
    )
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)
    holiday_name = models.CharField(_("holiday"), max_length=60, blank=True)
    working_day_note = models.CharField(
        _("why on a working day"),
        max_length=200,
        blank=True,
        help_text=_("Needed only when the date is a working day in the national calendar."),
    )
    provisional = models.BooleanField(
        _("provisional calendar"),
        default=False,
        help_text=_("The national schedule for this year is not published yet."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday duty")
        verbose_name_plural = _("holiday duty roster")

    def __str__(self) -> str:
        return f"{self.date} {self.holiday_name}"


class Attendance(models.Model):
    """One record per user per day (考勤)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("user"),
    )
    date = models.DateField(_("date"))
    signed_in_at = models.DateTimeField(_("signed in at"))
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "user__username"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="workspace_attendance_once"),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True) | Q(signed_out_at__gt=F("signed_in_at")),
                name="workspace_attendance_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.date}"


class ServicePointKind(models.TextChoices):
    VILLAGE = "village", _("村便民服务站 (village service point)")
    COMMUNITY = "community", _("社区便民服务站 (community service point)")


class ServicePoint(models.Model):
    """A village or community service point (便民服务站/点) of this center."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ServicePointKind.choices, default=ServicePointKind.VILLAGE
    )
    village = models.CharField(_("village or community"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    hours = models.CharField(_("hours"), max_length=200, blank=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="service_points",
        blank=True,
        verbose_name=_("agents"),
    )
    matters = models.ManyToManyField(
        "catalog.LocalMatter", verbose_name=_("matters"), blank=True, related_name="%(class)ss"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")

    def __str__(self) -> str:
        return self.name


class WorkspaceAuditEvent(AppendOnlyModel):
    """Append-only record of every workspace change."""

    actor = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=60)
    object_repr = models.CharField(_("object"), max_length=200)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("workspace audit event")
        verbose_name_plural = _("workspace audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"
