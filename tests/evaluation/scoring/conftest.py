"""Fixtures of the scored evaluation tests: a small published rubric with one item of each
kind, a round in scoring with the Shenbei township assigned to its evaluator."""

import datetime

import pytest

from evaluation.scoring import services
from tenants.accounts.models import Role

RUBRIC_CSV = """编码,名称,类型,分值,评分标准,需要佐证,佐证材料,每处扣分,指标,满分值,零分值
1,场所建设,,,,,,,,,
1.1,场所面积,,,,,,,,,
1.1.1,大厅面积达标,评分,10,面积不少于200平方米,是,大厅全景照片,,,,
1.1.2,功能分区,评分,5,分区合理,否,,,,,
2,运行机制,,,,,,,,,
2.1,制度落实,,,,,,,,,
2.1.1,考勤着装,扣分,4,每发现一人次扣1分,否,,1,,,
2.1.2,办件按时办结率,自动计算,10,按时办结率98%以上满分,否,,,on_time_rate,0.98,0.80
2.1.3,平均办理时长,自动计算,5,平均时长越短越好,否,,,avg_handling_days,2,10
3,加分项,,,,,,,,,
3.1,创新与表彰,,,,,,,,,
3.1.1,获得表彰,加分项,3,市级以上表彰,否,,,,,
3.1.2,创新做法,加分项,3,被推广的创新,否,,,,,
4,一票否决项,,,,,,,,,
4.1,否决事项,,,,,,,,,
4.1.1,发生严重违纪,一票否决,0,发生即总分为零,否,,,,,
"""

PERIOD = (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))


@pytest.fixture
def evaluator(city, district, make_user):
    return make_user(city, "shenbei-eval", Role.EVALUATOR, district_id=district.pk)


@pytest.fixture
def supervisor(city, district, make_user):
    return make_user(city, "shenbei-sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk)


@pytest.fixture
def other_district(make_center):
    return make_center("hunnan", kind="district", code="210112000000", name="浑南区")


@pytest.fixture
def other_evaluator(city, other_district, make_user):
    return make_user(city, "hunnan-eval", Role.EVALUATOR, district_id=other_district.pk)


@pytest.fixture
def other_supervisor(city, other_district, make_user):
    return make_user(city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=other_district.pk)


@pytest.fixture
def rubric(city_admin):
    draft = services.rubric_import(
        actor=city_admin,
        name="乡镇便民服务中心考核细则",
        content=RUBRIC_CSV.encode(),
        filename="rubric.csv",
        bonus_cap="4",
    )
    return services.rubric_publish(actor=city_admin, rubric=draft)


@pytest.fixture
def round_(city_admin, rubric, township, other_township, evaluator):
    round_ = services.round_create(
        actor=city_admin,
        name="2026年第三季度",
        period_start=PERIOD[0],
        period_end=PERIOD[1],
        rubric=rubric,
        talk_threshold="60",
    )
    for center in (township, other_township):
        services.assignment_set(
            actor=city_admin, round=round_, center=center, evaluator=evaluator.username
        )
    return services.round_open_scoring(actor=city_admin, round=round_)


@pytest.fixture
def card(round_, township):
    return round_.scorecards.get(center=township)


@pytest.fixture
def other_card(round_, other_township):
    return round_.scorecards.get(center=other_township)


def full_scores(**overrides) -> dict:
    scores = {
        "1.1.1": {"points": "9"},
        "1.1.2": {"points": "5"},
        "2.1.1": {"fault_count": "1"},
        "3.1.1": {"points": "0"},
        "3.1.2": {"points": "0"},
        "4.1.1": {"marked": False},
    }
    scores.update(overrides)
    return scores


def png_bytes(size=(64, 48), color=(200, 30, 30), fmt="PNG") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def upload(name="photo.png", data=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data if data is not None else png_bytes(), "image/png")


def submit_ready(card, evaluator, **overrides):
    """Attach the required photo and submit with full scores."""
    services.evidence_add(actor=evaluator, scorecard=card, item_code="1.1.1", upload=upload())
    return services.scorecard_submit(
        actor=evaluator,
        scorecard=card,
        scores=full_scores(**overrides),
        site_visit_date=datetime.date(2026, 10, 12),
    )
