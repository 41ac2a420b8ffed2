"""The rubric's versions: import a draft from a file, change its items, copy it as the next
version, publish it once it is consistent (a published version never changes)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.permissions import Capability

from .. import calc
from ..error_codes import ScoringErrorCode
from ..models import BASE_KINDS, ItemKind, Rubric, RubricItem, RubricState
from ..tabular import parse_rubric_file
from .common import capability_require, event_record, invalid, points_parse


def _refresh_total(rubric: Rubric) -> None:
    total = sum(
        (item.max_points for item in rubric.items.filter(level=3, kind__in=BASE_KINDS)),
        Decimal(0),
    )
    rubric.total_points = calc.quantize(total)
    rubric.save(update_fields=["total_points"])


def _draft(rubric: Rubric) -> None:
    if rubric.state != RubricState.DRAFT:
        raise ValidationError(
            {
                "rubric": [
                    invalid(
                        _("%(rubric)s is published and cannot be changed; make a new version.")
                        % {"rubric": rubric},
                        ScoringErrorCode.RUBRIC_PUBLISHED,
                    )
                ]
            }
        )


def _next_version(name: str) -> int:
    last = Rubric.objects.filter(name=name).order_by("-version").first()
    return (last.version + 1) if last else 1


@transaction.atomic
def rubric_import(
    *, actor, name: str, content: bytes, filename: str = "", bonus_cap=None, description=""
) -> Rubric:
    """A new draft version of rubric `name` from an xlsx/csv file. Every bad row is reported
    (ValidationError({"file": [...]})) and nothing is saved."""
    capability_require(actor, Capability.EDIT_CITY_STANDARDS)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [invalid(_("A rubric needs a name."), ScoringErrorCode.NAME_REQUIRED)]
    elif len(name) > 100:
        errors["name"] = [invalid(_("At most 100 characters."), ScoringErrorCode.TOO_LONG)]
    cap = points_parse(bonus_cap if bonus_cap not in (None, "") else "0")
    if cap is None or cap < 0:
        errors["bonus_cap"] = [
            invalid(
                _("The bonus cap must be a number of points, 0 or more."),
                ScoringErrorCode.BONUS_CAP_INVALID,
            )
        ]
    parsed = parse_rubric_file(content, filename)
    if not parsed.ok:
        errors["file"] = [
            invalid(str(error), ScoringErrorCode.FILE_INVALID) for error in parsed.errors
        ]
    if errors:
        raise ValidationError(errors)
    # Versions of one name are numbered one at a time (the unique constraint is the backstop).
    list(Rubric.objects.select_for_update().filter(name=name).values_list("pk", flat=True))
    rubric = Rubric.objects.create(
        name=name,
        version=_next_version(name),
        bonus_cap=cap,
        description=description,
        created_by=actor.username,
    )
    by_code: dict[str, RubricItem] = {}
    for order, row in enumerate(parsed.rows, start=1):
        by_code[row["code"]] = RubricItem.objects.create(
            rubric=rubric,
            code=row["code"],
            parent=by_code.get(row["parent_code"]),
            level=row["level"],
            order=order,
            title=row["title"],
            guidance=row["guidance"],
            max_points=row["max_points"],
            kind=row["kind"],
            evidence_required=row["evidence_required"],
            evidence_hint=row["evidence_hint"],
            formula=row["formula"],
            points_per_fault=row["points_per_fault"],
        )
    _refresh_total(rubric)
    event_record("rubric_import", actor, rubric=rubric, rows=len(parsed.rows), file=filename[:100])
    return rubric


@transaction.atomic
def rubric_item_update(*, actor, item: RubricItem, **fields) -> RubricItem:
    """Change an item of a draft version (title, guidance, max_points, evidence, formula…)."""
    capability_require(actor, Capability.EDIT_CITY_STANDARDS)
    rubric = Rubric.objects.select_for_update().get(pk=item.rubric_id)
    _draft(rubric)
    allowed = {
        "title",
        "guidance",
        "max_points",
        "evidence_required",
        "evidence_hint",
        "formula",
        "points_per_fault",
        "order",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            {
                field: [
                    invalid(_("This field cannot be changed."), ScoringErrorCode.FIELD_NOT_EDITABLE)
                ]
                for field in unknown
            }
        )
    for field, value in fields.items():
        setattr(item, field, value)
    problems = _item_problems(item)
    if problems:
        raise ValidationError(
            {"item": [invalid(problem, ScoringErrorCode.ITEM_INVALID) for problem in problems]}
        )
    item.save(update_fields=list(fields))
    _refresh_total(rubric)
    event_record("rubric_item_update", actor, rubric=rubric, item=item.code, fields=sorted(fields))
    return item


def _item_problems(item: RubricItem) -> list[str]:
    label = f"{item.code} {item.title}"
    problems = []
    if item.level == 3 and item.kind != ItemKind.VETO and (item.max_points or 0) <= 0:
        problems.append(_("%(item)s: the maximum points must be above 0.") % {"item": label})
    if item.kind == ItemKind.AUTO and item.level == 3:
        problems += [f"{label}: {p}" for p in calc.formula_problems(item.formula)]
    if item.kind == ItemKind.DEDUCTION and item.level == 3 and not (item.points_per_fault or 0) > 0:
        problems.append(_("%(item)s: a deduction needs the points per fault.") % {"item": label})
    return problems


@transaction.atomic
def rubric_new_version(*, actor, rubric: Rubric) -> Rubric:
    """A draft copy of `rubric` as the next version of its name."""
    capability_require(actor, Capability.EDIT_CITY_STANDARDS)
    list(Rubric.objects.select_for_update().filter(name=rubric.name).values_list("pk", flat=True))
    copy = Rubric.objects.create(
        name=rubric.name,
        version=_next_version(rubric.name),
        bonus_cap=rubric.bonus_cap,
        description=rubric.description,
        total_points=rubric.total_points,
        created_by=actor.username,
    )
    by_old: dict[int, RubricItem] = {}
    for item in rubric.items.order_by("level", "order", "pk"):
        old_pk = item.pk
        item.pk = None
        item.rubric = copy
        item.parent = by_old.get(item.parent_id)
        item.save()
        by_old[old_pk] = item
    event_record("rubric_new_version", actor, rubric=copy, source=rubric.pk)
    return copy


def rubric_problems(rubric: Rubric) -> list[str]:
    """Everything that keeps a version from being published."""
    items = list(rubric.items.all())
    problems = []
    if not any(item.level == 3 for item in items):
        problems.append(_("The rubric has no scored items (level 3)."))
    codes: dict[str, int] = {}
    by_pk = {item.pk: item for item in items}
    for item in items:
        codes[item.code] = codes.get(item.code, 0) + 1
        parent = by_pk.get(item.parent_id)
        if item.level == 1 and item.parent_id is not None:
            problems.append(_("%(code)s: a section has no parent.") % {"code": item.code})
        if item.level > 1 and (parent is None or parent.level != item.level - 1):
            problems.append(
                _("%(code)s: its parent must be an entry of level %(level)d.")
                % {"code": item.code, "level": item.level - 1}
            )
        if item.level < 3 and not any(child.parent_id == item.pk for child in items):
            problems.append(_("%(code)s has no items under it.") % {"code": item.code})
        problems += _item_problems(item)
    problems += [
        _("Code %(code)s is used %(n)d times.") % {"code": code, "n": n}
        for code, n in codes.items()
        if n > 1
    ]
    if rubric.bonus_cap < 0:
        problems.append(_("The bonus cap cannot be negative."))
    if any(i.kind == ItemKind.BONUS and i.level == 3 for i in items) and rubric.bonus_cap <= 0:
        problems.append(_("The rubric has bonus items: set a bonus cap above 0."))
    return problems


@transaction.atomic
def rubric_publish(*, actor, rubric: Rubric) -> Rubric:
    capability_require(actor, Capability.EDIT_CITY_STANDARDS)
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    _draft(rubric)
    problems = rubric_problems(rubric)
    if problems:
        raise ValidationError(
            {
                "rubric": [
                    invalid(problem, ScoringErrorCode.RUBRIC_NOT_PUBLISHABLE)
                    for problem in problems
                ]
            }
        )
    _refresh_total(rubric)
    rubric.state = RubricState.PUBLISHED
    rubric.published_at = timezone.now()
    rubric.published_by = actor.username
    rubric.save(update_fields=["state", "published_at", "published_by"])
    event_record("rubric_publish", actor, rubric=rubric, total=str(rubric.total_points))
    return rubric
