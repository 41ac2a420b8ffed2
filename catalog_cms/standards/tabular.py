"""Excel/CSV in and out for matter catalogs: the one module that reads, checks and writes the
agreed columns, used by the city's admin import, the API and `manage.py import_catalog`, for
city templates and center catalogs alike.

A file is read whole and checked whole: `parse_catalog_file` returns every bad row with its
row number, column and reason, and callers save nothing unless there are none.

Files are written by `cityplatform.spreadsheets` (text that could be a formula is written as
text; in csv with a leading ' that `_read_dataset` takes off again), so an export reads back
unchanged, a material line "- 身份证" included."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

import tablib
from django.utils.translation import gettext as _
from import_export.formats.base_formats import XLSX

from cityplatform import spreadsheets

from .models import MatterTemplate
from .validators import MATTER_CODE_RE
from .vocab import (
    NINE_ELEMENTS,
    AuthorityLevel,
    HandlingForm,
    MatterType,
    ProcessingMode,
    handling_errors,
)

# (column header, field) — required columns, in the order files are written.
REQUIRED_COLUMNS = (
    ("事项名称", "name"),
    ("事项编码", "code"),
    ("事项类别", "category_name"),
    ("权限层级", "authority_level"),
    ("办理方式", "mode"),
    ("办理主体", "handling_body"),
    ("办理依据", "legal_basis"),
    ("办理条件", "conditions"),
    ("办理程序", "procedure"),
    ("法定时限", "legal_days"),
    ("承诺时限", "promised_days"),
    ("办理结果", "result"),
    ("收费依据", "fee_basis"),
    ("收费标准", "fee_standard"),
    ("监督渠道", "supervision"),
    ("申报材料", "materials"),
    ("人生事件", "life_events"),
    ("是否可网办", "online"),
)
OPTIONAL_COLUMNS = (
    ("事项类型", "matter_type"),
    ("联办部门", "departments"),
    ("到现场次数", "visits"),
    ("常见问题", "questions"),
    # 行政许可法 arts. 42 and 44 (optional: files without them read as before).
    ("协同办理形式", "handling_form"),
    ("延期上限", "extension_max_days"),
    ("颁发证照", "issues_certificate"),
    # Art. 32(2): where an applicant is sent when the matter is outside a center's competence.
    ("有权受理机关", "competent_authority"),
)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TEXT_FIELDS = {name for name, _label in NINE_ELEMENTS} - {"time_limit_text"}

LEVEL_BY_LABEL = {
    "乡镇": AuthorityLevel.TOWNSHIP,
    "区县": AuthorityLevel.DISTRICT,
    "市": AuthorityLevel.CITY,
}
MODE_BY_LABEL = {
    "即办": ProcessingMode.IMMEDIATE,
    "承诺": ProcessingMode.PROMISED,
    "联办": ProcessingMode.JOINT,
    "上报": ProcessingMode.REPORT,
}
LEVEL_LABEL = {value: label for label, value in LEVEL_BY_LABEL.items()}
MODE_LABEL = {value: label for label, value in MODE_BY_LABEL.items()}
TYPE_LABEL = {
    "01": "行政许可", "02": "行政处罚", "03": "行政强制", "04": "行政征收", "05": "行政给付",
    "06": "行政检查", "07": "行政确认", "08": "行政奖励", "09": "行政裁决", "10": "其他",
    "20": "公共服务",
}  # fmt: skip
TYPE_BY_LABEL = {label: code for code, label in TYPE_LABEL.items()}
assert set(TYPE_LABEL) == set(MatterType.values)
FORM_BY_LABEL = {form.label: form.value for form in HandlingForm}
FORM_LABEL = {value: label for label, value in FORM_BY_LABEL.items()}
COMPETENT_AUTHORITY_MAX = MatterTemplate._meta.get_field("competent_authority").max_length
REQUIRED_WORDS = {"必需": True, "必须": True, "必要": True, "可选": False, "非必需": False}


@dataclass
class RowError:
    row: int  # the spreadsheet's row number: the header is row 1
    column: str  # a column header, or "" for the whole row or file
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if self.column:
            return _("Row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ParsedFile:
    rows: list[dict] = field(default_factory=list)  # each with "_row": its row number
    errors: list[RowError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def time_limit_text(mode: str, legal_days: int, promised_days: int) -> str:
    """The 办理时限 element written from the two limits, for rows that do not carry it."""
    if promised_days == 0:
        return f"即时办结（法定时限{legal_days}个工作日）" if legal_days else "即时办结"
    return f"法定时限{legal_days}个工作日，承诺时限{promised_days}个工作日"


# ---------------------------------------------------------------- reading


def _read_dataset(content: bytes, filename: str) -> tablib.Dataset:
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        return XLSX().create_dataset(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030")
    rows = [
        [spreadsheets.csv_unescape(cell) for cell in row]
        for row in csv.reader(io.StringIO(text, newline=""))
    ]
    dataset = tablib.Dataset()
    if rows:
        width = len(rows[0])
        dataset.headers = rows[0]
        for row in rows[1:]:
            if not any(cell.strip() for cell in row):
                continue
            dataset.append((row + [""] * width)[:width])
    return dataset


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _whole_days(text: str) -> int | None:
    try:
        number = Decimal(text)
    except ArithmeticError:
        return None
    if number != number.to_integral_value() or number < 0 or number > 3650:
        return None
    return int(number)


def _split_list(text: str) -> list[str]:
    for sep in ("，", "、", ";", "；", "\n"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def _parse_materials(text: str) -> tuple[list[dict], list[str]]:
    materials, problems = [], []
    for number, line in enumerate([ln for ln in text.split("\n") if ln.strip()], start=1):
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]
        # An optional fifth part 容缺 marks a required material a case may be accepted without
        # (容缺受理); files of four parts read as before.
        tolerance = len(parts) == 5 and parts[4] == "容缺"
        if len(parts) == 5 and parts[4] in ("", "容缺"):
            parts = parts[:4]
        if len(parts) != 4 or not parts[0]:
            problems.append(
                _("material line %(n)d (%(line)s) must be 名称|原件份数|复印件份数|必需或可选")
                % {"n": number, "line": line.strip()}
            )
            continue
        originals, copies = _whole_days(parts[1]), _whole_days(parts[2])
        if originals is None or copies is None or originals > 99 or copies > 99:
            problems.append(
                _("material line %(n)d (%(line)s): the counts must be whole numbers")
                % {"n": number, "line": line.strip()}
            )
            continue
        if parts[3] not in REQUIRED_WORDS:
            problems.append(
                _("material line %(n)d (%(line)s): the last part must be 必需 or 可选")
                % {"n": number, "line": line.strip()}
            )
            continue
        if tolerance and not REQUIRED_WORDS[parts[3]]:
            problems.append(
                _("material line %(n)d (%(line)s): 容缺 applies to a required material only")
                % {"n": number, "line": line.strip()}
            )
            continue
        materials.append(
            {
                "name": parts[0][:200],
                "originals": originals,
                "copies": copies,
                "required": REQUIRED_WORDS[parts[3]],
                **({"tolerance": True} if tolerance else {}),
            }
        )
    return materials, problems


def _parse_questions(text: str) -> tuple[list[dict], list[str]]:
    questions, problems = [], []
    for number, line in enumerate([ln for ln in text.split("\n") if ln.strip()], start=1):
        parts = line.replace("｜", "|").split("|", 1)
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            problems.append(_("question line %(n)d must be 问题|答案") % {"n": number})
            continue
        questions.append({"question": parts[0].strip()[:300], "answer": parts[1].strip()})
    return questions, problems


def parse_catalog_file(content: bytes, filename: str = "") -> ParsedFile:
    """Read and check a whole file. Vocabularies (categories, life events) come from the
    public schema, which is on every schema's search path."""
    from .models import LifeEvent, MatterCategory

    result = ParsedFile()
    try:
        dataset = _read_dataset(content, filename)
    except Exception:
        result.errors.append(
            RowError(0, "", _("The file could not be read as .xlsx or .csv (UTF-8)."))
        )
        return result
    headers = [_cell(header) for header in (dataset.headers or [])]
    result.columns = headers
    missing = [label for label, _field in REQUIRED_COLUMNS if label not in headers]
    if missing:
        result.errors.append(
            RowError(1, "", _("Missing columns: %(columns)s") % {"columns": "、".join(missing)})
        )
        return result
    known = {label for label, _field in ALL_COLUMNS}
    unknown = [header for header in headers if header and header not in known]
    if unknown:
        result.errors.append(
            RowError(1, "", _("Unknown columns: %(columns)s") % {"columns": "、".join(unknown)})
        )
        return result
    categories = set(MatterCategory.objects.values_list("name", flat=True))
    life_events = set(LifeEvent.objects.values_list("name", flat=True))
    seen_codes: dict[str, int] = {}
    for index, raw in enumerate(dataset, start=2):
        cells = {headers[i]: _cell(value) for i, value in enumerate(raw) if i < len(headers)}
        if not any(cells.values()):
            continue
        errors: list[RowError] = []

        def bad(column, message, errors=errors, index=index):
            errors.append(RowError(index, column, message))

        row: dict = {"_row": index, "_columns": set(cells)}
        row["name"] = cells["事项名称"]
        if not row["name"]:
            bad("事项名称", _("the name is empty"))
        elif len(row["name"]) > 200:
            bad("事项名称", _("the name is longer than 200 characters"))
        code = cells["事项编码"]
        row["code"] = code
        if not MATTER_CODE_RE.match(code):
            bad("事项编码", _("%(code)s is not a valid code (1 to 64 letters, digits and hyphens)")
                % {"code": code or "''"})  # fmt: skip
        elif code in seen_codes:
            bad("事项编码", _("code %(code)s is already used on row %(row)d")
                % {"code": code, "row": seen_codes[code]})  # fmt: skip
        else:
            seen_codes[code] = index
        row["category_name"] = cells["事项类别"]
        if row["category_name"] not in categories:
            bad(
                "事项类别",
                _("unknown category %(value)s") % {"value": row["category_name"] or "''"},
            )
        level = cells["权限层级"]
        if level not in LEVEL_BY_LABEL:
            bad("权限层级", _("%(value)s is not one of 乡镇, 区县, 市") % {"value": level or "''"})
        row["authority_level"] = LEVEL_BY_LABEL.get(level)
        mode = cells["办理方式"]
        if mode not in MODE_BY_LABEL:
            bad("办理方式", _("unknown mode %(value)s (one of 即办, 承诺, 联办, 上报)")
                % {"value": mode or "''"})  # fmt: skip
        row["mode"] = MODE_BY_LABEL.get(mode)
        for label, name in REQUIRED_COLUMNS:
            if name in TEXT_FIELDS:
                row[name] = cells[label]
                if not row[name]:
                    bad(label, _("this element must be filled"))
        for label, name in (("法定时限", "legal_days"), ("承诺时限", "promised_days")):
            row[name] = _whole_days(cells[label])
            if row[name] is None:
                bad(label, _("%(value)s is not a whole number of working days")
                    % {"value": cells[label] or "''"})  # fmt: skip
        if row["legal_days"] is not None and row["promised_days"] is not None:
            if row["promised_days"] > row["legal_days"]:
                message = _(
                    "the promised limit (%(promised)d) is above the legal limit (%(legal)d)"
                )
                bad(
                    "承诺时限",
                    message % {"promised": row["promised_days"], "legal": row["legal_days"]},
                )
            if row["mode"] == ProcessingMode.IMMEDIATE and row["promised_days"]:
                bad("承诺时限", _("an immediate (即办) matter has a promised limit of 0"))
        row["materials"], problems = _parse_materials(cells["申报材料"])
        for problem in problems:
            bad("申报材料", problem)
        if not row["materials"] and not problems:
            bad("申报材料", _("list at least one material"))
        row["life_events"] = _split_list(cells["人生事件"])
        for name in row["life_events"]:
            if name not in life_events:
                bad("人生事件", _("unknown life event %(value)s") % {"value": name})
        online = cells["是否可网办"]
        if online not in ("是", "否"):
            bad("是否可网办", _("must be 是 or 否, not %(value)s") % {"value": online or "''"})
        row["online"] = online == "是"
        if "事项类型" in cells:
            value = cells["事项类型"]
            code_part = value.split(" ")[0]
            if not value:
                row["matter_type"] = ""
            elif code_part.zfill(2) in TYPE_LABEL:
                row["matter_type"] = code_part.zfill(2)
            elif value in TYPE_BY_LABEL:
                row["matter_type"] = TYPE_BY_LABEL[value]
            else:
                bad("事项类型", _("unknown matter type %(value)s") % {"value": value})
        if "联办部门" in cells:
            row["departments"] = _split_list(cells["联办部门"])
        if "到现场次数" in cells:
            visits = _whole_days(cells["到现场次数"]) if cells["到现场次数"] else 1
            if visits is None or visits > 2:
                bad("到现场次数", _("must be 0, 1 or 2"))
            row["visits"] = visits
        if "常见问题" in cells:
            row["questions"], problems = _parse_questions(cells["常见问题"])
            for problem in problems:
                bad("常见问题", problem)
        if "协同办理形式" in cells:
            value = cells["协同办理形式"]
            if value and value not in FORM_BY_LABEL:
                bad("协同办理形式", _("must be empty or one of %(forms)s, not %(value)s")
                    % {"forms": "、".join(FORM_BY_LABEL), "value": value})  # fmt: skip
            row["handling_form"] = FORM_BY_LABEL.get(value, "")
        if "延期上限" in cells:
            value = cells["延期上限"]
            row["extension_max_days"] = _whole_days(value) if value else None
            if value and row["extension_max_days"] is None:
                bad("延期上限", _("%(value)s is not a whole number of working days")
                    % {"value": value})  # fmt: skip
        if "颁发证照" in cells:
            value = cells["颁发证照"]
            if value not in ("", "是", "否"):
                bad("颁发证照", _("must be 是 or 否, not %(value)s") % {"value": value})
            row["issues_certificate"] = value == "是"
        if "有权受理机关" in cells:
            row["competent_authority"] = cells["有权受理机关"]
            if len(row["competent_authority"]) > COMPETENT_AUTHORITY_MAX:
                bad("有权受理机关", _("at most %(n)d characters") % {"n": COMPETENT_AUTHORITY_MAX})
        if row["mode"] and not any(e.column in ("协同办理形式", "延期上限") for e in errors):
            problems = handling_errors(
                row["mode"], row.get("handling_form", ""), row.get("extension_max_days")
            )
            for name, messages in problems.items():
                column = "协同办理形式" if name == "handling_form" else "延期上限"
                for message in messages:
                    bad(column, str(message))
        if errors:
            result.errors.extend(errors)
        else:
            result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append(RowError(0, "", _("The file has no rows.")))
    return result


