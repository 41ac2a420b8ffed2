"""Two districts: 沈北新区 (清水台镇, 虎石台街道) and 浑南区 (桃仙街道), a director in each
center, window staff in 清水台镇, a supervisor of each district and the city administrator; an
open campaign with three checks."""

import datetime

import pytest
from django_tenants.utils import schema_context

from evaluation.conduct import services
from tenants.accounts.models import Role
from tests.evaluation.rankings.conftest import (  # noqa: F401
    far_township,
    make_round,
    other_district,
    rubric,
)


@pytest.fixture
def people(city, district, township, other_township, far_township, make_user):  # noqa: F811
    return {
        "admin": make_user(city, "city-admin", Role.CITY_ADMIN),
        "supervisor": make_user(
            city, "shenbei-sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk
        ),
        "far_supervisor": make_user(
            city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=far_township.parent_id
        ),
        "evaluator": make_user(city, "shenbei-eval", Role.EVALUATOR, district_id=district.pk),
        "director": make_user(township, "director1", Role.CENTER_DIRECTOR),
        "clerk": make_user(township, "clerk1", Role.WINDOW_STAFF),
        "peer_director": make_user(other_township, "director1", Role.CENTER_DIRECTOR),
        "far_director": make_user(far_township, "director1", Role.CENTER_DIRECTOR),
    }


@pytest.fixture
def campaign(people):
    return services.campaign_create(
        actor=people["admin"],
        name="2026年作风建设",
        items=[("服务态度", "文明用语"), ("首问负责", ""), ("廉洁自律", "")],
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
    )


def answers(campaign, problems=None):
    """Every check fine, except {title: description} problems (owner 张三)."""
    problems = problems or {}
    return {
        item.pk: {
            "problem": item.title in problems,
            "description": problems.get(item.title, ""),
            "owner_name": "张三" if item.title in problems else "",
        }
        for item in campaign.items.all()
    }


def in_schema(schema_center, fn, **kwargs):
    with schema_context(schema_center.schema_name):
        return fn(**kwargs)


@pytest.fixture
def rubric_round(rubric):  # noqa: F811
    return make_round(rubric, "2026年2月", month=2)
