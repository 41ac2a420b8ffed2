"""The arithmetic of a scorecard, with no database writes: formulas of automatic items, points
of each kind of item, the total with the bonus cap and the veto. Services call these; the
rules live here only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from evaluation.metrics.selectors import FIGURE_KEYS

from .models import BASE_KINDS, ItemKind

CENT = Decimal("0.01")
ZERO = Decimal("0")
# Figures an automatic item may read (keys of evaluation.metrics.selectors.period_figures).
METRICS = tuple(FIGURE_KEYS)
# For these a smaller figure is better: their formula has full_at < zero_at.
LOWER_IS_BETTER = ("avg_handling_days", "overdue_open", "unrated_rate")


def quantize(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def formula_problems(formula) -> list[str]:
    """What is wrong with an automatic item's formula (empty when it is valid)."""
    if not isinstance(formula, dict) or not formula:
        return [_("An automatic item needs a formula (metric, full_at, zero_at).")]
    problems = []
    metric = formula.get("metric")
    if metric not in METRICS:
        problems.append(
            _("Unknown metric “%(metric)s”; use one of: %(metrics)s.")
            % {"metric": metric or "", "metrics": ", ".join(METRICS)}
        )
    bounds = {}
    for key in ("full_at", "zero_at"):
        try:
            bounds[key] = Decimal(str(formula.get(key)))
            if not bounds[key].is_finite():
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            problems.append(_("The formula's %(key)s must be a number.") % {"key": key})
    if len(bounds) == 2 and bounds["full_at"] == bounds["zero_at"]:
        problems.append(_("The formula's full_at and zero_at must differ."))
    elif len(bounds) == 2 and metric in METRICS:
        lower_better = bounds["full_at"] < bounds["zero_at"]
        if lower_better != (metric in LOWER_IS_BETTER):
            problems.append(
                _("For %(metric)s full_at must be below zero_at (less is better).")
                % {"metric": metric}
                if metric in LOWER_IS_BETTER
                else _("For %(metric)s full_at must be above zero_at (more is better).")
                % {"metric": metric}
            )
    extra = set(formula) - {"metric", "full_at", "zero_at"}
    if extra:
        problems.append(
            _("The formula has unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(extra))}
        )
    return problems


def auto_points(formula: dict, value, max_points: Decimal) -> Decimal:
    """Points of an automatic item: the maximum at or beyond full_at, 0 at or beyond zero_at,
    linear in between (either direction: full_at < zero_at means lower is better). A figure
    that cannot be computed (nothing closed, nothing rated) takes the maximum: nothing was
    found wrong."""
    if value is None:
        return quantize(max_points)
    value = Decimal(str(value))
    full = Decimal(str(formula["full_at"]))
    zero = Decimal(str(formula["zero_at"]))
    share = (value - zero) / (full - zero)
    share = min(max(share, ZERO), Decimal(1))
    return quantize(max_points * share)


def deduction_points(item, fault_count: int) -> Decimal:
    """A deduction item starts at its maximum and loses points_per_fault per fault, down to 0."""
    per = item.points_per_fault or ZERO
    return quantize(max(item.max_points - per * fault_count, ZERO))


def max_faults(item) -> int | None:
    """The most faults that still change the score (beyond it the item is already at 0)."""
    per = item.points_per_fault or ZERO
    if per <= 0:
        return None
    whole, rest = divmod(item.max_points, per)
    return int(whole) + (1 if rest else 0)


def totals(items, scores: dict, bonus_cap: Decimal) -> dict:
    """The scorecard's result from its rubric items and {item_id: ItemScore}: base points by
    section, the bonus counted (capped), the veto. Returns {"total", "bonus", "sections",
    "vetoed"}; sections maps a section code to {"title", "points", "max"} as strings, in the
    rubric's order: a section's points add up its items, a bonus section's what counts after
    the cap (its maximum is the cap), so the sections add up to the total unless vetoed;
    sections of veto items only are left out."""
    by_id = {item.pk: item for item in items}
    sections: dict[str, dict] = {}
    base = bonus = ZERO
    vetoed = False
    for item in items:
        if item.level != 3:
            continue
        score = scores.get(item.pk)
        if item.kind == ItemKind.VETO:
            vetoed = vetoed or bool(score and score.marked)
            continue
        section = _section_of(item, by_id)
        entry = sections.setdefault(
            section.code,
            {"title": section.title, "points": ZERO, "max": ZERO, "bonus": ZERO},
        )
        points = (score.points if score is not None else None) or ZERO
        if item.kind == ItemKind.BONUS:
            bonus += points
            entry["bonus"] += points
        elif item.kind in BASE_KINDS:
            base += points
            entry["points"] += points
            entry["max"] += item.max_points
    cap = bonus_cap or ZERO
    counted_bonus = min(bonus, cap)
    for entry in sections.values():
        if entry["bonus"]:
            entry["points"] += entry["bonus"] * counted_bonus / bonus
        if not entry["max"]:
            entry["max"] = cap
    total = ZERO if vetoed else base + counted_bonus
    return {
        "total": quantize(total),
        "bonus": quantize(counted_bonus),
        "sections": {
            code: {
                "title": entry["title"],
                "points": str(quantize(entry["points"])),
                "max": str(quantize(entry["max"])),
            }
            for code, entry in sections.items()
        },
        "vetoed": vetoed,
    }


def _section_of(item, by_id):
    node = item
    while node.parent_id is not None and node.parent_id in by_id:
        node = by_id[node.parent_id]
    return node
