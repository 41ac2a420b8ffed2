"""Every change to the center's workspace: one function per change, keyword-only, which checks
the actor's right and the input, writes, and records a WorkspaceAuditEvent, in one transaction.

`actor` is the acting user, or None for the platform itself (demo seeding, commands). Errors
are `ValidationError({field: [messages]})`; a refused right is `PermissionDenied`."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from catalog_cms.standards import calendar as cal
from catalog_cms.standards.services import center_facts_publish
from centers.catalog.cache import catalog_changed
from tenants.accounts.labels import actor_label
from tenants.accounts.models import Role, User
from tenants.accounts.permissions import Capability, can, has_center_role
from tenants.selectors import current_center

from .models import (
    Absence,
    Attendance,
    CenterProfile,
    CenterRule,
    Closure,
    Department,
    DepartmentKind,
    DutyShift,
    OpeningInterval,
    Post,
    ServicePoint,
    ServicePointKind,
    Window,
    WindowKind,
    WorkspaceAuditEvent,
)

NAME_SUFFIXES = ("政务服务中心", "便民服务中心")


# --- helpers ----------------------------------------------------------------------------------


def _require_manager(actor) -> None:
    if actor is not None and not can(actor, Capability.MANAGE_CENTER_WORKSPACE):
        raise PermissionDenied(_("Only the center director may change the center's workspace."))


def _audit(actor, action: str, obj, detail: dict | None = None) -> None:
    WorkspaceAuditEvent.objects.create(
        actor=actor_label(actor), action=action, object_repr=str(obj)[:200], detail=detail or {}
    )


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _delete(actor, obj, action: str, detail: dict | None = None, *, facts: bool = False) -> None:
    """Delete one workspace object: director only, audited, in one transaction; `facts` when
    the city's compliance figures depend on it."""
    _require_manager(actor)
    with transaction.atomic():
        _audit(actor, action, obj, detail)
        obj.delete()
        if facts:
            _after_change()


def _unique_name(model, name: str, instance, taken: str, errors: dict) -> str:
    """The stripped name, with an error when it is empty or another `model` row has it."""
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("The name is required.")]
    elif model.objects.filter(name=name).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["name"] = [taken % {"name": name}]
    return name


def _center_users(users: Iterable, field: str, errors: dict, role: str | None = None) -> list:
    """Users must be active center staff of this schema (optionally of one role)."""
    users = list(users)
    for user in users:
        if not isinstance(user, User) or not has_center_role(user) or not user.is_active:
            errors.setdefault(field, []).append(
                _("%(user)s is not active staff of this center.") % {"user": user}
            )
        elif role and user.role != role:
            errors.setdefault(field, []).append(
                _("%(user)s is not a %(role)s.") % {"user": user, "role": Role(role).label}
            )
    return users


def _date_range(start, end, errors: dict) -> None:
    if start and end and end < start:
        errors.setdefault("end_date", []).append(_("The end date is before the start date."))


def _current_center():
    return current_center()


# --- facts published to the city ---------------------------------------------------------------


def _publish_facts(center) -> dict:
    """Publish the figures the city's compliance view compares with its standards, and what
    the city's directory shows: contacts, the week's hours and the closures not yet over
    (the city computes open-now from them)."""
    from .selectors import weekly_open_hours

    profile = CenterProfile.objects.first()
    today = timezone.localdate()
    facts = {
        "center": center,
        "floor_area_m2": profile.floor_area_m2 if profile else None,
        "weekly_open_hours": weekly_open_hours(),
        "rules_kept": sorted(profile.rules_kept) if profile else [],
        "windows_count": Window.objects.count(),
        "address": profile.address if profile else "",
        "phone": profile.phone if profile else "",
        "supervision_phone": profile.supervision_phone if profile else "",
        "opening_intervals": list(
            OpeningInterval.objects.order_by("weekday", "start").values_list(
                "weekday", "start", "end"
            )
        ),
        "closures": list(
            Closure.objects.filter(end_date__gte=today).values_list("start_date", "end_date")
        ),
    }
    center_facts_publish(**facts)
    return facts


def _after_change() -> dict:
    """Called inside the writing transaction, so the city's copy of the facts changes with
    the workspace or not at all."""
    return _publish_facts(_current_center())


def facts_publish() -> dict:
    """Publish the current center's facts again as they stand: for centers whose facts
    predate a newly published field (`manage.py publish_center_facts`, the demo seed)."""
    with transaction.atomic():
        return _after_change()


