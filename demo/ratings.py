"""Demo ratings of one center (inside its schema, after its demo cases): most closed cases
rated well, one 不满意 with its reasons, one rating added to later. Idempotent."""

from centers.cases.models import Case
from centers.cases.states import CaseStatus
from centers.ratings import services
from centers.ratings.models import Rating

WINDOW_DIMENSIONS = ("overall", "efficiency", "service", "attitude")
LEVELS = [1, 1, 2, 1, 3, 4]


def seed_center(center) -> list[Rating]:
    if Rating.objects.exists():
        return []
    closed = list(Case.objects.filter(status=CaseStatus.CLOSED).exclude(channel="online"))
    made = []
    for case, level in zip(closed, LEVELS, strict=False):
        made.append(
            services.rating_submit(
                case=case,
                point="completed",
                level=level,
                dimensions=dict.fromkeys(WINDOW_DIMENSIONS, level),
                reasons="等候时间较长，窗口只开了一个。" if level >= 4 else "",
                channel="qr" if level == 1 else "portal",
            )
        )
    if made:
        services.rating_add(rating=made[0], text="证件已收到，谢谢工作人员耐心讲解。")
    return made
