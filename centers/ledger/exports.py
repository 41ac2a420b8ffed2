"""The ledger's spreadsheets (xlsx, Chinese column headers): the day's ledger with its counts,
the daily fee report, and the 办理状态 history of a day range. Written with openpyxl in
write-only mode, so a long history streams row by row."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from . import selectors

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

LEDGER_HEADERS = (
    "受理编号", "事项名称", "申请人", "窗口", "收件时间", "承诺时限(工作日)", "承诺办结日期",
    "办理状态", "承办人", "急件", "超期办结",
)  # fmt: skip
COUNT_HEADERS = (
    "窗口", "收件", "受理", "一次性告知(补正)", "不予受理", "办结", "超期办结", "在办超期",
)  # fmt: skip
FEE_HEADERS = (
    "受理编号", "事项名称", "收费项目", "金额(元)", "状态", "窗口", "缴费/减免时间", "缴费凭证号",
    "减免原因", "减免批准人",
)  # fmt: skip
FEE_TOTAL_HEADERS = (
    "窗口", "已缴笔数", "已缴金额(元)", "减免笔数", "减免金额(元)", "未缴笔数", "未缴金额(元)",
)  # fmt: skip
HISTORY_HEADERS = ("受理编号", "办理状态代码", "办理状态", "时间", "办理人")

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MONEY_FORMAT = "0.00"


def _cell(sheet, value):
    """A cell with the right number format; datetimes are written as local wall time."""
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = TIME_FORMAT
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MONEY_FORMAT
    else:
        cell = WriteOnlyCell(sheet, value=value)
    return cell


def _header(sheet, headers) -> None:
    row = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        row.append(cell)
    sheet.append(row)


def _append(sheet, values) -> None:
    sheet.append([_cell(sheet, value) for value in values])


def _bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _yes(value: bool) -> str:
    return "是" if value else ""


def ledger_xlsx(day: datetime.date, window: int | None = None) -> tuple[bytes, int]:
    """(file, number of case rows): sheet 台帐 with the day's cases, sheet 统计 with the counts."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台帐")
    _header(sheet, LEDGER_HEADERS)
    count = 0
    for row in selectors.ledger_rows(day, window):
        count += 1
        _append(
            sheet,
            (
                row.receipt_number, row.matter_name, row.applicant, row.window, row.received_at,
                row.promised_days, row.due_date, row.status_label, row.owner, _yes(row.urgent),
                _yes(row.closed_late),
            ),
        )  # fmt: skip
    report = selectors.day_counts(day, window)
    sheet = workbook.create_sheet("统计")
    _header(sheet, COUNT_HEADERS)
    for counts in [*report.by_window, report.total]:
        _append(sheet, (counts.label, *(getattr(counts, name) for name in counts.FIELDS)))
    return _bytes(workbook), count


def fees_xlsx(report: selectors.FeeReport) -> bytes:
    """Sheet 收费明细 with every line of the report, sheet 收费汇总 with the totals."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("收费明细")
    _header(sheet, FEE_HEADERS)
    for line in report.paid + report.waived + report.unpaid:
        _append(
            sheet,
            (
                line.receipt_number, line.matter_name, line.item, line.amount, line.state_label,
                line.window, line.at, line.payment_reference, line.waiver_reason, line.approver,
            ),
        )  # fmt: skip
    sheet = workbook.create_sheet("收费汇总")
    _header(sheet, FEE_TOTAL_HEADERS)
    for totals in [*report.by_window, report.total]:
        _append(
            sheet,
            (
                totals.label, totals.paid_count, totals.paid_amount, totals.waived_count,
                totals.waived_amount, totals.unpaid_count, totals.unpaid_amount,
            ),
        )  # fmt: skip
    return _bytes(workbook)


def history_xlsx(first: datetime.date, last: datetime.date) -> tuple[bytes, int]:
    """(file, number of rows): the 办理状态 history of the days `first`..`last`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("办理状态")
    _header(sheet, HISTORY_HEADERS)
    count = 0
    for row in selectors.process_history(first, last):
        count += 1
        _append(sheet, (row.receipt_number, row.code, row.name, row.at, row.actor))
    return _bytes(workbook), count
