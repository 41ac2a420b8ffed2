"""The audit log as xlsx (Chinese column headers), written row by row through
`cityplatform.spreadsheets`: what a visitor typed (a username, a user agent) is stored as text,
never as a formula."""

from __future__ import annotations

import json

from cityplatform.spreadsheets import XLSX_CONTENT_TYPE, XlsxWriter

CONTENT_TYPE = XLSX_CONTENT_TYPE
HEADERS = (
    "编号", "时间", "中心", "用户", "用户ID", "角色", "操作", "对象", "详情", "网段", "浏览器",
)  # fmt: skip


def audit_xlsx(entries) -> tuple[bytes, int]:
    """(file, number of rows)."""
    writer = XlsxWriter()
    sheet = writer.sheet("审计日志", headers=HEADERS)
    count = 0
    for entry in entries.iterator(chunk_size=2000):
        count += 1
        sheet.append(
            (
                entry.id,
                entry.at,
                entry.center.name if entry.center else entry.schema_name,
                entry.actor_username, entry.actor_id, entry.actor_role,
                entry.get_action_display(), entry.object_repr,
                json.dumps(entry.detail, ensure_ascii=False) if entry.detail else "",
                entry.ip, entry.user_agent,
            )
        )  # fmt: skip
    return writer.getvalue(), count
