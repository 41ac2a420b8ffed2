"""A file of matters in the agreed columns, for tests."""

import csv
import io

HEADERS = [
    "事项名称", "事项编码", "事项类别", "权限层级", "办理方式", "办理主体", "办理依据", "办理条件",
    "办理程序", "法定时限", "承诺时限", "办理结果", "收费依据", "收费标准", "监督渠道", "申报材料",
    "人生事件", "是否可网办",
]  # fmt: skip


def row(code="QST-MZ-001", name="最低生活保障审核", **over) -> dict:
    values = {
        "事项名称": name,
        "事项编码": code,
        "事项类别": "民政",
        "权限层级": "区县",
        "办理方式": "上报",
        "办理主体": "沈北新区民政局（乡镇人民政府初审）",
        "办理依据": "《社会救助暂行办法》第十一条",
        "办理条件": "共同生活的家庭成员人均收入低于当地最低生活保障标准",
        "办理程序": "1.申请\n2.乡镇初审\n3.区县审批",
        "法定时限": "30",
        "承诺时限": "20",
        "办理结果": "最低生活保障证",
        "收费依据": "无",
        "收费标准": "不收费",
        "监督渠道": "监督电话：12345",
        "申报材料": "申请书|1|0|必需\n户口簿|1|1|必需",
        "人生事件": "救助",
        "是否可网办": "否",
    }
    values.update(over)
    return values


def csv_bytes(rows, *, bom=False, headers=None) -> bytes:
    headers = headers or list(rows[0].keys())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([r.get(h, "") for h in headers])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")
