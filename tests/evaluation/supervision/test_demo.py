"""The demo: a scan of every demo center shows the demo cases' alerts; running it again adds
nothing."""

from django_tenants.utils import schema_context

from demo import cases as cases_demo
from demo import catalog as catalog_demo
from demo import standards as standards_demo
from demo import supervision as supervision_demo
from demo import workspace as workspace_demo
from evaluation.supervision.models import Alert, AlertNotice, Flag
from tenants.accounts.models import Role


def test_demo_scan_shows_the_demo_cases_alerts_once(township, make_user, media_root):
    standards_demo.seed_city()
    make_user(township, "window1", Role.WINDOW_STAFF)
    make_user(township, "window2", Role.WINDOW_STAFF)
    make_user(township, "agent1", Role.VILLAGE_AGENT)
    with schema_context(township.schema_name):
        catalog_demo.seed_center(township)
        workspace_demo.seed_center(township)
        assert cases_demo.seed_center(township)
    results = supervision_demo.seed_city()
    assert results[township.slug]["new"]
    flags = set(Alert.objects.filter(center=township).values_list("flag", flat=True))
    assert {Flag.RED, Flag.THIRD_VISIT} <= flags
    notices = AlertNotice.objects.count()
    assert notices > 0
    again = supervision_demo.seed_city()
    assert not again[township.slug]["new"]
    assert AlertNotice.objects.count() == notices
