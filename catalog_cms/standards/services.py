"""Every change to the city's standards, brand and matter templates: each function checks,
writes and audits in one transaction. Public-schema models are written only from here."""

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import chinese_calendar
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from tenants.accounts.permissions import Capability, can, on_center_domain

from . import calendar
from .models import (
    Brand,
    CenterFacts,
    CenterStandard,
    DistrictCatalogEntry,
    LifeEvent,
    MatterCategory,
    MatterMaterial,
    MatterQuestion,
    MatterTemplate,
    OfficialScheduleDay,
    OfficialScheduleYear,
    StandardsAuditEvent,
)
from .tabular import RowError, parse_catalog_file, time_limit_text
from .vocab import CenterRule


def actor_name(actor) -> str:
    if actor is None:
        return ""
    return getattr(actor, "username", None) or str(actor)


def _is_user(actor) -> bool:
    return hasattr(actor, "is_authenticated")


def require(actor, capability, target=None) -> None:
    """People need the capability; a plain string actor is the system (commands, demo)."""
    if _is_user(actor) and not can(actor, capability, target):
        raise PermissionDenied(_("You may not do this."))


def _audit(action: str, actor, object_repr: str = "", **detail) -> None:
    StandardsAuditEvent.objects.create(
        action=action, actor=actor_name(actor), object_repr=object_repr[:255], detail=detail
    )


# ---------------------------------------------------------------- brand


def brand_update(*, actor, **fields) -> Brand:
    """Change the city brand; the cached copy is dropped on save (Brand.save)."""
    require(actor, Capability.EDIT_CITY_STANDARDS)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        brand = Brand.load()
        unknown = set(fields) - {f.name for f in Brand._meta.concrete_fields}
        if unknown:
            raise ValidationError({name: [_("Unknown field.")] for name in unknown})
        for name, value in fields.items():
            setattr(brand, name, value)
        brand.full_clean()
        brand.save()
        _audit("brand_update", actor, str(brand), fields=sorted(fields))
    return brand


# ---------------------------------------------------------------- center facts

# The version of the published facts: readers that cache what they build from CenterFacts (the
# city's directory, portal.city) key it by this; a publish drops it once committed.
CENTER_FACTS_VERSION_KEY = "center-facts:version"


def _center_facts_changed() -> None:
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        cache.delete(CENTER_FACTS_VERSION_KEY)


def _facts_intervals(intervals, errors: dict) -> list:
    """(weekday, start, end) with times → [[weekday, "HH:MM", "HH:MM"], …], sorted."""
    rows = []
    for weekday, start, end in intervals:
        if weekday not in range(7) or not start < end:
            errors.setdefault("opening_intervals", []).append(
                _("%(day)s %(start)s–%(end)s is not an opening interval.")
                % {"day": weekday, "start": start, "end": end}
            )
            continue
        rows.append([weekday, f"{start:%H:%M}", f"{end:%H:%M}"])
    return sorted(rows)


def _facts_closures(closures, errors: dict) -> list:
    """(start, end) dates → [["YYYY-MM-DD", "YYYY-MM-DD"], …], sorted."""
    rows = []
    for start, end in closures:
        if end < start:
            errors.setdefault("closures", []).append(
                _("%(start)s–%(end)s: the end is before the start.") % {"start": start, "end": end}
            )
            continue
        rows.append([start.isoformat(), end.isoformat()])
    return sorted(rows)


