"""The demo data of `make run`: cases in every state in a township, overdue ones among them,
and a 上报 round trip with its district through the real exchange."""

from collections import Counter

from django_tenants.utils import schema_context

from catalog_cms.standards import demo as standards_demo
from centers.cases import demo as cases_demo
from centers.cases.models import Case
from centers.cases.selectors import deadlines_for
from centers.cases.states import CaseStatus
from centers.catalog import demo as catalog_demo
from centers.workspace import demo as workspace_demo
from tenants.accounts.models import Role


def test_demo_cases_cover_every_state_and_a_round_trip(district, township, make_user, media_root):
    standards_demo.seed_city()
    for center in (district, township):
        make_user(center, "window1", Role.WINDOW_STAFF)
        make_user(center, "window2", Role.WINDOW_STAFF)
        make_user(center, "agent1", Role.VILLAGE_AGENT)
        with schema_context(center.schema_name):
            catalog_demo.seed_center(center)
            workspace_demo.seed_center(center)
            assert cases_demo.seed_center(center)
            assert cases_demo.seed_center(center) == []  # idempotent
    assert cases_demo.seed_referrals(township, district) is True
    assert cases_demo.seed_referrals(township, district) is False

    with schema_context(township.schema_name):
        states = Counter(Case.objects.values_list("status", flat=True))
        deadlines = deadlines_for(Case.objects.all())
    assert set(states) == set(CaseStatus.values)
    assert states[CaseStatus.CLOSED] >= 6 and states[CaseStatus.REFERRED] == 1
    assert sum(d.overdue for d in deadlines.values()) >= 2
    with schema_context(district.schema_name):
        incoming = Counter(Case.objects.filter(channel="referral").values_list("status", flat=True))
    assert incoming == {CaseStatus.CLOSED: 2, CaseStatus.ACCEPTED: 1}
