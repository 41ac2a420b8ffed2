# ruff: noqa: E501 — the rubric table reads best one item a line
"""Demo data of the scored evaluation (public schema): a published rubric of 60 items in three
levels as county rubrics for 乡镇（街道）便民服务中心 read, a draft second version, two
published rounds (2026年第二季度, 2026年第三季度) in which every township and street center is
scored by its district's evaluator (one appeal answered, a center flagged for 约谈), and a
round in progress (2026年11月: some scorecards submitted, some drafts). Everything goes
through the services. Idempotent: what exists is kept."""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image, ImageDraw

from demo.city import staff_ensure
from evaluation.scoring import services
from evaluation.scoring.models import ItemKind, Round, Rubric, RubricState, Scorecard
from evaluation.scoring.tabular import COLUMNS
from tenants.accounts.models import Role, User
from tenants.models import Center

RUBRIC_NAME = "乡镇（街道）便民服务中心考核评分细则"
BONUS_CAP = "5"
HUNNAN_EVALUATOR = ("hunnan-evaluator", "周", "敏", "hunnan")
EVALUATORS = {"shenbei": "shenbei-evaluator", "hunnan": "hunnan-evaluator"}

# (code, title, kind, points, guidance, evidence hint, per fault, metric, full_at, zero_at)
# Sections and groups carry only code and title.
S, G = "section", "group"
M, A, D, B, V = "评分", "自动计算", "扣分", "加分项", "一票否决"
RUBRIC = [
    ("1", "场所建设", S),
    ("1.1", "场所面积与功能布局", G),
    ("1.1.1", "服务大厅面积达标", M, 3, "乡镇服务大厅使用面积不少于200平方米、街道不少于300平方米；不达标不得分。", "大厅全景照片"),
    ("1.1.2", "功能分区合理", M, 2, "设置咨询导办区、窗口办理区、自助服务区、等候休息区，每缺一区扣0.5分。", "各功能区照片"),
    ("1.1.3", "无障碍设施", M, 1, "设置无障碍通道、无障碍卫生间和低位服务台，缺一项扣0.5分。"),
    ("1.1.4", "母婴室与休息区", M, 1, "设置母婴室或母婴护理台、休息座椅，满足群众等候需要。"),
    ("1.1.5", "停车与出行便利", M, 1, "设有停车位或便民停车引导，标识清晰。"),
    ("1.2", "标识标牌", G),
    ("1.2.1", "统一门头标识", M, 2, "按全市统一标准设置“XX镇（街道）便民服务中心”门头标识。", "门头照片"),
    ("1.2.2", "窗口标识与岗位牌", D, 2, "每个窗口设置窗口名称、业务范围和工作人员岗位牌，每缺一处扣0.5分。", "", 0.5),
    ("1.2.3", "办事指南公开", M, 1, "大厅显著位置放置或展示进驻事项办事指南，内容与网上一致。"),
    ("1.2.4", "监督公示栏", M, 1, "公示工作人员信息、服务承诺、监督投诉电话。", "公示栏照片"),
    ("1.3", "设施设备", G),
    ("1.3.1", "自助服务终端", M, 2, "配备自助服务终端并正常使用，可查询、打印、申报。", "自助区照片"),
    ("1.3.2", "叫号与评价系统", M, 1, "排队叫号、评价器运行正常，每个窗口配备评价器。"),
    ("1.3.3", "便民服务设施", M, 1, "提供饮水、老花镜、雨具、复印、充电等便民设施。"),
    ("1.3.4", "电子显示屏", M, 1, "显示屏滚动公开办事指南、窗口信息、办件结果。"),
    ("1.3.5", "消防与安全", M, 1, "消防设施完好，安全通道畅通，有应急预案。"),
    ("2", "运行机制", S),
    ("2.1", "窗口设置与人员", G),
    ("2.1.1", "综合窗口设置", M, 2, "推行“一窗受理、集成服务”，设置综合受理窗口。"),
    ("2.1.2", "AB岗制度", M, 2, "每个岗位明确A、B角，A岗不在时B岗到岗履职，有书面安排。", "AB岗安排表"),
    ("2.1.3", "人员配备", M, 2, "每个窗口至少配备1名专职工作人员，人员相对稳定。"),
    ("2.1.4", "业务培训", M, 2, "每季度至少组织一次业务和礼仪培训，有记录。", "培训签到及记录"),
    ("2.2", "服务制度落实", G),
    ("2.2.1", "首问负责制", M, 2, "首问人员对群众咨询、办事负责到底，不推诿。"),
    ("2.2.2", "限时办结制", M, 2, "按承诺时限办结，不得无故拖延。"),
    ("2.2.3", "一次性告知制", M, 2, "材料不全的一次性书面告知需补正的全部内容。"),
    ("2.2.4", "服务承诺制", M, 1, "公开服务承诺并兑现。"),
    ("2.2.5", "延时与预约服务", M, 1, "提供午间、节假日延时服务或预约服务。"),
    ("2.2.6", "帮办代办服务", M, 2, "为老年人、残疾人等特殊群体提供帮办代办。"),
    ("2.2.7", "节假日值班", M, 1, "节假日安排值班，值班表公开。"),
    ("2.2.8", "容缺受理", M, 1, "对次要材料欠缺的事项实行容缺受理，有制度有记录。"),
    ("2.3", "工作纪律", G),
    ("2.3.1", "考勤管理", D, 3, "抽查发现迟到、早退、无故脱岗，每人次扣0.5分。", "", 0.5),
    ("2.3.2", "着装与胸牌", D, 2, "工作人员统一着装、佩戴胸牌，每发现一人次不规范扣0.5分。", "", 0.5),
    ("2.3.3", "文明用语", D, 2, "使用文明礼貌用语，发现生硬、顶撞群众每次扣0.5分。", "", 0.5),
    ("2.3.4", "窗口秩序", D, 2, "工作时间串岗、玩手机、做与工作无关的事，每次扣0.5分。", "", 0.5),
    ("2.3.5", "台账管理", M, 1, "收件、办件、咨询台账完整规范。", "台账照片"),
    ("3", "监督管理", S),
    ("3.1", "办件质量", G),
    ("3.1.1", "办件按时办结率", A, 5, "按时办结率98%以上得满分，85%以下不得分，之间按比例计分。", "", None, "on_time_rate", 0.98, 0.85),
    ("3.1.2", "一次办结率", A, 3, "一次办结率90%以上得满分，60%以下不得分。", "", None, "one_visit_rate", 0.90, 0.60),
    ("3.1.3", "平均办理时长", A, 2, "平均办理3个工作日以内得满分，12个工作日以上不得分。", "", None, "avg_handling_days", 3, 12),
    ("3.1.4", "超期未办结件", A, 2, "期末无超期未办结件得满分，5件以上不得分。", "", None, "overdue_open", 0, 5),
    ("3.2", "投诉与监督", G),
    ("3.2.1", "投诉按时办理率", A, 3, "投诉全部按时答复得满分，70%以下不得分。", "", None, "complaints_in_time_rate", 1.0, 0.70),
    ("3.2.2", "投诉处理记录", M, 2, "投诉受理、调查、答复、回访记录完整。", "投诉处理记录"),
    ("3.2.3", "电子监察预警处置", M, 2, "黄牌、红牌预警件及时处置并说明原因。"),
    ("3.2.4", "意见箱与监督电话", M, 1, "设置意见箱、公开监督电话，定期开箱并处理。"),
    ("4", "电子政务", S),
    ("4.1", "网上办事", G),
    ("4.1.1", "事项网上可办率", M, 3, "进驻事项网上可办率达到90%以上得满分。"),
    ("4.1.2", "办事指南准确完整", D, 3, "抽查办事指南，要素缺失或与实际不符每项扣0.5分。", "", 0.5),
    ("4.1.3", "网上申请及时受理", M, 2, "网上申请在1个工作日内受理或告知。"),
    ("4.2", "平台应用", G),
    ("4.2.1", "办件信息录入", D, 3, "办件信息录入不及时、不完整，每件扣0.5分。", "", 0.5),
    ("4.2.2", "电子证照应用", M, 2, "办件中应用电子证照，减少纸质材料。"),
    ("4.2.3", "政务公开更新", M, 1, "门户网站中心栏目信息及时更新。"),
    ("4.2.4", "数据与信息安全", M, 1, "落实账号管理和数据安全制度，无泄露事件。"),
    ("5", "群众满意度", S),
    ("5.1", "好差评", G),
    ("5.1.1", "好评率", A, 4, "好评率99%以上得满分，90%以下不得分。", "", None, "good_rate", 0.99, 0.90),
    ("5.1.2", "主动评价好评率", A, 2, "主动评价好评率98%以上得满分，85%以下不得分。", "", None, "proactive_good_rate", 0.98, 0.85),
    ("5.1.3", "未评价率", A, 2, "未评价率10%以下得满分，50%以上不得分。", "", None, "unrated_rate", 0.10, 0.50),
    ("5.1.4", "差评整改", M, 2, "差评件按期回访整改，整改率100%。", "整改报告"),
    ("5.2", "满意度测评", G),
    ("5.2.1", "群众满意率测评", M, 3, "第三方或问卷测评满意率95%以上得满分。"),
    ("5.2.2", "回访工作", M, 2, "按比例对办件群众开展电话回访，有记录。"),
    ("6", "加分项", S),
    ("6.1", "创新与表彰", G),
    ("6.1.1", "创新做法被上级推广", B, 2, "服务创新做法被市级以上推广的加2分。", "推广文件"),
    ("6.1.2", "获得市级以上表彰", B, 2, "中心或工作人员获得市级以上表彰的加2分。", "表彰文件或证书"),
    ("6.1.3", "经验材料被采用", B, 1, "经验信息被市级以上部门采用的加1分。"),
    ("6.1.4", "群众表扬", B, 1, "收到群众锦旗、表扬信的加1分。"),
    ("6.2", "试点任务", G),
    ("6.2.1", "承担改革试点", B, 1, "承担上级改革试点任务并完成的加1分。"),
    ("7", "一票否决项", S),
    ("7.1", "否决事项", G),
    ("7.1.1", "发生严重违法违纪", V, 0, "工作人员发生严重违法违纪行为的，总分计零分。"),
    ("7.1.2", "恶劣影响服务事件", V, 0, "发生造成恶劣社会影响的服务事件的，总分计零分。"),
    ("7.1.3", "弄虚作假", V, 0, "考核中弄虚作假的，总分计零分。"),
]  # fmt: skip