def center_facts_publish(
    *,
    center,
    floor_area_m2: Decimal | float | int | None,
    weekly_open_hours: Decimal | float | int | None,
    rules_kept: Iterable[str],
    windows_count: int,
    address: str = "",
    phone: str = "",
    supervision_phone: str = "",
    opening_intervals: Iterable[tuple[int, datetime.time, datetime.time]] = (),
    closures: Iterable[tuple[datetime.date, datetime.date]] = (),
) -> CenterFacts:
    """A center's workspace publishes what the city's compliance view compares with the
    standards and what the city's directory shows (contacts, the week's opening intervals,
    the closures not yet over, from which the city computes open-now). Called from inside
    the center's schema; writes the public table."""
    rules = sorted(set(rules_kept))
    unknown = set(rules) - set(CenterRule.values)
    errors = {}
    if unknown:
        errors["rules_kept"] = [_("Unknown rules: %(rules)s") % {"rules": ", ".join(unknown)}]
    if floor_area_m2 is not None and Decimal(str(floor_area_m2)) < 0:
        errors["floor_area_m2"] = [_("The floor area cannot be negative.")]
    if weekly_open_hours is not None and not 0 <= Decimal(str(weekly_open_hours)) <= 168:
        errors["weekly_open_hours"] = [_("Weekly opening hours must be between 0 and 168.")]
    if windows_count < 0:
        errors["windows_count"] = [_("The number of windows cannot be negative.")]
    interval_rows = _facts_intervals(opening_intervals, errors)
    closure_rows = _facts_closures(closures, errors)
    if errors:
        raise ValidationError(errors)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        facts, _created = CenterFacts.objects.update_or_create(
            center_id=center.pk,
            defaults={
                "floor_area_m2": None
                if floor_area_m2 is None
                else Decimal(str(floor_area_m2)).quantize(Decimal("0.1")),
                "weekly_open_hours": None
                if weekly_open_hours is None
                else Decimal(str(weekly_open_hours)).quantize(Decimal("0.1")),
                "rules_kept": rules,
                "windows_count": windows_count,
                "address": address[:200],
                "phone": phone[:30],
                "supervision_phone": supervision_phone[:30],
                "opening_intervals": interval_rows,
                "closures": closure_rows,
            },
        )
    transaction.on_commit(_center_facts_changed)
    return facts


# ---------------------------------------------------------------- matter templates


def matter_template_publish(*, template: MatterTemplate, actor) -> MatterTemplate:
    """Publish the template's current content as a new revision: every element and at least
    one material must be filled. Revisions, workflow states and log entries are the city's,
    so this always runs in the public schema, whichever schema the caller is in."""
    require(actor, Capability.EDIT_CITY_STANDARDS)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        errors = template.publication_errors()
        try:
            template.full_clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, messages)
        if errors:
            raise ValidationError(errors)
        user = actor if _is_user(actor) else None
        if not template.pk:
            template.save()
        revision = template.save_revision(user=user, clean=False, log_action=True)
        revision.publish(user=user, skip_permission_checks=True)
        template.refresh_from_db()
        _audit("template_publish", actor, str(template), revision=revision.pk)
    return template


def matter_template_unpublish(*, template: MatterTemplate, actor) -> MatterTemplate:
    require(actor, Capability.EDIT_CITY_STANDARDS)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        template.unpublish(user=actor if _is_user(actor) else None)
        _audit("template_unpublish", actor, str(template))
    return template


# The optional file columns that set a template field as they are.
OPTIONAL_SIMPLE = (
    "matter_type", "departments", "visits", "handling_form", "extension_max_days",
    "issues_certificate", "competent_authority",
)  # fmt: skip


def _apply_row(template: MatterTemplate, row: dict, categories, life_events) -> None:
    for name in (
        "name", "authority_level", "mode", "handling_body", "legal_basis", "conditions",
        "procedure", "result", "fee_basis", "fee_standard", "supervision", "online",
    ):  # fmt: skip
        setattr(template, name, row[name])
    days_changed = (template.legal_days, template.promised_days) != (
        row["legal_days"],
        row["promised_days"],
    )
    template.legal_days, template.promised_days = row["legal_days"], row["promised_days"]
    if days_changed or not template.time_limit_text:
        template.time_limit_text = time_limit_text(
            row["mode"], row["legal_days"], row["promised_days"]
        )
    template.category = categories[row["category_name"]]
    for name in OPTIONAL_SIMPLE:
        if name in row:
            setattr(template, name, row[name])
    notes = {m.name: (m.note, m.sample_id) for m in template.materials.all()} if template.pk else {}
    # sort_order keeps the file's order, so the same file read back compares equal.
    template.materials = [
        MatterMaterial(
            sort_order=index,
            name=m["name"],
            originals=m["originals"],
            copies=m["copies"],
            required=m["required"],
            tolerance=bool(m.get("tolerance")),
            note=notes.get(m["name"], ("", None))[0],
            sample_id=notes.get(m["name"], ("", None))[1],
        )
        for index, m in enumerate(row["materials"])
    ]
    if "questions" in row:
        template.questions = [
            MatterQuestion(sort_order=index, question=q["question"], answer=q["answer"])
            for index, q in enumerate(row["questions"])
        ]
    template.life_events = [life_events[name] for name in row["life_events"]]


