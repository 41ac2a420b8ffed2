"""Demo feedback of one center (run inside its schema after the catalog and users): a question
answered and published on its guide, a complaint answered, a suggestion waiting. Idempotent."""

from centers.catalog.models import LocalMatter
from centers.feedback import services
from centers.feedback.models import Feedback
from tenants.accounts.models import User


def seed_center(center) -> list[Feedback]:
    if Feedback.objects.exists():
        return []
    director = User.objects.filter(username="admin").first()
    clerk = User.objects.filter(username="window1").first()
    matter = LocalMatter.objects.order_by("code").first()
    if not (director and clerk and matter):
        return []
    question = services.feedback_submit(
        kind="question",
        text=f"办理“{matter.name}”需要本人到场吗？",
        phone="13912345678",
        matter_code=matter.code,
    ).feedback
    services.feedback_reply(
        actor=clerk,
        feedback=question,
        text="材料齐全时可由村（社区）代办员代为提交，领取结果时需本人或委托人到场。",
    )
    services.question_publish_as_faq(actor=director, feedback=question)
    complaint = services.feedback_submit(
        kind="complaint",
        text="上周三下午窗口无人，等了二十分钟。",
        name="刘女士",
        phone="13812340000",
    ).feedback
    services.feedback_reply(
        actor=director,
        feedback=complaint,
        text="经核实，当日窗口人员外出培训未安排B岗顶岗，已批评教育并完善AB岗制度，向您致歉。",
    )
    suggestion = services.feedback_submit(
        kind="suggestion", text="建议在大厅增设老花镜和轮椅。"
    ).feedback
    return [question, complaint, suggestion]