# How well each center does (0..1): the ranking the demo shows.
QUALITY = {
    "qingshuitai": 0.93,
    "hushitai": 0.88,
    "huangjia": 0.74,
    "taoxian": 0.90,
    "lixiang": 0.78,
}
ROUNDS = [
    # name, start, end, site visit, threshold
    ("2026年第二季度", datetime.date(2026, 4, 1), datetime.date(2026, 6, 30),
     datetime.date(2026, 7, 10), "80"),
    ("2026年第三季度", datetime.date(2026, 7, 1), datetime.date(2026, 9, 30),
     datetime.date(2026, 10, 13), "80"),
]  # fmt: skip
IN_PROGRESS = ("2026年11月", datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def rubric_csv() -> bytes:
    headers = [label for label, _name in COLUMNS]
    lines = [",".join(headers)]
    for row in RUBRIC:
        code, title = row[0], row[1]
        if row[2] in (S, G):
            lines.append(",".join([code, title] + [""] * (len(headers) - 2)))
            continue
        kind, points, guidance = row[2], row[3], row[4]
        hint = row[5] if len(row) > 5 else ""
        per = row[6] if len(row) > 6 and row[6] is not None else ""
        metric, full, zero = row[7:10] if len(row) > 7 else ("", "", "")
        cells = [
            code, title, kind, str(points), guidance, "是" if hint else "否", hint, str(per),
            metric, str(full), str(zero),
        ]  # fmt: skip
        lines.append(",".join(cell.replace(",", "，") for cell in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _photo(seed: str) -> ContentFile:
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (rng.randrange(150, 230),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 560), rng.randrange(0, 400)
        color = tuple(rng.randrange(40, 220) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(40, 200), y + rng.randrange(30, 160)], fill=color)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name=f"{seed}.jpg")


def _scores(card: Scorecard, quality: float, seed: str) -> tuple[dict, dict]:
    """Varied, repeatable scores and the evidence photos they need."""
    rng = random.Random(seed)
    scores, photos = {}, {}
    for item in card.round.rubric.items.filter(level=3):
        code = item.code
        if item.kind in (ItemKind.MANUAL, ItemKind.BONUS):
            if item.kind == ItemKind.BONUS:
                given = rng.random() < quality - 0.55
                points = item.max_points if given else 0
            else:
                share = min(1.0, max(0.0, rng.gauss(quality, 0.12)))
                points = round(float(item.max_points) * share * 2) / 2
            scores[code] = {"points": str(points)}
            if points and quality < 0.8 and rng.random() < 0.3:
                scores[code]["comment"] = "现场检查发现不足，已当场指出。"
        elif item.kind == ItemKind.DEDUCTION:
            faults = max(0, int(rng.gauss((1 - quality) * 4, 1)))
            faults = min(faults, int(item.max_points / item.points_per_fault))
            scores[code] = {"fault_count": str(faults)}
            if faults:
                scores[code]["comment"] = f"现场抽查发现{faults}处问题。"
        elif item.kind == ItemKind.VETO:
            scores[code] = {"marked": False}
        given = item.kind != ItemKind.BONUS or float(scores[code]["points"]) > 0
        if item.evidence_required and given:
            photos[code] = [_photo(f"{seed}-{code}")]
    return scores, photos


def _visit(date: datetime.date) -> datetime.date:
    return min(date, timezone.localdate())


def _evaluator_ensure() -> None:
    username, last, first, district = HUNNAN_EVALUATOR
    if not User.objects.filter(username=username).exists():
        district_id = Center.objects.get(slug=district).pk
        staff_ensure(username, Role.EVALUATOR, last, first, district_id=district_id)


def _rubric(admin) -> Rubric:
    published = Rubric.objects.filter(name=RUBRIC_NAME, state=RubricState.PUBLISHED).first()
    if published:
        return published
    draft = services.rubric_import(
        actor=admin,
        name=RUBRIC_NAME,
        content=rubric_csv(),
        filename="rubric.csv",
        bonus_cap=BONUS_CAP,
        description="依据市政务服务标准化建设要求，总分100分，加分项最多加5分。",
    )
    return services.rubric_publish(actor=admin, rubric=draft)


def _centers():
    return list(
        Center.objects.centers()
        .filter(kind__in=services.SCORED_KINDS, status="active", parent__slug__in=EVALUATORS)
        .select_related("parent")
        .order_by("parent__slug", "slug")
    )


def _evaluators() -> dict:
    return {slug: User.objects.get(username=name) for slug, name in EVALUATORS.items()}


def _open_round(admin, name, start, end, rubric, threshold=None) -> Round:
    round = services.round_create(
        actor=admin,
        name=name,
        period_start=start,
        period_end=end,
        rubric=rubric,
        talk_threshold=threshold,
    )
    for center in _centers():
        services.assignment_set(
            actor=admin, round=round, center=center, evaluator=EVALUATORS[center.parent.slug]
        )
    return services.round_open_scoring(actor=admin, round=round)


def _published_round(admin, rubric, name, start, end, visit, threshold) -> None:
    round = _open_round(admin, name, start, end, rubric, threshold)
    evaluators = _evaluators()
    for card in round.scorecards.select_related("center__parent", "round__rubric"):
        scores, photos = _scores(
            card, QUALITY.get(card.center.slug, 0.8), f"{name}-{card.center.slug}"
        )
        services.scorecard_submit(
            actor=evaluators[card.center.parent.slug],
            scorecard=card,
            scores=scores,
            photos=photos,
            site_visit_date=_visit(visit),
            comment="中心运行规范，台账齐全。" if QUALITY.get(card.center.slug, 0) > 0.85
            else "部分制度落实不到位，需限期整改。",
        )  # fmt: skip
    round = services.round_open_appeals(actor=admin, round=round)
    if name == "2026年第三季度":
        _appeal(round)
    round = services.round_start_review(actor=admin, round=round)
    round = services.round_lock(actor=admin, round=round)
    services.round_publish(actor=admin, round=round)


def _appeal(round: Round) -> None:
    """虎石台街道 appeals its hall-area score; the Shenbei supervisor raises it."""
    card = round.scorecards.filter(center__slug="hushitai").first()
    if card is None:
        return
    with schema_context(card.center.schema_name):
        director = User.objects.get(role=Role.CENTER_DIRECTOR, username="admin")
        appeal = services.appeal_file(
            actor=director,
            scorecard=card,
            reasons="服务大厅扩建已于9月完成，使用面积达到320平方米，"
            "考核时按旧平面图计算面积，请予复核。附扩建验收单。",
        )
    supervisor = User.objects.get(username="shenbei-supervisor")
    item = card.round.rubric.items.get(code="1.1.1")
    services.appeal_answer(
        actor=supervisor,
        appeal=appeal,
        answer="经现场复核，大厅扩建后面积达标，该项改为满分。",
        changes={"1.1.1": {"points": str(item.max_points), "reason": "复测使用面积320平方米"}},
    )


def _round_in_progress(admin, rubric) -> None:
    name, start, end = IN_PROGRESS
    round = _open_round(admin, name, start, end, rubric, "80")
    evaluators = _evaluators()
    cards = list(round.scorecards.select_related("center__parent", "round__rubric"))
    for index, card in enumerate(cards):
        evaluator = evaluators[card.center.parent.slug]
        scores, photos = _scores(
            card, QUALITY.get(card.center.slug, 0.8), f"{name}-{card.center.slug}"
        )
        if index % 3 == 0:
            services.scorecard_submit(
                actor=evaluator, scorecard=card, scores=scores, photos=photos,
                site_visit_date=_visit(datetime.date(2026, 11, 18)),
                comment="本月抽查情况良好。",
            )  # fmt: skip
        elif index % 3 == 1:
            half = dict(list(scores.items())[: len(scores) // 2])
            services.scorecard_save_draft(
                actor=evaluator, scorecard=card, scores=half,
                photos={code: files for code, files in photos.items() if code in half},
                site_visit_date=_visit(datetime.date(2026, 11, 20)),
            )  # fmt: skip
        # else: not started yet


def seed_city() -> None:
    """Called by seed_demo in the public schema, after the centers and city users exist."""
    admin = User.objects.filter(role=Role.CITY_ADMIN, username="city-admin").first()
    if admin is None or not _centers():
        return
    with transaction.atomic():
        _evaluator_ensure()
        rubric = _rubric(admin)
        if not Rubric.objects.filter(name=RUBRIC_NAME, version__gt=rubric.version).exists():
            services.rubric_new_version(actor=admin, rubric=rubric)
    for name, start, end, visit, threshold in ROUNDS:
        if not Round.objects.filter(name=name).exists():
            with transaction.atomic():
                _published_round(admin, rubric, name, start, end, visit, threshold)
    if not Round.objects.filter(name=IN_PROGRESS[0]).exists():
        with transaction.atomic():
            _round_in_progress(admin, rubric)
