"""The ratings list in Wagtail admin: staff who handle cases see this center's ratings (text
escaped, filter by level); an agent, anonymous users and another center's staff see none."""

import pytest
from django_tenants.utils import schema_context

from centers.ratings import services
from tests.centers.workspace.test_api import login
from tests.conftest import host

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(desk, cases):
    with schema_context(desk.center.schema_name):
        bad = services.rating_submit(
            case=cases["closed"],
            point="completed",
            level=5,
            dimensions={"attitude": 5},
            reasons="<script>alert(1)</script>",
            channel="tablet",
        )
        services.rating_add(rating=bad, text="<b>补充</b>")
        good = services.rating_submit(
            case=cases["accepted"],
            point="accepted",
            level=1,
            dimensions={},
            reasons="",
            channel="qr",
        )
    return {"bad": bad, "good": good}


def test_list_escapes_and_filters(desk, cases, rated, client_for):
    clerk = login(client_for(desk.center), "clerk1")
    response = clerk.get("/admin/ratings/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>补充</b>" not in page and "&lt;b&gt;补充&lt;/b&gt;" in page
    assert cases["closed"].receipt_number in page and cases["accepted"].receipt_number in page
    assert "非常不满意" in page and "好评率" in page
    assert response.context["summary"]["total"] == 2
    filtered = clerk.get("/admin/ratings/?level=5")
    assert [r.pk for r in filtered.context["page_obj"]] == [rated["bad"].pk]
    assert clerk.get("/admin/ratings/?level=x").status_code == 200
    assert "/admin/ratings/" in clerk.get("/admin/").content.decode()


def test_refused_to_others(desk, rated, client_for, other_township):
    anonymous = client_for(desk.center).get("/admin/ratings/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    agent = login(client_for(desk.center), "agent1")
    response = agent.get("/admin/ratings/")
    # Wagtail answers a refused admin screen with a redirect to the dashboard.
    assert response.status_code in (302, 403) and "ratings-list" not in response.content.decode()
    if response.status_code == 302:
        assert response["Location"] == "/admin/"
    assert "/admin/ratings/" not in agent.get("/admin/").content.decode()
    other = login(client_for(other_township), "admin")
    response = other.get("/admin/ratings/")
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == []
    assert rated["bad"].case.receipt_number not in response.content.decode()
    response = other.get("/admin/ratings/", HTTP_HOST=host(desk.center))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
