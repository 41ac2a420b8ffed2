"""A township (its desk, cases and staff) in 沈北新区, the district's supervisor, and a second
district with its own township and supervisor; 差评 made through the real rating_submit."""

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tests.centers.cases.conftest import at, desk  # noqa: F401
from tests.ratings.conftest import make_case


@pytest.fixture
def other_district(make_center):
    return make_center("hunnan", kind="district", code="210112000000", name="浑南区")


@pytest.fixture
def far_township(make_center, other_district):
    return make_center(
        "taoxian", kind="street", code="210112012000", name="桃仙街道", parent="hunnan"
    )


@pytest.fixture
def people(desk, city, district, other_district, make_user):  # noqa: F811
    return {
        "city_admin": make_user(city, "city-admin", Role.CITY_ADMIN),
        "supervisor": make_user(
            city, "shenbei-sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk
        ),
        "evaluator": make_user(city, "shenbei-eval", Role.EVALUATOR, district_id=district.pk),
        "far_supervisor": make_user(
            city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=other_district.pk
        ),
    }


def bad_rating(desk, *, level=4, reasons="等候时间太长", point="completed"):  # noqa: F811
    """A closed case of the desk rated 差评 through the real service."""
    from centers.ratings.services import rating_submit

    case = make_case(desk, close=True)
    with schema_context(desk.center.schema_name):
        return rating_submit(
            case=case,
            point=point,
            level=level,
            dimensions={"attitude": level},
            reasons=reasons,
            channel="tablet",
        )


def rect_of(desk, rating):  # noqa: F811
    from evaluation.rectification.models import Rectification

    return Rectification.objects.get(center=desk.center, rating_id=rating.pk)


__all__ = ["at", "bad_rating", "rect_of"]