def facts_publish_for(center, hostname: str = "") -> dict:
    """`facts_publish` in `center`'s schema (a restore's step: tenants.provisioning)."""
    with schema_context(center.schema_name):
        return facts_publish()


# --- profile ----------------------------------------------------------------------------------


def profile_update(
    *,
    actor,
    name: str,
    address: str = "",
    phone: str = "",
    supervision_phone: str = "",
    director_name: str = "",
    deputy_name: str = "",
    floor_area_m2: Decimal | float | int | None = None,
    rules_kept: Sequence[str] = (),
    photos: Sequence | None = None,
    urgent_target_percent: int | None = None,
) -> CenterProfile:
    """Create or update the center's one profile. `urgent_target_percent` (1-100, None keeps
    it) is the 急办 internal target as a share of the promised days (seed plan 1 六办件)."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("The official name is required.")]
    elif not name.endswith(NAME_SUFFIXES):
        errors["name"] = [
            _(
                "The official name must end in 政务服务中心 or 便民服务中心 "
                "(e.g. 清水台镇政务服务中心)."
            )
        ]
    if floor_area_m2 is not None:
        floor_area_m2 = Decimal(str(floor_area_m2))
        if floor_area_m2 <= 0:
            errors["floor_area_m2"] = [_("The floor area must be greater than 0 m².")]
    unknown = [rule for rule in rules_kept if rule not in CenterRule.values]
    if unknown:
        errors["rules_kept"] = [_("Unknown rules: %(rules)s.") % {"rules": ", ".join(unknown)}]
    if urgent_target_percent is not None and not 1 <= int(urgent_target_percent) <= 100:
        errors["urgent_target_percent"] = [_("Give a share from 1 to 100 per cent.")]
    _raise(errors)
    with transaction.atomic():
        profile = CenterProfile.objects.select_for_update().first() or CenterProfile()
        profile.name = name
        profile.address = address
        profile.phone = phone
        profile.supervision_phone = supervision_phone
        profile.director_name = director_name
        profile.deputy_name = deputy_name
        profile.floor_area_m2 = floor_area_m2
        profile.rules_kept = sorted(set(rules_kept))
        if urgent_target_percent is not None:
            profile.urgent_target_percent = int(urgent_target_percent)
        profile.save()
        if photos is not None:
            profile.photos.set(photos)
        _audit(
            actor,
            "profile_update",
            profile,
            {"floor_area_m2": str(floor_area_m2), "rules_kept": profile.rules_kept},
        )
        _after_change()
    return profile


# --- departments ------------------------------------------------------------------------------


def department_save(
    *,
    actor,
    name: str,
    kind: str = DepartmentKind.DEPARTMENT,
    order: int = 0,
    department: Department | None = None,
) -> Department:
    """Create a department (department=None) or update one."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    name = _unique_name(
        Department, name, department, _("A department named %(name)s exists already."), errors
    )
    if kind not in DepartmentKind.values:
        errors["kind"] = [_("Unknown kind %(kind)s.") % {"kind": kind}]
    _raise(errors)
    with transaction.atomic():
        department = department or Department()
        department.name, department.kind, department.order = name, kind, order
        department.save()
        _audit(actor, "department_save", department)
    return department


def department_delete(*, actor, department: Department) -> None:
    _delete(actor, department, "department_delete")


# --- windows ----------------------------------------------------------------------------------


def _window_schedule_errors(kind, months, weekdays) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind == WindowKind.PERIODIC:
        if not months:
            errors["schedule_months"] = [
                _("A periodic window needs its published months (e.g. March to May).")
            ]
        if not weekdays:
            errors["schedule_weekdays"] = [
                _("A periodic window needs its published weekdays (e.g. Tuesdays).")
            ]
    elif months or weekdays:
        field = "schedule_months" if months else "schedule_weekdays"
        errors[field] = [_("Only a periodic window has a published schedule.")]
    bad_months = [m for m in months if not (isinstance(m, int) and 1 <= m <= 12)]
    if bad_months:
        errors.setdefault("schedule_months", []).append(
            _("Months are numbers from 1 to 12; not %(values)s.")
            % {"values": ", ".join(map(str, bad_months))}
        )
    elif len(set(months)) != len(months):
        errors.setdefault("schedule_months", []).append(_("A month is listed twice."))
    bad_days = [d for d in weekdays if not (isinstance(d, int) and 0 <= d <= 6)]
    if bad_days:
        errors.setdefault("schedule_weekdays", []).append(
            _("Weekdays are numbers from 0 (Monday) to 6 (Sunday); not %(values)s.")
            % {"values": ", ".join(map(str, bad_days))}
        )
    elif len(set(weekdays)) != len(weekdays):
        errors.setdefault("schedule_weekdays", []).append(_("A weekday is listed twice."))
    return errors


