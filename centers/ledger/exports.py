"""The ledger's spreadsheets (xlsx, Chinese column headers): the day's ledger with its counts,
the daily fee report, and the 办理状态 history of a day range. Written through
`cityplatform.spreadsheets` (openpyxl's write-only mode, so a long history streams row by row;
text that could be a formula is stored as text)."""

from __future__ import annotations

import datetime

from cityplatform.spreadsheets import XLSX_CONTENT_TYPE, XlsxWriter

from . import selectors

CONTENT_TYPE = XLSX_CONTENT_TYPE

LEDGER_HEADERS = (
    "受理编号", "事项名称", "申请人", "窗口", "收件时间", "承诺时限(工作日)", "承诺办结日期",
    "办理状态", "承办人", "急件", "超期办结",
)  # fmt: skip
COUNT_HEADERS = (
    "窗口", "收件", "受理", "一次性告知(补正)", "不予受理", "办结", "超期办结", "在办超期",
)  # fmt: skip
FEE_HEADERS = (
    "受理编号", "事项名称", "收费项目", "金额(元)", "状态", "窗口", "缴费时间", "缴费凭证号",
)  # fmt: skip
# Waivers apart from what was collected (seed plan 3, 统一收费: a waiver rests on a policy).
WAIVER_HEADERS = (
    "受理编号", "事项名称", "收费项目", "减免金额(元)", "窗口", "减免时间", "减免原因",
    "政策依据(文号)", "条款", "审批权限", "批准人", "批准人职务", "批准文件", "登记人",
)  # fmt: skip
FEE_TOTAL_HEADERS = (
    "窗口", "已缴笔数", "已缴金额(元)", "减免笔数", "减免金额(元)", "未缴笔数", "未缴金额(元)",
)  # fmt: skip
HISTORY_HEADERS = ("受理编号", "办理状态代码", "办理状态", "时间", "办理人")

MONEY_FORMAT = "0.00"


def _yes(value: bool) -> str:
    return "是" if value else ""


def ledger_xlsx(day: datetime.date, window: int | None = None) -> tuple[bytes, int]:
    """(file, number of case rows): sheet 台帐 with the day's cases, sheet 统计 with the counts."""
    writer = XlsxWriter()
    sheet = writer.sheet("台帐", headers=LEDGER_HEADERS)
    count = 0
    for row in selectors.ledger_rows(day, window):
        count += 1
        sheet.append(
            (
                row.receipt_number, row.matter_name, row.applicant, row.window, row.received_at,
                row.promised_days, row.due_date, row.status_label, row.owner, _yes(row.urgent),
                _yes(row.closed_late),
            ),
        )  # fmt: skip
    report = selectors.day_counts(day, window)
    sheet = writer.sheet("统计", headers=COUNT_HEADERS)
    for counts in [*report.by_window, report.total]:
        sheet.append((counts.label, *(getattr(counts, name) for name in counts.FIELDS)))
    return writer.getvalue(), count


def fees_xlsx(report: selectors.FeeReport) -> bytes:
    """Sheet 收费明细 with the paid and the unpaid lines, sheet 减免明细 with the waivers apart
    (amount waived, policy basis, approver), sheet 收费汇总 with the totals."""
    writer = XlsxWriter()
    sheet = writer.sheet("收费明细", headers=FEE_HEADERS, decimal_format=MONEY_FORMAT)
    for line in report.paid + report.unpaid:
        sheet.append(
            (
                line.receipt_number, line.matter_name, line.item, line.amount, line.state_label,
                line.window, line.at, line.payment_reference,
            ),
        )  # fmt: skip
    sheet = writer.sheet("减免明细", headers=WAIVER_HEADERS, decimal_format=MONEY_FORMAT)
    for line in report.waived:
        sheet.append(
            (
                line.receipt_number, line.matter_name, line.item, line.amount, line.window,
                line.at, line.waiver_reason, line.basis_document, line.basis_article,
                line.authority, line.approver_name, line.approver_post, line.approval_reference,
                line.approver,
            ),
        )  # fmt: skip
    sheet = writer.sheet("收费汇总", headers=FEE_TOTAL_HEADERS, decimal_format=MONEY_FORMAT)
    for totals in [*report.by_window, report.total]:
        sheet.append(
            (
                totals.label, totals.paid_count, totals.paid_amount, totals.waived_count,
                totals.waived_amount, totals.unpaid_count, totals.unpaid_amount,
            ),
        )  # fmt: skip
    return writer.getvalue()


def history_xlsx(first: datetime.date, last: datetime.date) -> tuple[bytes, int]:
    """(file, number of rows): the 办理状态 history of the days `first`..`last`."""
    writer = XlsxWriter()
    sheet = writer.sheet("办理状态", headers=HISTORY_HEADERS)
    count = 0
    for row in selectors.process_history(first, last):
        count += 1
        sheet.append((row.receipt_number, row.code, row.name, row.at, row.actor))
    return writer.getvalue(), count
