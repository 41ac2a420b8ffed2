"""The demo campaign: tied to the newest published round, self-evaluations of every ranked
center, peer evaluations around each district, problems turned into rectification items;
nothing without a published round; twice keeps one copy."""

import pytest

from demo import conduct as demo
from evaluation.conduct.models import Campaign, Evaluation, EvaluationKind, Finding
from evaluation.rectification.models import Rectification
from evaluation.scoring.models import RoundState
from tests.evaluation.rankings.conftest import entry, make_round

pytestmark = pytest.mark.django_db


def test_nothing_without_a_published_round(people, rubric):
    make_round(rubric, "2026年11月", state=RoundState.SCORING)
    demo.seed_city()
    assert not Campaign.objects.exists()


def test_demo_campaign(people, rubric, township, other_township, far_township):
    round = make_round(rubric, "2026年第三季度", month=9)
    for n, center in enumerate((township, other_township, far_township), start=1):
        entry(round, center, rank_city=n, rank_district=1, total=str(90 - n))
    demo.seed_city()
    demo.seed_city()
    campaign = Campaign.objects.get()
    assert campaign.round == round and campaign.items.count() == 6
    kinds = sorted(Evaluation.objects.values_list("kind", "center__slug", "evaluator_center__slug"))
    assert kinds == [
        (EvaluationKind.PEER, "hushitai", "qingshuitai"),
        (EvaluationKind.PEER, "qingshuitai", "hushitai"),
        (EvaluationKind.SELF, "hushitai", "hushitai"),
        (EvaluationKind.SELF, "qingshuitai", "qingshuitai"),
        (EvaluationKind.SELF, "taoxian", "taoxian"),
    ]
    assert all(e.is_submitted for e in Evaluation.objects.all())
    problems = Finding.objects.filter(problem=True)
    assert problems.count() == 3
    assert Rectification.objects.filter(finding_origin__in=("self", "peer")).count() == 3
    assert set(problems.values_list("rectification__center__slug", flat=True)) == {
        "qingshuitai",
        "taoxian",
    }