def _adopted_matters(matters: Sequence, errors: dict) -> None:
    """A window or service point serves only matters in this center's own catalog."""
    from centers.catalog.models import LocalMatter

    wanted = {getattr(m, "pk", None) for m in matters}
    found = set(LocalMatter.objects.filter(pk__in=wanted - {None}).values_list("pk", flat=True))
    if wanted - found:
        errors["matters"] = [_("Only matters this center has adopted can be served here.")]


def window_save(
    *,
    actor,
    number: int,
    name: str,
    kind: str,
    departments: Sequence[Department] = (),
    staff: Sequence[User] = (),
    schedule_months: Sequence[int] = (),
    schedule_weekdays: Sequence[int] = (),
    schedule_note: str = "",
    matters: Sequence = (),
    window: Window | None = None,
) -> Window:
    """Create a window (window=None) or replace one's fields. A periodic window needs its
    published months and weekdays; the other kinds have none."""
    _require_manager(actor)
    months, weekdays = list(schedule_months or []), list(schedule_weekdays or [])
    errors: dict[str, list[str]] = {}
    if kind not in WindowKind.values:
        errors["kind"] = [_("Unknown window kind %(kind)s.") % {"kind": kind}]
    if not (name or "").strip():
        errors["name"] = [_("The name is required.")]
    if number is None or number < 1:
        errors["number"] = [_("The window number must be 1 or more.")]
    elif Window.objects.filter(number=number).exclude(pk=getattr(window, "pk", None)).exists():
        errors["number"] = [_("Window %(number)s exists already.") % {"number": number}]
    errors.update(_window_schedule_errors(kind, months, weekdays))
    if kind == WindowKind.INDEPENDENT and len(departments) > 1:
        errors["departments"] = [_("An independent window serves one department.")]
    _center_users(staff, "staff", errors)
    _adopted_matters(matters, errors)
    _raise(errors)
    with transaction.atomic():
        window = window or Window()
        window.number, window.name, window.kind = number, name.strip(), kind
        window.schedule_months, window.schedule_weekdays = sorted(months), sorted(weekdays)
        window.schedule_note = schedule_note
        window.save()
        window.departments.set(departments)
        window.staff.set(staff)
        window.matters.set(matters)
        _audit(
            actor,
            "window_save",
            window,
            {"kind": kind, "months": window.schedule_months, "weekdays": window.schedule_weekdays},
        )
        _after_change()
        catalog_changed()
    return window


