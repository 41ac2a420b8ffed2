"""The synonym list in Wagtail admin: city editors keep it on the city's domain; nobody edits
it from a center's domain, and other city staff may only look."""

import pytest

from catalog_cms.search_index.models import Synonym
from tenants.accounts.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

INDEX = "/admin/search-index/synonyms/"


def login(client_for, center, username):
    client = client_for(center)
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_city_editor_adds_a_synonym(city, city_admin, client_for):
    client = login(client_for, city, "city-admin")
    response = client.get(INDEX)
    assert response.status_code == 200 and "医疗保险" in response.content.decode()
    response = client.post(f"{INDEX}add/", {"term": "房贷", "official": "住房公积金贷款"})
    assert response.status_code == 302
    assert Synonym.objects.filter(term="房贷", official="住房公积金贷款").exists()


def test_others_cannot_edit_synonyms(city, district, township, make_user, client_for):
    make_user(city, "supervisor", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    client = login(client_for, city, "supervisor")
    assert client.get(INDEX).status_code == 200
    response = client.post(f"{INDEX}add/", {"term": "房贷", "official": "住房公积金"})
    assert response.status_code in (302, 403)
    assert not Synonym.objects.filter(term="房贷").exists()
    director = login(client_for, township, "admin")
    assert director.get(INDEX).status_code in (302, 403, 404)
    director.post(f"{INDEX}add/", {"term": "房贷", "official": "住房公积金"})
    assert not Synonym.objects.filter(term="房贷").exists()
    assert client_for(city).get(INDEX).status_code == 302  # anonymous: to the login