def row_differs(current: dict, row: dict) -> bool:
    """Whether applying a file row would change a matter (the keys a file carries only)."""
    simple = (
        "name", "category_name", "authority_level", "mode", "handling_body", "legal_basis",
        "conditions", "procedure", "result", "fee_basis", "fee_standard", "supervision",
        "legal_days", "promised_days", "online",
    )  # fmt: skip
    if any(current[name] != row[name] for name in simple):
        return True
    if sorted(current["life_events"]) != sorted(row["life_events"]):
        return True
    strip = [
        {k: m[k] for k in ("name", "originals", "copies", "required", "tolerance") if k in m}
        for m in current["materials"]
    ]
    if strip != row["materials"]:
        return True
    return any(
        name in row and current.get(name) != row[name] for name in (*OPTIONAL_SIMPLE, "questions")
    )


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error.as_dict() for error in self.errors],
        }


def import_errors(errors: list[RowError]) -> ValidationError:
    return ValidationError({"file": [str(error) for error in errors]})


def _locked_against(template: MatterTemplate, actor) -> bool:
    """Locked by someone else: a person other than the actor, or anyone for the system."""
    if not template.locked:
        return False
    return not _is_user(actor) or template.locked_by_id != actor.pk


def matter_templates_preview(
    *, content: bytes, filename: str, actor=None
) -> tuple[list[dict], ImportSummary]:
    """Parse and check a file of city templates, and say what applying it would do. A template
    the file would change that is locked by another user is an error on its row."""
    from .selectors import matter_data

    parsed = parse_catalog_file(content, filename)
    summary = ImportSummary(errors=parsed.errors)
    if parsed.errors:
        return parsed.rows, summary
    existing = {
        t.code: t
        for t in MatterTemplate.objects.filter(code__in=[r["code"] for r in parsed.rows])
        .select_related("category", "locked_by")
        .prefetch_related("materials", "questions", "life_events")
    }
    for row in parsed.rows:
        template = existing.get(row["code"])
        if template is None:
            summary.created.append(row["code"])
        elif not template.live or row_differs(matter_data(template), row):
            if _locked_against(template, actor):
                locker = template.locked_by.get_username() if template.locked_by else "?"
                summary.errors.append(
                    RowError(
                        row["_row"],
                        "事项编码",
                        _("%(code)s is locked by %(user)s; it cannot be overwritten until "
                          "they unlock it.") % {"code": row["code"], "user": locker},
                    )
                )  # fmt: skip
            summary.updated.append(row["code"])
        else:
            summary.unchanged.append(row["code"])
    return parsed.rows, summary


