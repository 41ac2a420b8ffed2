"""The demo: a 60-item published rubric, two published rounds ranking every township and
street center, one appeal answered, a 约谈 flag, a round in progress; twice gives one copy."""

import pytest

from demo import scoring as demo
from evaluation.scoring.models import (
    AppealState,
    EvidencePhoto,
    RankingEntry,
    Round,
    RoundState,
    Rubric,
    ScoreAppeal,
    ScorecardState,
)
from tenants.accounts.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city(city, district, make_center, make_user, city_admin, media_root):
    make_center("qingshuitai", code="210113105000", name="清水台镇", parent="shenbei")
    make_center("huangjia", code="210113201000", name="黄家锡伯族乡", parent="shenbei")
    make_center("hushitai", kind="street", code="210113002000", name="虎石台街道",
                parent="shenbei")  # fmt: skip
    make_center("hunnan", kind="district", code="210112000000", name="浑南区")
    make_center("taoxian", kind="street", code="210112012000", name="桃仙街道", parent="hunnan")
    make_center("lixiang", kind="street", code="210112013000", name="李相街道", parent="hunnan")
    make_user(city, "shenbei-supervisor", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    make_user(city, "shenbei-evaluator", Role.EVALUATOR, district_id=district.pk)


def test_demo(demo_city):
    demo.seed_city()
    rubric = Rubric.objects.get(name=demo.RUBRIC_NAME, version=1)
    assert rubric.items.filter(level=3).count() == 60
    assert rubric.items.filter(level=1).count() == 7
    assert str(rubric.total_points) == "100.00"
    assert Rubric.objects.filter(name=demo.RUBRIC_NAME, version=2, state="draft").exists()
    assert User.objects.get(username="hunnan-evaluator").role == Role.EVALUATOR

    published = Round.objects.filter(state=RoundState.PUBLISHED)
    assert sorted(published.values_list("name", flat=True)) == ["2026年第三季度", "2026年第二季度"]
    q3 = published.get(name="2026年第三季度")
    entries = list(q3.ranking.all())
    assert len(entries) == 5
    assert len({e.total for e in entries}) > 1  # varied scores
    appeal = ScoreAppeal.objects.get()
    assert appeal.state == AppealState.ANSWERED and appeal.adjustments
    assert any(e.flagged_for_talk for e in entries)
    assert EvidencePhoto.objects.exists()

    running = Round.objects.get(name="2026年11月")
    assert running.state == RoundState.SCORING
    states = set(running.scorecards.values_list("state", flat=True))
    assert states == {ScorecardState.DRAFT, ScorecardState.SUBMITTED}

    counts = (Rubric.objects.count(), Round.objects.count(), RankingEntry.objects.count(),
              EvidencePhoto.objects.count())  # fmt: skip
    demo.seed_city()
    assert counts == (Rubric.objects.count(), Round.objects.count(), RankingEntry.objects.count(),
                      EvidencePhoto.objects.count())  # fmt: skip
