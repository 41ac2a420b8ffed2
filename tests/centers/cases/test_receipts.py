"""Receipt numbers unique across the city (issue 15): a new receipt carries the center's
12-digit division code (统计用区划代码) before the date and the day's counter, so a district,
the city and a provincial exchange can tell two centers' cases apart; receipts printed before
(date + counter) stay valid where they were printed, and the progress lookup accepts both."""

import pytest
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import Desk, at

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _intake(desk, day="2026-03-10"):
    from centers.cases import services

    intake = services.Intake(
        matter=desk.matter,
        applicant=desk.applicant(phone=PHONE),
        window=desk.window,
        owner=desk.clerk,
        materials=desk.received(),
    )
    with schema_context(desk.center.schema_name):
        return services.case_intake(actor=desk.clerk, intake=intake, now=at(day))


@pytest.fixture
def other_desk(other_township, make_user, media_root):
    return Desk(other_township, make_user)


def test_receipts_of_two_centers_never_collide(desk, other_desk):
    """The same day's first case in two townships: the counters both start at 1, the receipts
    differ by the division code that leads them."""
    first = _intake(desk)
    other = _intake(other_desk)
    assert first.receipt_number == "210113105000" + "20260310" + "00001"
    assert other.receipt_number == "210113002000" + "20260310" + "00001"
    second = _intake(desk)
    assert second.receipt_number == "210113105000" + "20260310" + "00002"


def test_progress_lookup_accepts_old_and_new_receipts(desk):
    """A receipt printed before the division code was added is still found, and a new one is
    found as printed or with the spaces a reader adds."""
    from centers.cases import progress
    from centers.cases.models import Case

    new = _intake(desk)
    old = _intake(desk)
    with schema_context(desk.center.schema_name):
        Case.objects.filter(pk=old.pk).update(receipt_number="2026031000002")
        assert progress.progress_lookup("2026031000002", PHONE[-4:])["receipt_number"] == (
            "2026031000002"
        )
        spaced = f"{new.receipt_number[:12]} {new.receipt_number[12:20]} {new.receipt_number[20:]}"
        found = progress.progress_lookup(spaced, PHONE[-4:])
        assert found["receipt_number"] == new.receipt_number


def test_desk_search_from_the_date_finds_new_receipts(desk):
    """A clerk who types a receipt from its date on (as the older receipts were) still finds
    the case; the full receipt finds it too."""
    from centers.cases import selectors

    case = _intake(desk)
    with schema_context(desk.center.schema_name):
        for query in (case.receipt_number, case.receipt_number[12:], "20260310"):
            found = selectors.cases_filtered(selectors.CaseFilters(query=query))
            assert [c.pk for c in found] == [case.pk], query
