"""Rubric files in and out (xlsx or csv, Chinese headers), on the same django-import-export
formats as the matter catalogs (catalog_cms.standards.tabular). A file is checked whole:
`parse_rubric_file` returns every bad row, and the import saves nothing unless there is none.

One row per node of the tree; the code's depth gives the level ("1" a section, "1.2" a group,
"1.2.3" an item) and its parent must come earlier in the file.

Files are written by `cityplatform.spreadsheets`, like the catalogs: guidance that starts with
"-" or "=" stays text and reads back unchanged."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from catalog_cms.standards.tabular import RowError, _cell, _read_dataset
from cityplatform import spreadsheets

from .calc import formula_problems
from .models import ItemKind

COLUMNS = (
    ("编码", "code"),
    ("名称", "title"),
    ("类型", "kind"),
    ("分值", "max_points"),
    ("评分标准", "guidance"),
    ("需要佐证", "evidence_required"),
    ("佐证材料", "evidence_hint"),
    ("每处扣分", "points_per_fault"),
    ("指标", "metric"),
    ("满分值", "full_at"),
    ("零分值", "zero_at"),
)
REQUIRED = ("编码", "名称")
KIND_BY_LABEL = {
    "评分": ItemKind.MANUAL,
    "人工评分": ItemKind.MANUAL,
    "自动": ItemKind.AUTO,
    "自动计算": ItemKind.AUTO,
    "扣分": ItemKind.DEDUCTION,
    "加分": ItemKind.BONUS,
    "加分项": ItemKind.BONUS,
    "一票否决": ItemKind.VETO,
    "否决": ItemKind.VETO,
    **{value: value for value in ItemKind.values},
}
KIND_LABEL = {
    ItemKind.MANUAL: "评分",
    ItemKind.AUTO: "自动计算",
    ItemKind.DEDUCTION: "扣分",
    ItemKind.BONUS: "加分项",
    ItemKind.VETO: "一票否决",
}
YES = {"是": True, "需要": True, "y": True, "yes": True, "1": True, "true": True}
NO = {"否": False, "不需要": False, "": False, "n": False, "no": False, "0": False, "false": False}
CODE_RE = re.compile(r"^[1-9][0-9]?(\.[1-9][0-9]?){0,2}$")
MAX_ITEM_POINTS = Decimal("1000")


@dataclass
class ParsedRubric:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def parse_rubric_file(content: bytes, filename: str = "") -> ParsedRubric:
    parsed = ParsedRubric()
    try:
        dataset = _read_dataset(content, filename)
    except Exception:
        parsed.errors.append(RowError(0, "", _("The file is not a readable xlsx or csv file.")))
        return parsed
    headers = [_cell(h) for h in (dataset.headers or [])]
    missing = [label for label in REQUIRED if label not in headers]
    if missing:
        parsed.errors.append(
            RowError(
                1,
                "",
                _("Missing columns: %(columns)s.") % {"columns": "、".join(missing)},
            )
        )
        return parsed
    known = {label for label, _name in COLUMNS}
    unknown = [h for h in headers if h and h not in known]
    if unknown:
        parsed.errors.append(
            RowError(1, "", _("Unknown columns: %(columns)s.") % {"columns": "、".join(unknown)})
        )
    seen: dict[str, int] = {}
    for index, raw in enumerate(dataset, start=2):
        values = {h: _cell(v) for h, v in zip(headers, raw, strict=False)}
        if not any(values.values()):
            continue
        row = {"_row": index}
        errors: list[RowError] = []

        def bad(column, message, errors=errors, index=index):
            errors.append(RowError(index, column, message))

        code = values.get("编码", "")
        if not CODE_RE.match(code):
            bad("编码", _("“%(code)s” is not a code like 1, 1.2 or 1.2.3.") % {"code": code})
            parsed.errors.extend(errors)
            continue
        if code in seen:
            bad("编码", _("Code %(code)s repeats row %(row)d.") % {"code": code, "row": seen[code]})
        seen.setdefault(code, index)
        level = code.count(".") + 1
        parent = code.rsplit(".", 1)[0] if level > 1 else ""
        if parent and parent not in seen:
            bad("编码", _("Its parent %(parent)s must come earlier.") % {"parent": parent})
        title = values.get("名称", "")
        if not title:
            bad("名称", _("A title is required."))
        elif len(title) > 200:
            bad("名称", _("At most 200 characters."))
        kind_text = values.get("类型", "")
        kind = KIND_BY_LABEL.get(kind_text or ("评分" if level == 3 else ""), "")
        if level == 3 and not kind:
            bad(
                "类型",
                _("“%(kind)s” is not a kind; use %(kinds)s.")
                % {"kind": kind_text, "kinds": "、".join(KIND_LABEL.values())},
            )
        points_text = values.get("分值", "") or "0"
        max_points = _decimal(points_text)
        if max_points is None or max_points < 0 or max_points > MAX_ITEM_POINTS:
            bad("分值", _("“%(value)s” is not a number of points.") % {"value": points_text})
            max_points = Decimal(0)
        if level == 3 and kind != ItemKind.VETO and max_points <= 0:
            bad("分值", _("A scored item needs points above 0."))
        evidence_text = values.get("需要佐证", "").lower()
        if evidence_text in YES:
            evidence_required = True
        elif evidence_text in NO:
            evidence_required = False
        else:
            bad("需要佐证", _("Write 是 or 否."))
            evidence_required = False
        per = None
        if kind == ItemKind.DEDUCTION:
            per_text = values.get("每处扣分", "")
            per = _decimal(per_text)
            if per is None or per <= 0:
                bad("每处扣分", _("A deduction item needs the points per fault (above 0)."))
        formula = {}
        if kind == ItemKind.AUTO:
            formula = {"metric": values.get("指标", "")}
            for column, key in (("满分值", "full_at"), ("零分值", "zero_at")):
                number = _decimal(values.get(column, ""))
                formula[key] = float(number) if number is not None else values.get(column, "")
            for problem in formula_problems(formula):
                bad("指标", problem)
        if len(values.get("佐证材料", "")) > 200:
            bad("佐证材料", _("At most 200 characters."))
        row.update(
            code=code,
            level=level,
            parent_code=parent,
            title=title,
            kind=kind if level == 3 else ItemKind.MANUAL,
            max_points=max_points,
            guidance=values.get("评分标准", ""),
            evidence_required=evidence_required,
            evidence_hint=values.get("佐证材料", ""),
            points_per_fault=per,
            formula=formula,
        )
        parsed.errors.extend(errors)
        if not errors:
            parsed.rows.append(row)
    if not seen and not parsed.errors:
        parsed.errors.append(RowError(0, "", _("The file has no rows.")))
    return parsed


def _rubric_rows(rubric):
    for item in rubric.items.order_by("order", "pk"):
        formula = item.formula or {}
        yield [
            item.code,
            item.title,
            KIND_LABEL[item.kind] if item.level == 3 else "",
            str(item.max_points),
            item.guidance,
            "是" if item.evidence_required else "否",
            item.evidence_hint,
            str(item.points_per_fault) if item.points_per_fault is not None else "",
            formula.get("metric", ""),
            formula.get("full_at", ""),
            formula.get("zero_at", ""),
        ]


def export_rubric(rubric, fmt: str = "xlsx") -> bytes:
    """The rubric file (xlsx or csv) `parse_rubric_file` reads back unchanged."""
    headers = [label for label, _name in COLUMNS]
    return spreadsheets.table_bytes(headers, _rubric_rows(rubric), fmt, title="评分细则")