def window_matters_set(*, actor, window: Window, matters: Sequence) -> Window:
    """Say which of the center's adopted matters a window serves."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    _adopted_matters(matters, errors)
    _raise(errors)
    with transaction.atomic():
        window.matters.set(matters)
        _audit(actor, "window_matters_set", window, {"matters": [m.code for m in matters]})
        catalog_changed()
    return window


def window_delete(*, actor, window: Window) -> None:
    _delete(actor, window, "window_delete", facts=True)
    catalog_changed()  # the guides name the windows


# --- opening hours and closures -------------------------------------------------------------


def opening_hours_set(
    *, actor, intervals: Sequence[tuple[int, datetime.time, datetime.time]]
) -> list[OpeningInterval]:
    """Replace the whole week's opening hours with `intervals` (weekday, start, end); several
    intervals per day are fine, overlapping ones are refused."""
    _require_manager(actor)
    errors: list[str] = []
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for weekday, start, end in intervals:
        if weekday not in range(7):
            errors.append(_("Weekday %(day)s is not 0 (Monday) to 6 (Sunday).") % {"day": weekday})
            continue
        if start >= end:
            errors.append(
                _("%(start)s–%(end)s: the end is not after the start.")
                % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )
            continue
        by_day.setdefault(weekday, []).append((start, end))
    from .models import Weekday

    for weekday, spans in by_day.items():
        spans.sort()
        for (s1, e1), (s2, e2) in itertools.pairwise(spans):
            if s2 < e1:
                errors.append(
                    _("%(day)s: %(a)s overlaps %(b)s.")
                    % {
                        "day": Weekday(weekday).label,
                        "a": f"{s1:%H:%M}–{e1:%H:%M}",
                        "b": f"{s2:%H:%M}–{e2:%H:%M}",
                    }
                )
    if errors:
        raise ValidationError({"intervals": errors})
    with transaction.atomic():
        OpeningInterval.objects.all().delete()
        rows = OpeningInterval.objects.bulk_create(
            [
                OpeningInterval(weekday=weekday, start=start, end=end)
                for weekday, spans in sorted(by_day.items())
                for start, end in spans
            ]
        )
        _audit(
            actor,
            "opening_hours_set",
            _("opening hours"),
            {"intervals": [[r.weekday, f"{r.start:%H:%M}", f"{r.end:%H:%M}"] for r in rows]},
        )
        _after_change()
    return rows


def closure_create(
    *, actor, start_date: datetime.date, end_date: datetime.date, reason: str
) -> Closure:
    return closure_save(actor=actor, start_date=start_date, end_date=end_date, reason=reason)


def closure_save(
    *,
    actor,
    start_date: datetime.date,
    end_date: datetime.date,
    reason: str,
    closure: Closure | None = None,
) -> Closure:
    """Add a closure (closure=None) or change one."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if start_date is None:
        errors["start_date"] = [_("The start date is required.")]
    if end_date is None:
        errors["end_date"] = [_("The end date is required.")]
    _date_range(start_date, end_date, errors)
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the closure.")]
    _raise(errors)
    with transaction.atomic():
        closure = closure or Closure()
        closure.start_date, closure.end_date = start_date, end_date
        closure.reason = reason.strip()
        closure.save()
        _audit(actor, "closure_save", closure)
        _after_change()
    return closure


def closure_delete(*, actor, closure: Closure) -> None:
    _delete(actor, closure, "closure_delete", facts=True)


# --- posts and absences -----------------------------------------------------------------------


def post_save(
    *,
    actor,
    name: str,
    holder_a: User,
    holder_b: User,
    window: Window | None = None,
    post: Post | None = None,
) -> Post:
    """Create a post (post=None) or update one. A and B are two different staff members."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("The name is required.")]
    _center_users([holder_a], "holder_a", errors)
    _center_users([holder_b], "holder_b", errors)
    if holder_a is not None and holder_b is not None and holder_a.pk == holder_b.pk:
        errors.setdefault("holder_b", []).append(
            _("The B holder must be someone other than the A holder (AB岗).")
        )
    _raise(errors)
    with transaction.atomic():
        post = post or Post()
        post.name, post.window, post.holder_a, post.holder_b = (
            name.strip(),
            window,
            holder_a,
            holder_b,
        )
        post.save()
        _audit(actor, "post_save", post, {"a": holder_a.username, "b": holder_b.username})
    return post


def post_delete(*, actor, post: Post) -> None:
    detail = {"a": post.holder_a.username, "b": post.holder_b.username}
    _delete(actor, post, "post_delete", detail)


def absence_create(
    *, actor, user: User, start_date: datetime.date, end_date: datetime.date, reason: str
) -> Absence:
    return absence_save(
        actor=actor, user=user, start_date=start_date, end_date=end_date, reason=reason
    )


def absence_save(
    *,
    actor,
    user: User,
    start_date: datetime.date,
    end_date: datetime.date,
    reason: str,
    absence: Absence | None = None,
) -> Absence:
    """Record an absence (absence=None) or correct one."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    _center_users([user], "user", errors)
    if start_date is None:
        errors["start_date"] = [_("The start date is required.")]
    if end_date is None:
        errors["end_date"] = [_("The end date is required.")]
    _date_range(start_date, end_date, errors)
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the absence.")]
    _raise(errors)
    with transaction.atomic():
        absence = absence or Absence()
        absence.user, absence.start_date, absence.end_date = user, start_date, end_date
        absence.reason = reason.strip()
        absence.save()
        _audit(actor, "absence_save", absence, {"reason": absence.reason})
    return absence


def absence_delete(*, actor, absence: Absence) -> None:
    _delete(actor, absence, "absence_delete")


# --- holiday duty -----------------------------------------------------------------------------


