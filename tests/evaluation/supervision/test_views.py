"""The supervision lists and summary: a center's own alerts on its domain, the city's and each
district's on the city domain, scoped (district A sees nothing of district B; a center's user
sees only its center; another center's user and anonymous users are refused), filters, keyset
pages, the summary without ID number or phone, and the notices on the home page."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from centers.cases import services
from centers.cases.services import Intake, Outcome
from evaluation.supervision.models import Alert, AlertNotice, Flag
from evaluation.supervision.services import supervision_scan
from tenants.accounts.models import Role
from tests.centers.cases.conftest import PERSON_ID, at, login

PHONE = "13812345678"


@pytest.fixture
def world(desk, make_center, make_user, city, other_township):
    """A red alert from a real case in the township (district 沈北), and an alert in a
    township of another district (浑南), written as the scan writes it."""
    hunnan = make_center("hunnan", kind="district", code="210112000000", name="浑南区")
    far = make_center(
        "hunnan-t", kind="township", code="210112100000", name="浑南测镇", parent="hunnan"
    )
    with schema_context(desk.center.schema_name):
        case = services.case_intake(
            actor=desk.clerk,
            intake=Intake(
                matter=desk.matter, applicant=desk.applicant(), outcome=Outcome.ACCEPT,
                materials=desk.received(), window=desk.window,
            ),
            now=at("2026-11-02"),
        )  # fmt: skip
        supervision_scan(desk.center, datetime.date(2026, 11, 10), now=at("2026-11-10", 11))
    far_alert = Alert.objects.create(
        center=far, district=hunnan, case_id=1, flag=Flag.RED, receipt_number="FAR-0001",
        matter_name="远方事项", case_kind="promised", case_status="accepted",
        received_on=datetime.date(2026, 11, 2), due_date=datetime.date(2026, 11, 9),
        applicant_masked="王*", raised_at=timezone.now(),
    )  # fmt: skip
    make_user(city, "city-admin", Role.CITY_ADMIN)
    make_user(city, "sup-a", Role.DISTRICT_SUPERVISOR, district_id=desk.center.parent_id)
    make_user(city, "eval-a", Role.EVALUATOR, district_id=desk.center.parent_id)
    make_user(city, "sup-b", Role.DISTRICT_SUPERVISOR, district_id=hunnan.pk)
    make_user(other_township, "other-dir", Role.CENTER_DIRECTOR)
    return {
        "desk": desk,
        "case": case,
        "alert": Alert.objects.get(case_id=case.pk, center=desk.center, flag=Flag.RED),
        "far": far_alert,
        "hunnan": hunnan,
    }


URL = "/admin/supervision/alerts/"


def test_center_staff_see_their_centers_alerts_with_a_link_to_the_desk(world, client_for):
    client = login(client_for(world["desk"].center), "clerk1")
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert world["case"].receipt_number in html
    assert f"/admin/cases/{world['case'].receipt_number}/" in html
    assert "FAR-0001" not in html and "浑南测镇" not in html
    detail = client.get(f"{URL}{world['alert'].pk}/")
    assert detail.status_code == 200
    assert client.get(f"{URL}{world['far'].pk}/").status_code == 404


def test_anonymous_and_other_centers_users_are_refused(world, client_for):
    client = client_for(world["desk"].center)
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    refused = client.post("/admin/login/", {"username": "other-dir", "password": "x"})
    assert refused.status_code == 200  # no such user in this center's schema
    from tests.conftest import PASSWORD

    refused = client.post("/admin/login/", {"username": "other-dir", "password": PASSWORD})
    assert refused.status_code == 200
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get(f"{URL}{world['alert'].pk}/").status_code == 302


def test_a_village_agent_is_refused(world, client_for):
    client = login(client_for(world["desk"].center), "agent1")
    response = client.get(URL)
    assert response.status_code in (302, 403)
    assert world["case"].receipt_number not in response.content.decode()


def test_the_city_admin_sees_every_center_and_filters(world, client_for, city):
    client = login(client_for(city), "city-admin")
    html = client.get(URL).content.decode()
    assert world["case"].receipt_number in html and "FAR-0001" in html
    assert "/admin/cases/" not in html  # no desk link on the city domain
    by_district = client.get(URL, {"district": world["hunnan"].pk}).content.decode()
    assert "FAR-0001" in by_district and world["case"].receipt_number not in by_district
    by_center = client.get(URL, {"center": world["desk"].center.pk}).content.decode()
    assert "FAR-0001" not in by_center and world["case"].receipt_number in by_center
    yellow = client.get(URL, {"flag": "yellow"}).content.decode()
    assert "FAR-0001" not in yellow
    cleared = client.get(URL, {"state": "cleared"}).content.decode()
    assert "FAR-0001" not in cleared


def test_district_staff_see_only_their_district(world, client_for, city):
    for username in ("sup-a", "eval-a"):
        client = login(client_for(city), username)
        html = client.get(URL).content.decode()
        assert world["case"].receipt_number in html
        assert "FAR-0001" not in html and "浑南测镇" not in html
        assert client.get(f"{URL}{world['far'].pk}/").status_code == 404
        # Asking for the other district's center is ignored, not obeyed.
        html = client.get(URL, {"center": world["far"].center_id}).content.decode()
        assert "FAR-0001" not in html
    client = login(client_for(city), "sup-b")
    html = client.get(URL).content.decode()
    assert "FAR-0001" in html and world["case"].receipt_number not in html
    assert client.get(f"{URL}{world['alert'].pk}/").status_code == 404


def test_the_summary_carries_no_id_number_or_phone(world, client_for, city):
    for client in (
        login(client_for(city), "city-admin"),
        login(client_for(world["desk"].center), "director1"),
    ):
        response = client.get(f"{URL}{world['alert'].pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert world["case"].receipt_number in html and "张*" in html
        assert PERSON_ID not in html and PHONE not in html and "张三" not in html
        listing = client.get(URL).content.decode()
        assert PERSON_ID not in listing and PHONE not in listing


def test_keyset_pages(world, client_for, city):
    base = world["far"]
    Alert.objects.bulk_create(
        [
            Alert(
                center_id=base.center_id, district=base.district, case_id=100 + n,
                flag=Flag.THIRD_VISIT, receipt_number=f"PAGE-{n:04d}", matter_name="事项",
                case_kind="promised", case_status="accepted", received_on=base.received_on,
                raised_at=base.raised_at,
            )
            for n in range(60)
        ]
    )  # fmt: skip
    client = login(client_for(city), "sup-b")
    first = client.get(URL)
    rows = first.context["rows"]
    assert len(rows) == 50 and rows[0][0].receipt_number == "PAGE-0059"
    second = client.get(URL, {"before": first.context["next_before"]})
    rest = [a.receipt_number for a, _desk in second.context["rows"]]
    assert rest == [f"PAGE-{n:04d}" for n in range(9, -1, -1)] + ["FAR-0001"]
    assert second.context["next_before"] is None
    assert [r["total"] for r in first.context["counts"]] == [61]


def test_notices_on_the_home_page_until_read(world, client_for):
    client = login(client_for(world["desk"].center), "director1")
    home = client.get("/admin/").content.decode()
    assert "supervision-notices" in home and world["case"].receipt_number in home
    assert AlertNotice.objects.filter(username="director1", read_at__isnull=True).count() == 1
    response = client.post("/admin/supervision/notices/read/")
    assert response.status_code == 302
    assert not AlertNotice.objects.filter(username="director1", read_at__isnull=True).exists()
    assert AlertNotice.objects.filter(username="clerk1", read_at__isnull=True).exists()
    assert "supervision-notices" not in client.get("/admin/").content.decode()
    # The notices are the reader's own: a window clerk's home still lists theirs.
    clerk = login(client_for(world["desk"].center), "clerk1")
    assert world["case"].receipt_number in clerk.get("/admin/").content.decode()


def test_city_users_cannot_mark_notices(world, client_for, city):
    client = login(client_for(city), "city-admin")
    assert client.post("/admin/supervision/notices/read/").status_code in (302, 403)
    assert AlertNotice.objects.filter(read_at__isnull=True).count() == 3