# ---------------------------------------------------------------- writing


def _materials_text(materials: list[dict]) -> str:
    return "\n".join(
        f"{m['name']}|{m['originals']}|{m['copies']}|{'必需' if m['required'] else '可选'}"
        + ("|容缺" if m.get("tolerance") else "")
        for m in materials
    )


def row_for(data: dict) -> list:
    """One file row from a matter's public data (selectors' `matter_data` shape)."""
    values = {
        **{name: data.get(name, "") for _label, name in ALL_COLUMNS},
        "authority_level": LEVEL_LABEL.get(data["authority_level"], ""),
        "mode": MODE_LABEL.get(data["mode"], ""),
        "materials": _materials_text(data["materials"]),
        "life_events": ",".join(data["life_events"]),
        "online": "是" if data["online"] else "否",
        "matter_type": data.get("matter_type") or "",
        "departments": ",".join(data.get("departments") or []),
        "visits": data.get("visits", 1),
        "handling_form": FORM_LABEL.get(data.get("handling_form") or "", ""),
        "extension_max_days": (
            "" if data.get("extension_max_days") is None else data["extension_max_days"]
        ),
        "issues_certificate": "是" if data.get("issues_certificate") else "否",
        "questions": "\n".join(
            f"{q['question']}|{q['answer']}" for q in data.get("questions") or []
        ),
    }
    return [values[name] for _label, name in ALL_COLUMNS]


def export_catalog(items: list[dict], fmt: str = "xlsx") -> bytes:
    """The catalog file (xlsx or csv) `parse_catalog_file` reads back unchanged."""
    return spreadsheets.table_bytes(
        [label for label, _name in ALL_COLUMNS],
        (row_for(data) for data in items),
        fmt,
        title="事项目录",
    )


CONTENT_TYPES = spreadsheets.CONTENT_TYPES
