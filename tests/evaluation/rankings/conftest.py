"""Published and unpublished rounds with frozen ranking rows, over two districts: 沈北新区
(清水台镇, 虎石台街道, tied) and 浑南区 (桃仙街道), and the people who may or may not
download the files."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from evaluation.scoring.models import RankingEntry, Round, RoundState, Rubric, RubricState
from tenants.accounts.models import Role


@pytest.fixture
def other_district(make_center):
    return make_center("hunnan", kind="district", code="210112000000", name="浑南区")


@pytest.fixture
def far_township(make_center, other_district):
    return make_center(
        "taoxian", kind="street", code="210112012000", name="桃仙街道", parent="hunnan"
    )


@pytest.fixture
def rubric(db):
    return Rubric.objects.create(
        name="乡镇街道政务服务中心考核细则",
        version=2,
        state=RubricState.PUBLISHED,
        bonus_cap=Decimal("5"),
        total_points=Decimal("100"),
    )


def make_round(rubric, name, *, state=RoundState.PUBLISHED, month=1, threshold=None):
    return Round.objects.create(
        name=name,
        period_start=datetime.date(2026, month, 1),
        period_end=datetime.date(2026, month, 28),
        rubric=rubric,
        state=state,
        talk_threshold=threshold,
        published_at=timezone.now() if state == RoundState.PUBLISHED else None,
    )


def sections(a, b, c):
    return {
        "1": {"title": "场所建设", "points": a, "max": "30.00"},
        "2": {"title": "运行机制", "points": b, "max": "40.00"},
        "3": {"title": "群众满意度", "points": c, "max": "30.00"},
    }


def entry(round, center, *, rank_city, rank_district, total, talk=False, vetoed=False, **kw):
    return RankingEntry.objects.create(
        round=round,
        center=center,
        district=center.parent,
        center_name=kw.pop("center_name", center.display_name),
        district_name=center.parent.display_name if center.parent else "",
        rank_city=rank_city,
        rank_district=rank_district,
        total=Decimal(total),
        bonus=Decimal("1.00"),
        sections=kw.pop("sections", sections("28.00", "35.00", "25.00")),
        vetoed=vetoed,
        flagged_for_talk=talk,
        talk_reason="2026年1月：区内末位；2026年2月：区内末位。" if talk else "",
    )


@pytest.fixture
def published(rubric, township, other_township, far_township):
    """2026年2月 published: 清水台镇 and 桃仙街道 tied first (89), 虎石台街道 third and flagged
    for 约谈; an older published round 2026年1月; a round still in review (2026年3月)."""
    older = make_round(rubric, "2026年1月", month=1)
    entry(older, township, rank_city=1, rank_district=1, total="80.00")
    feb = make_round(rubric, "2026年2月", month=2)
    entry(feb, township, rank_city=1, rank_district=1, total="89.00")
    entry(feb, far_township, rank_city=1, rank_district=1, total="89.00")
    entry(
        feb,
        other_township,
        rank_city=3,
        rank_district=2,
        total="0.00",
        talk=True,
        vetoed=True,
        sections=sections("20.00", "30.00", "21.50"),
    )
    draft = make_round(rubric, "2026年3月", state=RoundState.REVIEW, month=3)
    # A stale row of a round not published (cannot happen through the services; proves the
    # page filters by the round's state, not by the rows).
    entry(draft, township, rank_city=1, rank_district=1, total="99.00")
    return {"older": older, "round": feb, "draft": draft}


@pytest.fixture
def people(city, district, township, make_user):
    return {
        "admin": make_user(city, "city-admin", Role.CITY_ADMIN),
        "supervisor": make_user(
            city, "shenbei-sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk
        ),
        "evaluator": make_user(city, "shenbei-eval", Role.EVALUATOR, district_id=district.pk),
        "director": make_user(township, "director1", Role.CENTER_DIRECTOR),
    }
