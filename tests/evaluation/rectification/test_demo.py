"""The demo rectifications of `make run`: 差评 in each state across the demo centers, made
through the real services, once."""

import pytest
from django_tenants.utils import schema_context

from demo import rectification as demo
from evaluation.rectification.models import AppealState, RatingAppeal, Rectification, State
from tenants.accounts.models import Role
from tests.ratings.conftest import make_case

pytestmark = pytest.mark.django_db


def test_demo_states(desk, people, make_user):
    make_user(desk.center, "window1", Role.WINDOW_STAFF)
    for _ in range(12):
        make_case(desk, close=True)
    made = demo.seed_city()
    assert len(made) == len(demo.SCENARIOS)
    assert demo.seed_city() == []
    states = set(Rectification.objects.values_list("state", flat=True))
    assert states == {s.value for s in State}
    appeals = set(RatingAppeal.objects.values_list("state", flat=True))
    assert appeals == {s.value for s in AppealState}
    from django.utils import timezone

    today = timezone.localdate()
    assert any(r.overdue_on(today) for r in Rectification.objects.all())
    returned = Rectification.objects.get(events__action="return")
    assert returned.state == State.REPLIED
    with schema_context(desk.center.schema_name):
        from centers.ratings.models import Rating
        from centers.ratings.selectors import ratings_counted

        assert Rating.objects.count() == len(demo.SCENARIOS)
        assert ratings_counted().count() == len(demo.SCENARIOS) - 1
