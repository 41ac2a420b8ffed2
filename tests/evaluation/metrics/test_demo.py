"""The demo history: real snapshots from a center's first case, synthesized plausible ones
before it, DEMO_DAYS in all, the same rows and figures on a second run."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def test_seed_city_is_plausible_and_idempotent(desk, district):
    from centers.cases import services
    from demo import metrics as demo
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.metrics.selectors import period_figures

    today = timezone.localdate()
    first = today - datetime.timedelta(days=20)
    with schema_context(desk.center.schema_name):
        services.case_intake(
            actor=desk.clerk,
            intake=services.Intake(
                matter=desk.matter, applicant=desk.applicant(), window=desk.window,
                owner=desk.clerk, materials=desk.received(),
            ),
            now=datetime.datetime.combine(first, datetime.time(10), tzinfo=SHANGHAI),
        )  # fmt: skip
    demo.seed_city()
    rows = CenterDailySnapshot.objects.filter(center=desk.center)
    assert rows.count() == demo.DEMO_DAYS
    assert CenterDailySnapshot.objects.filter(center=district).count() == demo.DEMO_DAYS
    # the real part: the case's day as computed from the schema
    real = rows.get(day=first)
    assert (real.received, real.accepted, real.open_cases) == (1, 1, 1)
    assert rows.filter(day__gt=first).exclude(received=0).count() == 0
    before = {
        (r["center_id"], r["day"]): r
        for r in CenterDailySnapshot.objects.values().order_by()
    }  # fmt: skip

    start = today - datetime.timedelta(days=demo.DEMO_DAYS - 1)
    for center in (desk.center, district):
        figures = period_figures([center.pk], start, first - datetime.timedelta(days=1))[center.pk]
        assert figures["received"] > 0
        assert 0.9 <= figures["on_time_rate"] <= 1.0
        assert 0.95 <= figures["good_rate"] <= 0.999
        assert figures["unrated_rate"] < 0.5

    demo.seed_city()
    after = {
        (r["center_id"], r["day"]): r
        for r in CenterDailySnapshot.objects.values().order_by()
    }  # fmt: skip
    assert after.keys() == before.keys()
    for key, row in after.items():
        assert {k: v for k, v in row.items() if k != "computed_at"} == {
            k: v for k, v in before[key].items() if k != "computed_at"
        }


def test_snapshots_store_refuses_bad_figures(township):
    from demo.metrics import snapshots_store
    from evaluation.metrics.models import CenterDailySnapshot

    today = timezone.localdate()
    for bad in (
        {today: {"received": -1}},
        {today: {"nonsense": 3}},
        {today + datetime.timedelta(days=3): {"received": 1}},
    ):
        with pytest.raises(ValidationError):
            snapshots_store(township, bad)
    assert not CenterDailySnapshot.objects.exists()
