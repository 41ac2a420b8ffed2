"""Demo notices (公示公告) for a center's portal and news for the city's: a few published
ones and, on a center, one written by window staff still waiting for the director's
approval in the moderation workflow. Idempotent: a site whose index has notices is left."""

from __future__ import annotations

import datetime

from django.utils import timezone

from portal.models import NoticeCategory, NoticePage
from portal.notices import notices_setup
from tenants.accounts.models import Role, User


def _center_notices(name: str) -> list[tuple[str, str, int, str, str]]:
    """(category, title, days ago, summary, body) for a center called `name`."""
    return [
        (
            NoticeCategory.NOTICE,
            f"{name}关于元旦假期办公时间安排的公告",
            2,
            "元旦假期期间大厅暂停对外办公，节后第一个工作日恢复正常。",
            "<p>根据国务院办公厅关于部分节假日安排的通知，元旦放假期间本中心暂停对外办公，"
            "节后第一个工作日起恢复正常办公。假期内可通过本门户查询办件进度、在线申报和预约。"
            "</p><p>急需办理的，请拨打中心电话咨询。</p>",
        ),
        (
            NoticeCategory.PUBLICITY,
            f"{name}政务服务事项目录公示",
            9,
            "本中心可办理的政务服务事项及办事指南已在本门户公开，欢迎监督。",
            "<p>按照政务服务事项标准化要求，本中心进驻事项的名称、设定依据、办理条件、"
            "申请材料、办理时限和收费标准已全部在“办事指南”中公开。</p>"
            "<p>公示期间如有意见，请通过“投诉咨询”栏目或监督电话反映。</p>",
        ),
        (
            NoticeCategory.POLICY,
            "政策解读：城乡居民医疗保险参保缴费",
            20,
            "城乡居民医保参保缴费的时间、标准和办理渠道。",
            "<p>城乡居民基本医疗保险实行年度缴费，集中缴费期一般为每年9月至12月。"
            "新生儿、新迁入人员等可随时参保。</p>"
            "<p>可在本中心医保窗口或村（社区）便民服务站办理参保登记。</p>",
        ),
    ]


CITY_NOTICES = [
    (
        NoticeCategory.NEWS,
        "全市乡镇（街道）政务服务中心标准化建设推进会召开",
        3,
        "会议部署了中心场所建设、事项标准化和好差评工作。",
        "<p>会议要求各乡镇（街道）政务服务中心对照市级建设标准，完善功能分区、"
        "窗口设置和事项办事指南，全面落实一次性告知、首问负责和限时办结制度。</p>",
    ),
    (
        NoticeCategory.NOTICE,
        "关于公布政务服务投诉监督渠道的公告",
        12,
        "12345政务服务便民热线及各中心监督电话。",
        "<p>群众可通过12345政务服务便民热线、各中心监督电话和门户“投诉咨询”栏目"
        "反映政务服务中的问题，有关部门将按规定时限答复。</p>",
    ),
]


def _add(index, category, title, days_ago, summary, body, *, user=None, publish=True):
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    number = NoticePage.objects.child_of(index).count() + 1
    notice = NoticePage(
        title=title,
        slug=f"{day:%Y%m%d}-{number}",
        category=category,
        notice_date=day,
        summary=summary,
        body=body,
        live=False,
        owner=user,
    )
    index.add_child(instance=notice)
    revision = notice.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    else:
        workflow = notice.get_workflow()
        if workflow is not None:
            workflow.start(notice, user)
    return notice


def seed_center(center) -> int:
    """Three published notices and one waiting for approval; returns how many were made."""
    index = notices_setup()
    if index is None or NoticePage.objects.child_of(index).exists():
        return 0
    director = User.objects.filter(role=Role.CENTER_DIRECTOR).order_by("pk").first()
    clerk = User.objects.filter(role=Role.WINDOW_STAFF).order_by("pk").first()
    made = 0
    for entry in reversed(_center_notices(center.display_name)):
        _add(index, *entry, user=director)
        made += 1
    if clerk is not None:
        _add(
            index,
            NoticeCategory.NOTICE,
            f"{center.display_name}关于延长周六便民服务时间的公告（待审核）",
            0,
            "拟于每周六上午增设综合窗口，方便上班族办事。",
            "<p>为方便工作日不便前来的群众，本中心拟于每周六上午9:00—12:00开放综合窗口。</p>",
            user=clerk,
            publish=False,
        )
        made += 1
    return made


def seed_city() -> int:
    """The city's news and notices (run in the public schema)."""
    index = notices_setup()
    if index is None or NoticePage.objects.child_of(index).exists():
        return 0
    admin = User.objects.filter(role=Role.CITY_ADMIN).order_by("pk").first()
    for entry in reversed(CITY_NOTICES):
        _add(index, *entry, user=admin)
    return len(CITY_NOTICES)
