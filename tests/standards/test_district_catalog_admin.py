"""The district catalog screen (city domain admin): a district supervisor keeps their own
district's unified catalog, a city administrator any district's; nobody else."""

import pytest
from django.utils.html import escape

from catalog_cms.standards.models import DistrictCatalogEntry, MatterTemplate
from catalog_cms.standards.services import matter_templates_import
from tenants.accounts.models import Role
from tests.conftest import PASSWORD

from .factories import csv_bytes, row

pytestmark = pytest.mark.django_db

INDEX_URL = "/admin/standards/district-catalog/"


def url(slug: str) -> str:
    return f"{INDEX_URL}{slug}/"


def login(client_for, center, username):
    client = client_for(center)
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


def refused(response) -> bool:
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response["Location"].rstrip("/").endswith("/admin")
    )


@pytest.fixture
def templates(city):
    matter_templates_import(
        content=csv_bytes([row(), row(code="QST-MZ-002", name="临时救助")]),
        filename="t.csv",
        actor="test",
    )
    return MatterTemplate.objects.order_by("code")


@pytest.fixture
def other_district(make_center):
    return make_center("hunnan", kind="district", code="210112000000", name="浑南区")


@pytest.fixture
def supervisor(city, district, make_user):
    return make_user(city, "shenbei-sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk)


def test_supervisor_adds_and_removes_for_own_district(
    city, district, supervisor, templates, client_for
):
    client = login(client_for, city, "shenbei-sup")
    assert "/admin/standards/district-catalog/" in client.get("/admin/").content.decode()
    response = client.get(INDEX_URL)
    assert response.status_code == 302 and response["Location"] == url("shenbei")
    response = client.get(url("shenbei"))
    assert response.status_code == 200
    assert "QST-MZ-001" in response.content.decode()  # offered in the select
    template = templates.get(code="QST-MZ-001")
    response = client.post(
        url("shenbei"),
        {"template": template.pk, "receiving_window": "区民政窗口", "local_contact": "024-1234"},
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    entry = DistrictCatalogEntry.objects.get()
    assert (entry.district, entry.template, entry.receiving_window, entry.local_contact) == (
        district,
        template,
        "区民政窗口",
        "024-1234",
    )
    page = client.get(url("shenbei"))
    assert "区民政窗口" in page.content.decode()
    offered = [value for value, _label in page.context["form"].fields["template"].widget.choices]
    assert template.pk not in offered  # no longer offered once listed
    response = client.post(f"{url('shenbei')}{entry.pk}/remove/")
    assert response.status_code == 302
    assert not DistrictCatalogEntry.objects.exists()


def test_bad_input_shows_the_error_and_saves_nothing(
    city, district, supervisor, templates, client_for
):
    client = login(client_for, city, "shenbei-sup")
    draft = templates.get(code="QST-MZ-002")
    MatterTemplate.objects.filter(pk=draft.pk).update(live=False)
    response = client.post(url("shenbei"), {"template": draft.pk})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "template" in errors
    assert escape(errors["template"][0]) in response.content.decode()
    assert not DistrictCatalogEntry.objects.exists()

    listed = templates.get(code="QST-MZ-001")
    assert (
        client.post(url("shenbei"), {"template": listed.pk, "local_contact": "甲"}).status_code
        == 302
    )
    response = client.post(url("shenbei"), {"template": listed.pk, "local_contact": "乙"})
    assert response.status_code == 200
    assert "template" in response.context["form"].errors
    html = response.content.decode()
    assert escape(response.context["form"].errors["template"][0]) in html
    assert DistrictCatalogEntry.objects.get().local_contact == "甲"


def test_another_districts_supervisor_can_neither_see_nor_change_it(
    city, district, other_district, supervisor, templates, make_user, client_for
):
    own = login(client_for, city, "shenbei-sup")
    template = templates.get(code="QST-MZ-001")
    assert own.post(url("shenbei"), {"template": template.pk}).status_code == 302
    entry = DistrictCatalogEntry.objects.get()
    make_user(city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=other_district.pk)
    other = login(client_for, city, "hunnan-sup")
    assert refused(other.get(url("shenbei")))
    assert refused(other.get(f"{INDEX_URL}?district=shenbei"))
    other_template = templates.get(code="QST-MZ-002")
    assert refused(other.post(url("shenbei"), {"template": other_template.pk}))
    assert refused(other.post(f"{url('shenbei')}{entry.pk}/remove/"))
    # nor through their own district's address
    assert refused(other.post(f"{url('hunnan')}{entry.pk}/remove/"))
    assert list(DistrictCatalogEntry.objects.values_list("template__code", flat=True)) == [
        "QST-MZ-001"
    ]
    assert other.get(INDEX_URL)["Location"] == url("hunnan")


def test_city_admin_chooses_any_district(
    city, district, other_district, city_admin, templates, client_for
):
    client = login(client_for, city, "city-admin")
    page = client.get(INDEX_URL)
    assert page.status_code == 200
    assert "hunnan" in page.content.decode() and "shenbei" in page.content.decode()
    assert client.get(f"{INDEX_URL}?district=hunnan")["Location"] == url("hunnan")
    template = templates.get(code="QST-MZ-001")
    assert client.post(url("hunnan"), {"template": template.pk}).status_code == 302
    assert DistrictCatalogEntry.objects.get().district == other_district


def test_evaluators_and_center_users_are_refused(
    city, district, township, templates, make_user, client_for
):
    make_user(city, "evaluator", Role.EVALUATOR, district_id=district.pk)
    client = login(client_for, city, "evaluator")
    assert "/admin/standards/district-catalog/" not in client.get("/admin/").content.decode()
    assert refused(client.get(INDEX_URL))
    assert refused(client.get(url("shenbei")))
    template = templates.get(code="QST-MZ-001")
    assert refused(client.post(url("shenbei"), {"template": template.pk}))
    make_user(township, "director", Role.CENTER_DIRECTOR)
    director = login(client_for, township, "director")
    assert refused(director.get(url("shenbei")))
    assert refused(director.post(url("shenbei"), {"template": template.pk}))
    assert not DistrictCatalogEntry.objects.exists()