def matter_templates_import(
    *,
    content: bytes,
    filename: str,
    actor,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Load a file of city templates, keyed by code, and publish each new or changed one as a
    new revision. Nothing is saved unless the whole file is valid; the same file twice
    changes nothing."""
    require(actor, Capability.EDIT_CITY_STANDARDS)
    rows, summary = matter_templates_preview(content=content, filename=filename, actor=actor)
    if summary.errors:
        raise import_errors(summary.errors)
    categories = {c.name: c for c in MatterCategory.objects.all()}
    life_events = {e.name: e for e in LifeEvent.objects.all()}
    todo = set(summary.created) | set(summary.updated)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        for number, row in enumerate(rows, start=1):
            if row["code"] in todo:
                template = MatterTemplate.objects.filter(code=row["code"]).first()
                template = template or MatterTemplate(code=row["code"])
                _apply_row(template, row, categories, life_events)
                try:
                    matter_template_publish(template=template, actor=actor)
                except ValidationError as exc:
                    errors = [
                        RowError(row["_row"], "", f"{name}: {'; '.join(messages)}")
                        for name, messages in exc.message_dict.items()
                    ]
                    raise import_errors(errors) from None
            if progress:
                progress(number, len(rows))
        _audit(
            "templates_import",
            actor,
            filename,
            created=len(summary.created),
            updated=len(summary.updated),
        )
    return summary


# ---------------------------------------------------------------- the city's lists


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def center_standard_update(
    *,
    standard: CenterStandard,
    actor,
    min_floor_area_m2: Decimal | float | int | str,
    min_weekly_open_hours: Decimal | float | int | str,
    required_rules: Iterable[str],
) -> CenterStandard:
    """Change what the city requires of centers of one kind: a floor area above 0 m², weekly
    opening hours between 0 and 168, rules from the official list."""
    require(actor, Capability.EDIT_CITY_STANDARDS)
    errors: dict[str, list] = {}
    area = _decimal(min_floor_area_m2)
    if area is None or area <= 0:
        errors["min_floor_area_m2"] = [_("The minimum floor area must be more than 0 m².")]
    elif area >= Decimal("10000000"):
        errors["min_floor_area_m2"] = [_("The minimum floor area is too large.")]
    hours = _decimal(min_weekly_open_hours)
    if hours is None or not 0 <= hours <= 168:
        errors["min_weekly_open_hours"] = [
            _("The minimum weekly opening hours must be between 0 and 168.")
        ]
    rules = sorted(set(required_rules))
    unknown = set(rules) - set(CenterRule.values)
    if unknown:
        errors["required_rules"] = [
            _("Unknown rules: %(rules)s") % {"rules": ", ".join(sorted(unknown))}
        ]
    if errors:
        raise ValidationError(errors)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        standard = CenterStandard.objects.select_for_update().get(pk=standard.pk)
        before = {
            "min_floor_area_m2": str(standard.min_floor_area_m2),
            "min_weekly_open_hours": str(standard.min_weekly_open_hours),
            "required_rules": list(standard.required_rules or []),
        }
        standard.min_floor_area_m2 = area.quantize(Decimal("0.1"))
        standard.min_weekly_open_hours = hours.quantize(Decimal("0.1"))
        standard.required_rules = rules
        standard.full_clean()
        standard.save()
        after = {
            "min_floor_area_m2": str(standard.min_floor_area_m2),
            "min_weekly_open_hours": str(standard.min_weekly_open_hours),
            "required_rules": rules,
        }
        _audit("center_standard_update", actor, standard.kind, before=before, after=after)
    return standard


def vocabulary_uses(entry: MatterCategory | LifeEvent) -> list[str]:
    """The codes of the matter templates that use a category or a life event."""
    if isinstance(entry, MatterCategory):
        templates = MatterTemplate.objects.filter(category=entry)
    else:
        templates = MatterTemplate.objects.filter(life_events=entry)
    return list(templates.order_by("code").values_list("code", flat=True).distinct())


def vocabulary_entry_delete(*, entry: MatterCategory | LifeEvent, actor) -> None:
    """Delete a category or a life event the city keeps; refused while a template uses it."""
    require(actor, Capability.EDIT_CITY_STANDARDS)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        codes = vocabulary_uses(entry)
        if codes:
            shown = "、".join(codes[:10]) + ("…" if len(codes) > 10 else "")
            raise ValidationError(
                {
                    "name": [
                        _(
                            "%(name)s cannot be deleted: %(count)d matter template(s) use it "
                            "(%(codes)s)."
                        )
                        % {"name": entry.name, "count": len(codes), "codes": shown}
                    ]
                }
            )
        _audit("vocabulary_delete", actor, entry.name, model=entry._meta.model_name, pk=entry.pk)
        entry.delete()


# ---------------------------------------------------------------- district catalog


def district_catalog_entry_add(
    *,
    district,
    template: MatterTemplate,
    actor,
    receiving_window: str = "",
    local_contact: str = "",
) -> DistrictCatalogEntry:
    """Put a template in a district's unified catalog (idempotent: the entry is updated)."""
    require(actor, Capability.SUPERVISE_CENTER, district)
    if district.kind != "district":
        raise ValidationError({"district": [_("Only a district center keeps a catalog.")]})
    if not template.live:
        raise ValidationError({"template": [_("The template is not published.")]})
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        entry, _created = DistrictCatalogEntry.objects.update_or_create(
            district=district,
            template=template,
            defaults={"receiving_window": receiving_window, "local_contact": local_contact},
        )
        _audit("district_entry_add", actor, str(template), district=district.slug)
    return entry


def district_catalog_entry_remove(*, entry: DistrictCatalogEntry, actor) -> None:
    require(actor, Capability.SUPERVISE_CENTER, entry.district)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        _audit("district_entry_remove", actor, str(entry.template), district=entry.district.slug)
        entry.delete()


# ---------------------------------------------------------------- official holiday schedules

SCHEDULE_YEARS = (2000, 2100)
_OFF_WORDS = {"休", "放假", "休息"}
_WORK_WORDS = {"班", "上班", "补班"}
_DATE = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
_SCHEDULE_LINE = re.compile(
    rf"^{_DATE}(?:\s*(?:\.\.|~|～|—|–|至|到|-)\s*{_DATE})?\s+(\S+)(?:\s+(.+))?$"
)


@dataclass(frozen=True)
class ScheduleDay:
    date: datetime.date
    working: bool
    holiday_name: str


def official_schedule_text(days: Iterable) -> str:
    """Days (ScheduleDay or OfficialScheduleDay) as the text the city edits, one per line:
    `2027-01-01 休 元旦`, `2027-02-20 班 春节`."""
    lines = []
    for day in sorted(days, key=lambda d: d.date):
        mark = "班" if day.working else "休"
        lines.append(f"{day.date.isoformat()} {mark} {day.holiday_name}".rstrip())
    return "\n".join(lines)


def official_schedule_draft(year: int) -> str:
    """A starting text for a year not entered yet: the statutory holiday days themselves (全国年节
    及纪念日放假办法), to which the clerk adds the bridge days and adjusted working days. A
    year the calendar library knows starts empty: the State Council's schedule is already
    there, and the city lists only its own official days (a day ordered to rest, 班)."""
    try:
        if calendar.library_knows_year(int(year)):
            return ""
        statutory = calendar.fallback_holidays(int(year))
    except (TypeError, ValueError, OverflowError):
        return ""
    return official_schedule_text(
        ScheduleDay(day, False, name) for day, name in sorted(statutory.items())
    )


def _schedule_date(year: str, month: str, day: str) -> datetime.date | None:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def official_schedule_parse(year: int, text: str) -> list[ScheduleDay]:
    """Read a schedule, one line per day or range of days:

        2027-01-01 休 元旦
        2027-02-05 至 2027-02-13 休 春节
        2027-02-20 班 春节

    `休` (or 放假) is a day off, `班` (or 上班, 补班) an adjusted working day; the holiday's
    name follows (required for days off). Blank lines and lines starting with # are skipped.
    Every error names its line; one bad line refuses the whole text."""
    errors: list[str] = []
    days: dict[datetime.date, tuple[int, ScheduleDay]] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _SCHEDULE_LINE.match(line)
        if match is None:
            errors.append(
                _("Line %(n)d: write “YYYY-MM-DD 休 holiday” or “YYYY-MM-DD 班 holiday”.")
                % {"n": number}
            )
            continue
        first = _schedule_date(*match.group(1, 2, 3))
        last = _schedule_date(*match.group(4, 5, 6)) if match.group(4) else first
        mark, name = match.group(7), (match.group(8) or "").strip()
        if first is None or last is None:
            errors.append(_("Line %(n)d: the date does not exist.") % {"n": number})
            continue
        if last < first:
            errors.append(_("Line %(n)d: the range ends before it starts.") % {"n": number})
            continue
        if mark not in _OFF_WORDS | _WORK_WORDS:
            errors.append(
                _("Line %(n)d: “%(mark)s” is neither 休 (day off) nor 班 (working day).")
                % {"n": number, "mark": mark}
            )
            continue
        working = mark in _WORK_WORDS
        if not working and not name:
            errors.append(_("Line %(n)d: name the holiday of this day off.") % {"n": number})
            continue
        if len(name) > 50:
            errors.append(
                _("Line %(n)d: the holiday's name is longer than 50 characters.") % {"n": number}
            )
            continue
        day = first
        while day <= last:
            if day.year != year:
                errors.append(
                    _("Line %(n)d: %(date)s is not in %(year)d.")
                    % {"n": number, "date": day.isoformat(), "year": year}
                )
                break
            if working and day.weekday() < 5:
                errors.append(
                    _(
                        "Line %(n)d: %(date)s is a weekday; only a Saturday or Sunday can be "
                        "an adjusted working day (班)."
                    )
                    % {"n": number, "date": day.isoformat()}
                )
                break
            if day in days:
                errors.append(
                    _("Line %(n)d: %(date)s is already on line %(first)d.")
                    % {"n": number, "date": day.isoformat(), "first": days[day][0]}
                )
                break
            days[day] = (number, ScheduleDay(day, working, name))
            day += datetime.timedelta(days=1)
    if errors:
        raise ValidationError({"days": errors})
    return [entry for _number, entry in sorted(days.values(), key=lambda item: item[1].date)]


def official_schedule_year_check(year) -> int:
    """The year as a number, if it may be entered: in range. A year the calendar library
    carries may be entered too: the city's official days (a day the city is ordered to rest, an
    adjusted working day) then win over the library's for everyone (行政许可法 art. 82)."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": [_("Enter the year as four digits.")]}) from None
    if not SCHEDULE_YEARS[0] <= year <= SCHEDULE_YEARS[1]:
        raise ValidationError(
            {
                "year": [
                    _("The year must be between %(first)d and %(last)d.")
                    % {"first": SCHEDULE_YEARS[0], "last": SCHEDULE_YEARS[1]}
                ]
            }
        )
    return year


def _statutory_errors(year: int, days: list[ScheduleDay]) -> list[str]:
    """By law the statutory holiday days are always off: a schedule that makes one a working
    day, or that leaves one falling on a weekday unlisted, is mistyped. In a year the calendar
    library knows, its holidays are there already: the city's days add to them, and none of
    them may turn a day off of the State Council's schedule into a working day."""
    declared = {d.date: d for d in days}
    errors = []
    if calendar.library_knows_year(year):
        for entry in days:
            if entry.working and not chinese_calendar.is_workday(entry.date):
                on_holiday, _name = chinese_calendar.get_holiday_detail(entry.date)
                if on_holiday:
                    errors.append(
                        _(
                            "%(date)s is a day off of the State Council's schedule; it cannot "
                            "be a working day."
                        )
                        % {"date": entry.date.isoformat()}
                    )
        return errors
    for day, name in sorted(calendar.fallback_holidays(year).items()):
        entry = declared.get(day)
        if entry is not None and entry.working:
            errors.append(
                _("%(date)s is a statutory holiday (%(name)s); it cannot be a working day.")
                % {"date": day.isoformat(), "name": name}
            )
        elif entry is None and day.weekday() < 5:
            errors.append(
                _("%(date)s (%(name)s) is a statutory holiday; list it as 休.")
                % {"date": day.isoformat(), "name": name}
            )
    return errors


def official_schedule_save(
    *, year, text: str, confirmed: bool, actor, source: str = ""
) -> OfficialScheduleYear:
    """Enter (or replace) the official holiday schedule of a year: the State Council's, for a
    year the calendar library does not know yet, or the city's own official days in any year
    (a day the city is ordered to rest, an adjusted working day). `confirmed` makes it
    official: from then on every center's working-day calendar follows it for that year (its
    listed days win over the library and the provisional fallback). A confirmed schedule must
    keep every statutory holiday off. Nothing is saved unless the whole text is valid.

    After the commit, every center recomputes its open cases whose promised date was
    provisional or whose term reaches into the year (`centers.cases.tasks`, one audited run per
    center): a date that moves is told to the applicant, as the acceptance notice promises."""
    require(actor, Capability.EDIT_CITY_STANDARDS)
    year = official_schedule_year_check(year)
    days = official_schedule_parse(year, text)
    errors: dict[str, list[str]] = {}
    if confirmed:
        if not days:
            errors["days"] = [_("List the year's days off before confirming the schedule.")]
        else:
            statutory = _statutory_errors(year, days)
            if statutory:
                errors["days"] = statutory
    source = (source or "").strip()
    if len(source) > 200:
        errors["source"] = [_("At most 200 characters.")]
    if errors:
        raise ValidationError(errors)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        schedule = OfficialScheduleYear.objects.select_for_update().filter(year=year).first()
        was_confirmed = bool(schedule and schedule.confirmed)
        schedule = schedule or OfficialScheduleYear(year=year)
        schedule.source = source
        schedule.entered_by = actor_name(actor)
        schedule.confirmed = bool(confirmed)
        if confirmed and not was_confirmed:
            schedule.confirmed_by = actor_name(actor)
            schedule.confirmed_at = timezone.now()
        elif not confirmed:
            schedule.confirmed_by, schedule.confirmed_at = "", None
        schedule.save()
        schedule.days.all().delete()
        OfficialScheduleDay.objects.bulk_create(
            OfficialScheduleDay(
                schedule=schedule, date=d.date, working=d.working, holiday_name=d.holiday_name
            )
            for d in days
        )
        _audit(
            "official_schedule_save",
            actor,
            str(year),
            confirmed=schedule.confirmed,
            was_confirmed=was_confirmed,
            days_off=sum(1 for d in days if not d.working),
            working_days=[d.date.isoformat() for d in days if d.working],
            source=source,
        )
        _schedules_changed()
        if schedule.confirmed:
            transaction.on_commit(lambda: calendar.year_confirmed(year), robust=True)
    return schedule


def official_schedule_delete(*, schedule: OfficialScheduleYear, actor) -> None:
    """Remove an entered year: the calendar falls back to the provisional rule for it."""
    require(actor, Capability.EDIT_CITY_STANDARDS)
    with schema_context(settings.PUBLIC_SCHEMA_NAME), transaction.atomic():
        _audit(
            "official_schedule_delete",
            actor,
            str(schedule.year),
            confirmed=schedule.confirmed,
            days=schedule.days.count(),
        )
        schedule.delete()
        _schedules_changed()


def _schedules_changed() -> None:
    """This process forgets the entered years now (so it reads its own write), and again once
    the change is committed; other processes and schemas see the new token within a minute."""
    calendar.entered_schedules_changed()
    transaction.on_commit(calendar.entered_schedules_changed)


# ---------------------------------------------------------------- appointment policy


def appointment_policy_set(*, actor, max_open_per_phone, max_open_per_id_number, horizon_days):
    """The city administrator sets how many open bookings a phone number and a resident ID
    number may hold (1 to 20) and how many days ahead residents may book (1 to 90), for every
    center at once; bookings already made stand."""

    from .models import (
        APPOINTMENT_HORIZON_MAX_DAYS,
        APPOINTMENT_OPEN_MAX,
        AppointmentPolicy,
    )

    if on_center_domain():
        raise PermissionDenied(_("Only the city sets the appointment policy."))
    require(actor, Capability.EDIT_CITY_STANDARDS)
    values = {
        "max_open_per_phone": max_open_per_phone,
        "max_open_per_id_number": max_open_per_id_number,
        "horizon_days": horizon_days,
    }
    bounds = {
        "max_open_per_phone": APPOINTMENT_OPEN_MAX,
        "max_open_per_id_number": APPOINTMENT_OPEN_MAX,
        "horizon_days": APPOINTMENT_HORIZON_MAX_DAYS,
    }
    errors: dict[str, list[str]] = {}
    for name, value in list(values.items()):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not 1 <= number <= bounds[name]:
            errors[name] = [_("Enter a whole number from 1 to %(max)s.") % {"max": bounds[name]}]
        values[name] = number
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = AppointmentPolicy.objects.select_for_update().order_by("pk").first()
        if policy is None:
            policy = AppointmentPolicy()
        before = {name: getattr(policy, name) for name in values}
        for name, value in values.items():
            setattr(policy, name, value)
        policy.updated_by = actor_name(actor)
        policy.save()
        _audit(
            "appointment_policy_set",
            actor,
            str(policy),
            before=before,
            after=values,
        )
    return policy


# ---------------------------------------------------------------- case policy


def waiver_overrides_parse(text: str) -> list[dict]:
    """The overrides as typed on the policy screen, one a line: `matter:<code> = <authority>`
    or `item:<fee item> = <authority>`, authority one of center_director, district, city.
    Raises ValidationError({"waiver_overrides": [...]}) naming the first bad line."""
    from .models import WaiverAuthority

    rules: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        target, sep, authority = line.rpartition("=")
        key, colon, value = target.strip().partition(":")
        key, value, authority = key.strip(), value.strip(), authority.strip()
        if not sep or not colon or key not in ("matter", "item") or not value:
            raise ValidationError(
                {
                    "waiver_overrides": [
                        _(
                            "Line %(n)s: write “matter:<code> = <authority>” or "
                            "“item:<fee item> = <authority>”."
                        )
                        % {"n": number}
                    ]
                }
            )
        if authority not in WaiverAuthority.values:
            raise ValidationError(
                {
                    "waiver_overrides": [
                        _("Line %(n)s: the authority is one of %(choices)s.")
                        % {"n": number, "choices": ", ".join(WaiverAuthority.values)}
                    ]
                }
            )
        if (key, value) in seen:
            raise ValidationError(
                {
                    "waiver_overrides": [
                        _("Line %(n)s: “%(value)s” is listed twice.")
                        % {"n": number, "value": value}
                    ]
                }
            )
        seen.add((key, value))
        rules.append({key: value[:200], "authority": authority})
    return rules


def waiver_overrides_text(rules: list[dict]) -> str:
    """The overrides as the policy screen shows them (the inverse of waiver_overrides_parse)."""
    lines = []
    for rule in rules or []:
        key = "matter" if rule.get("matter") else "item"
        lines.append(f"{key}:{rule.get(key, '')} = {rule.get('authority', '')}")
    return "\n".join(lines)


def case_policy_set(*, actor, waiver_authority, waiver_overrides, objection_answer_days):
    """The city administrator sets who approves a fee waiver (减免; seed plan 3 统一收费: by
    policy, else up the hierarchy), as a default with overrides per matter code or fee item,
    and how many working days (1 to 30) a case owner has to answer an objection (seed plan 1,
    退回件), for every center at once; waivers and objections already recorded stand."""

    from .models import OBJECTION_ANSWER_MAX_DAYS, CasePolicy, WaiverAuthority

    if on_center_domain():
        raise PermissionDenied(_("Only the city sets the case policy."))
    require(actor, Capability.EDIT_CITY_STANDARDS)
    errors: dict[str, list[str]] = {}
    if waiver_authority not in WaiverAuthority.values:
        errors["waiver_authority"] = [_("Choose the center director, the district or the city.")]
    try:
        days = int(objection_answer_days)
    except (TypeError, ValueError):
        days = None
    if days is None or not 1 <= days <= OBJECTION_ANSWER_MAX_DAYS:
        errors["objection_answer_days"] = [
            _("Enter a whole number from 1 to %(max)s.") % {"max": OBJECTION_ANSWER_MAX_DAYS}
        ]
    if isinstance(waiver_overrides, str):
        try:
            rules = waiver_overrides_parse(waiver_overrides)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            rules = []
    else:
        rules = waiver_overrides_parse(waiver_overrides_text(list(waiver_overrides or [])))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = CasePolicy.objects.select_for_update().order_by("pk").first() or CasePolicy()
        before = {
            "waiver_authority": policy.waiver_authority,
            "waiver_overrides": policy.waiver_overrides,
            "objection_answer_days": policy.objection_answer_days,
        }
        policy.waiver_authority = waiver_authority
        policy.waiver_overrides = rules
        policy.objection_answer_days = days
        policy.updated_by = actor_name(actor)
        policy.save()
        _audit(
            "case_policy_set",
            actor,
            str(policy),
            before=before,
            after={
                "waiver_authority": waiver_authority,
                "waiver_overrides": rules,
                "objection_answer_days": days,
            },
        )
    return policy