def _duty_errors(date, users, working_day_note: str) -> tuple[dict, object]:
    errors: dict[str, list[str]] = {}
    info = cal.day_info(date) if date else None
    if date is None:
        errors["date"] = [_("The date is required.")]
    elif info.working and not (working_day_note or "").strip():
        errors["date"] = [
            _(
                "%(date)s is a working day; the duty roster is for holidays and rest days. "
                "Say why duty is needed on this day."
            )
            % {"date": date.isoformat()}
        ]
    if not users:
        errors["users"] = [_("Name at least one person on duty.")]
    _center_users(users, "users", errors)
    return errors, info


def duty_shift_create(
    *,
    actor,
    date: datetime.date,
    users: Sequence[User],
    role_note: str = "",
    phone: str = "",
    working_day_note: str = "",
    leader: User | None = None,
) -> DutyShift:
    """One day of holiday duty. The day should be a non-working day in the national calendar
    (provisional for a year whose schedule is not published yet — the row says so); a working
    day is accepted only with a note saying why."""
    return duty_shift_save(
        actor=actor,
        date=date,
        users=users,
        role_note=role_note,
        phone=phone,
        working_day_note=working_day_note,
        leader=leader,
    )


def duty_shift_save(
    *,
    actor,
    date: datetime.date,
    users: Sequence[User],
    role_note: str = "",
    phone: str = "",
    working_day_note: str = "",
    shift: DutyShift | None = None,
    leader: User | None = None,
) -> DutyShift:
    """Create a duty day (shift=None) or change one; same rules as duty_shift_create. The
    leader (带班领导), if named, is one of the people on duty: that day they may confirm a
    急办件 in the director's stead (seed plan 1 六办件)."""
    _require_manager(actor)
    users = list(users or [])
    errors, info = _duty_errors(date, users, working_day_note)
    if leader is not None and leader not in users:
        errors["leader"] = [_("The duty leader is one of the people on duty.")]
    _raise(errors)
    with transaction.atomic():
        shift = shift or DutyShift()
        shift.date, shift.role_note, shift.phone = date, role_note, phone
        shift.leader = leader
        shift.working_day_note = (working_day_note or "").strip() if info.working else ""
        shift.holiday_name = info.holiday_name or ""
        shift.provisional = info.provisional
        shift.save()
        shift.users.set(users)
        _audit(
            actor,
            "duty_shift_save",
            shift,
            {"users": [u.username for u in users], "working_day_note": shift.working_day_note},
        )
    return shift


def duty_shift_delete(*, actor, shift: DutyShift) -> None:
    _delete(actor, shift, "duty_shift_delete")


# --- attendance -------------------------------------------------------------------------------


def attendance_sign_in(*, user: User, at: datetime.datetime | None = None) -> Attendance:
    """The user signs in for the day (Asia/Shanghai) of `at`; once a day."""
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    _center_users([user], "user", errors)
    _raise(errors)
    day = timezone.localtime(at).date()
    with transaction.atomic():
        if Attendance.objects.filter(user=user, date=day).exists():
            raise ValidationError(
                {"signed_in_at": [_("You have already signed in on %(date)s.") % {"date": day}]}
            )
        record = Attendance.objects.create(user=user, date=day, signed_in_at=at)
        _audit(user, "attendance_sign_in", record, {"at": at.isoformat()})
    return record


def attendance_sign_out(*, user: User, at: datetime.datetime | None = None) -> Attendance:
    at = at or timezone.now()
    day = timezone.localtime(at).date()
    with transaction.atomic():
        record = Attendance.objects.select_for_update().filter(user=user, date=day).first()
        if record is None:
            raise ValidationError(
                {"signed_out_at": [_("You have not signed in on %(date)s.") % {"date": day}]}
            )
        if at <= record.signed_in_at:
            raise ValidationError(
                {"signed_out_at": [_("The sign-out time must be after the sign-in time.")]}
            )
        record.signed_out_at = at
        record.save(update_fields=["signed_out_at"])
        _audit(user, "attendance_sign_out", record, {"at": at.isoformat()})
    return record


