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


class HandlingForm(models.TextChoices):
    """How the departments handle a matter together (行政许可法 arts. 26, 42): 联合办理,
    统一办理 or 集中办理 have the 45-day limit with 15 more; 单独办理 has 20 with 10 more.
    A template's blank form means 联合办理 for a joint (联办) matter, 单独办理 otherwise."""

    SINGLE = "single", _("单独办理")
    JOINT = "joint", _("联合办理")
    UNIFIED = "unified", _("统一办理")
    CENTRALISED = "centralised", _("集中办理")


# 行政许可法 art. 42: 20 working days, extended by up to 10 with the approval of the head of
# the authority (本行政机关负责人); joint, unified or centralised handling (art. 26): 45, extended
# by up to 15 with the approval of the head of the people's government (本级人民政府负责人).
EXTENSION_MAX_DAYS = 10
CONCERTED_EXTENSION_MAX_DAYS = 15


def handling_form_of(mode: str, handling_form: str) -> str:
    """The effective handling form: a joint (联办) matter is 联合办理 unless it says more."""
    if handling_form:
        return handling_form
    return HandlingForm.JOINT if mode == ProcessingMode.JOINT else HandlingForm.SINGLE


def is_concerted(mode: str, handling_form: str) -> bool:
    """联合办理, 统一办理 or 集中办理 (art. 42 second paragraph)."""
    return handling_form_of(mode, handling_form) != HandlingForm.SINGLE


def extension_ceiling(mode: str, handling_form: str) -> int:
    """The law's maximum extension for the handling form (art. 42)."""
    if is_concerted(mode, handling_form):
        return CONCERTED_EXTENSION_MAX_DAYS
    return EXTENSION_MAX_DAYS


def extension_limit(mode: str, handling_form: str, extension_max_days: int | None) -> int:
    """A matter's maximum extension: what its template sets, else the law's maximum."""
    if extension_max_days is None:
        return extension_ceiling(mode, handling_form)
    return extension_max_days


def handling_errors(mode: str, handling_form: str, extension_max_days: int | None) -> dict:
    """What is wrong with a matter's handling form and extension (art. 42), by field: a joint
    matter handled 单独, or an extension above the form's maximum."""
    errors: dict[str, list] = {}
    if mode == ProcessingMode.JOINT and handling_form == HandlingForm.SINGLE:
        errors["handling_form"] = [
            _("A joint (联办) matter is handled jointly: choose 联合办理, 统一办理 or 集中办理.")
        ]
    ceiling = extension_ceiling(mode, handling_form)
    if extension_max_days is not None and extension_max_days > ceiling:
        errors["extension_max_days"] = [
            _(
                "The extension can be at most %(max)d working days for %(form)s "
                "(行政许可法 art. 42)."
            )
            % {"max": ceiling, "form": HandlingForm(handling_form_of(mode, handling_form)).label}
        ]
    return errors


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
