import re

import pytest

from tenants.models import Center, CenterStatus
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(client_for, center, username):
    client = client_for(center)
    client.post("/admin/login/", {"username": username, "password": PASSWORD})
    return client


def test_directory_is_public_with_the_agreed_fields(township, client_for, city):
    response = client_for(city).get("/api/v1/centers/")
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert "city" not in rows
    assert rows["qingshuitai"] == {
        "name": "清水台镇",
        "kind": "township",
        "division_code": "210113105000",
        "slug": "qingshuitai",
        "parent": "shenbei",
        "domain": "qingshuitai.localhost",
        "status": "active",
    }
    assert rows["shenbei"]["kind"] == "district" and rows["shenbei"]["parent"] is None


def test_directory_filters(township, client_for, city):
    response = client_for(city).get("/api/v1/centers/?kind=district")
    assert [row["slug"] for row in response.json()["results"]] == ["shenbei"]
    response = client_for(city).get("/api/v1/centers/?parent=shenbei")
    assert [row["slug"] for row in response.json()["results"]] == ["qingshuitai"]


def test_city_admin_creates_and_suspends_a_center(district, city_admin, client_for, city):
    client = logged_in(client_for, city, "city-admin")
    response = client.post(
        "/api/v1/centers/",
        {"kind": "street", "division_code": "210113002000", "name": "虎石台街道",
         "slug": "hushitai", "parent": "shenbei"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["center"]["domain"] == "hushitai.localhost"
    assert body["admin_username"] == "admin" and body["admin_password"]
    assert client_for(Center.objects.get(slug="hushitai")).get("/").status_code == 200
    response = client.post("/api/v1/centers/hushitai/suspend/", {"reason": "装修"})
    assert response.json()["status"] == CenterStatus.SUSPENDED
    assert client_for(Center.objects.get(slug="hushitai")).get("/").status_code == 503


def test_bad_input_is_a_400_naming_the_field(district, city_admin, client_for, city):
    client = logged_in(client_for, city, "city-admin")
    response = client.post(
        "/api/v1/centers/",
        {"kind": "township", "division_code": "210113105000", "name": "清水台镇",
         "slug": "qingshuitai"},
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert "parent" in response.json()
    assert not Center.objects.filter(slug="qingshuitai").exists()


def test_anonymous_cannot_create(district, client_for, city):
    response = client_for(city).post("/api/v1/centers/", {}, content_type="application/json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("on", ["city", "township"])
def test_openapi_schema_and_local_docs(on, township, city, client_for):
    center = city if on == "city" else township
    schema = client_for(center).get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert (b"/api/v1/centers/" in schema.content) == (on == "city")
    docs = client_for(center).get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/static/") for url in assets if "." in url), assets
    assert "/static/drf_spectacular_sidecar/" in html