def attendance_record(
    *, actor, user: User, date: datetime.date, signed_in_at, signed_out_at=None
) -> Attendance:
    """The director records or corrects a day's attendance (also used by the demo)."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    _center_users([user], "user", errors)
    if signed_out_at is not None and signed_out_at <= signed_in_at:
        errors["signed_out_at"] = [_("The sign-out time must be after the sign-in time.")]
    if timezone.localtime(signed_in_at).date() != date:
        errors["signed_in_at"] = [_("The sign-in time is not on that date.")]
    _raise(errors)
    with transaction.atomic():
        record, _created = Attendance.objects.update_or_create(
            user=user,
            date=date,
            defaults={"signed_in_at": signed_in_at, "signed_out_at": signed_out_at},
        )
        _audit(actor, "attendance_record", record)
    return record


# --- service points ---------------------------------------------------------------------------


def service_point_save(
    *,
    actor,
    name: str,
    village: str,
    kind: str = ServicePointKind.VILLAGE,
    address: str = "",
    phone: str = "",
    hours: str = "",
    agents: Sequence[User] = (),
    matters: Sequence = (),
    point: ServicePoint | None = None,
) -> ServicePoint:
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    name = _unique_name(
        ServicePoint, name, point, _("A service point named %(name)s exists already."), errors
    )
    if not (village or "").strip():
        errors["village"] = [_("Name the village or community.")]
    if kind not in ServicePointKind.values:
        errors["kind"] = [_("Unknown kind %(kind)s.") % {"kind": kind}]
    _center_users(agents, "agents", errors, role=Role.VILLAGE_AGENT)
    _adopted_matters(matters, errors)
    _raise(errors)
    with transaction.atomic():
        point = point or ServicePoint()
        point.name, point.village, point.kind = name, village.strip(), kind
        point.address, point.phone, point.hours = address, phone, hours
        point.save()
        point.agents.set(agents)
        point.matters.set(matters)
        _audit(actor, "service_point_save", point, {"agents": [a.username for a in agents]})
    return point


def service_point_delete(*, actor, point: ServicePoint) -> None:
    _delete(actor, point, "service_point_delete", {"village": point.village})


# --- profile photos ---------------------------------------------------------------------------

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 4000
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def photo_check(upload) -> tuple[str, int, int]:
    """Check an uploaded photo with Pillow: a real image (JPEG, PNG, GIF or WebP), at most
    5 MB and 4000×4000 pixels. Returns (format, width, height); raises
    ValidationError({"photo": [...]})."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    if upload is None:
        raise ValidationError({"photo": [_("Choose a photo to upload.")]})
    size = getattr(upload, "size", None)
    if size is None or size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [_("The photo must be at most 5 MB.")]})
    try:
        upload.seek(0)
        with PILImage.open(upload) as image:
            fmt, (width, height) = image.format, image.size
            if width > PHOTO_MAX_SIDE or height > PHOTO_MAX_SIDE:
                raise ValidationError(
                    {
                        "photo": [
                            _(
                                "The photo is %(width)s×%(height)s pixels; "
                                "at most 4000×4000 is accepted."
                            )
                            % {"width": width, "height": height}
                        ]
                    }
                )
            image.verify()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        PILImage.DecompressionBombError,
    ):
        raise ValidationError({"photo": [_("The file is not an image.")]}) from None
    finally:
        upload.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise ValidationError({"photo": [_("Upload a JPEG, PNG, GIF or WebP photo.")]})
    return fmt, width, height


def profile_photo_add(*, actor, photo, title: str = ""):
    """Check the photo, store it as a Wagtail image of this center's schema and add it to the
    profile (which must exist)."""
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    _require_manager(actor)
    profile = CenterProfile.objects.first()
    if profile is None:
        raise ValidationError({"photo": [_("Save the center's profile before adding photos.")]})
    fmt, _width, _height = photo_check(photo)
    title = (title or "").strip() or _("Photo of %(center)s") % {"center": profile.name}
    image_model = get_image_model()
    with transaction.atomic():
        image = image_model(title=title[:255], uploaded_by_user=actor)
        image.file = ImageFile(photo, name=f"center-photo.{PHOTO_FORMATS[fmt]}")
        image.file_size = photo.size
        image.save()
        profile.photos.add(image)
        _audit(actor, "profile_photo_add", profile, {"image": image.pk, "title": image.title})
    return image


def profile_photo_remove(*, actor, image) -> None:
    """Take a photo off the profile and delete the image."""
    _require_manager(actor)
    profile = CenterProfile.objects.first()
    if profile is None or not profile.photos.filter(pk=image.pk).exists():
        raise ValidationError({"photos": [_("That photo is not on the profile.")]})
    with transaction.atomic():
        profile.photos.remove(image)
        _audit(actor, "profile_photo_remove", profile, {"image": image.pk, "title": image.title})
        image.delete()
