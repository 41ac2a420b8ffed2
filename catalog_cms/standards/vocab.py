"""The official vocabularies of matters (事项), shared by the city's templates and every
center's local catalog. Values are stable codes; labels are the official Chinese terms."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatterType(models.TextChoices):
    """GB/T 39046 A.1 matter types, with the national codes as values."""

    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    ENFORCEMENT = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER = "10", _("其他")
    PUBLIC_SERVICE = "20", _("公共服务")


class AuthorityLevel(models.TextChoices):
    TOWNSHIP = "township", _("乡镇")
    DISTRICT = "district", _("区县")
    CITY = "city", _("市")


AUTHORITY_RANK = {AuthorityLevel.TOWNSHIP: 1, AuthorityLevel.DISTRICT: 2, AuthorityLevel.CITY: 3}


class ProcessingMode(models.TextChoices):
    IMMEDIATE = "immediate", _("即办")
    PROMISED = "promised", _("承诺")
    JOINT = "joint", _("联办")
    REPORT = "report", _("上报")


class CenterRule(models.TextChoices):
    """The rules every center keeps (seed plan 5 二(四))."""

    FIRST_INQUIRY = "first_inquiry", _("首问负责")
    TIME_LIMIT = "time_limit", _("限时办结")
    ACCOUNTABILITY = "accountability", _("责任追究")
    EFFICIENCY_REVIEW = "efficiency_review", _("效能评估")
    COMPLAINTS = "complaints", _("投诉举报")
    AB_POSTS = "ab_posts", _("AB岗")
    HOLIDAY_DUTY = "holiday_duty", _("节假日值班")
    ATTENDANCE = "attendance", _("考勤")
    TRAINING = "training", _("岗前培训")


# The nine public elements (九项内容) of every guide: (field name, label).
NINE_ELEMENTS = (
    ("handling_body", _("办理主体")),
    ("legal_basis", _("办理依据")),
    ("conditions", _("办理条件")),
    ("procedure", _("办理程序")),
    ("time_limit_text", _("办理时限")),
    ("result", _("办理结果")),
    ("fee_basis", _("收费依据")),
    ("fee_standard", _("收费标准")),
    ("supervision", _("监督渠道")),
)
