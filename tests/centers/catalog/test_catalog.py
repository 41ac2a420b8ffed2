import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import schema_context

from catalog_cms.standards.models import MatterTemplate
from catalog_cms.standards.services import matter_templates_import
from centers.catalog.models import LocalMatter
from centers.catalog.selectors import agency_matters, catalog_drift, matter_diff
from centers.catalog.services import (
    catalog_adopt,
    local_matter_set_local_fields,
    local_matters_import,
    matter_update_from_template,
)
from tenants.accounts.models import Role
from tests.conftest import PASSWORD
from tests.standards.factories import csv_bytes, row

pytestmark = pytest.mark.django_db


def test_adopt_is_idempotent_and_drift_diff_update_keep_local_fields(township, templates):
    with schema_context(township.schema_name):
        created = catalog_adopt(templates=templates, actor="test")
        assert len(created) == 2
        assert catalog_adopt(templates=templates, actor="test") == []
        assert LocalMatter.objects.count() == 2
        matter = LocalMatter.objects.get(code="QST-MZ-001")
        assert matter.adopted_version == 1 and matter.materials[0]["name"] == "申请书"
        local_matter_set_local_fields(local_matter=matter, actor="test", window_text="3号窗口")
        assert [m.code for m in agency_matters(township)] == ["QST-MZ-001"]
        assert catalog_drift() == []
    matter_templates_import(
        content=csv_bytes([row(办理结果="低保证")]), filename="t.csv", actor="test"
    )
    with schema_context(township.schema_name):
        drift = catalog_drift()
        assert [local.code for local, _t in drift] == ["QST-MZ-001"]
        matter = LocalMatter.objects.get(code="QST-MZ-001")
        diff = matter_diff(matter)
        assert [(f, local, remote) for f, _l, local, remote in diff] == [
            ("result", "最低生活保障证", "低保证")
        ]
        matter_update_from_template(local_matter=matter, actor="test")
        matter.refresh_from_db()
        assert matter.result == "低保证" and matter.window_text == "3号窗口"
        assert matter.adopted_version == 2 and catalog_drift() == []


def test_only_the_director_changes_the_catalog(township, templates, make_user):
    staff = make_user(township, "w1", Role.WINDOW_STAFF)
    with schema_context(township.schema_name), pytest.raises(PermissionDenied):
        catalog_adopt(templates=templates, actor=staff)


def test_center_import_all_or_nothing_and_idempotent(township, city):
    content = csv_bytes([row(code="QST-LOCAL-1"), row(code="QST-LOCAL-2", 办理方式="慢办")])
    with schema_context(township.schema_name):
        with pytest.raises(Exception):  # noqa: B017
            local_matters_import(content=content, filename="c.csv", actor="test")
        assert not LocalMatter.objects.exists()
        good = csv_bytes([row(code="QST-LOCAL-1")])
        assert local_matters_import(content=good, filename="c.csv", actor="test").created
        again = local_matters_import(content=good, filename="c.csv", actor="test")
        assert again.unchanged == ["QST-LOCAL-1"] and not again.updated


def test_catalog_api_and_cross_tenant(
    township, other_township, templates, make_user, client_for, login
):
    make_user(township, "director-a", Role.CENTER_DIRECTOR)
    make_user(township, "window-a", Role.WINDOW_STAFF)
    make_user(other_township, "director-b", Role.CENTER_DIRECTOR)
    a = login(township, "director-a")
    response = a.post("/api/v1/catalog/adopt/", {"all": True}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert sorted(response.json()["adopted"]) == ["QST-HJ-001", "QST-MZ-001"]
    listed = a.get("/api/v1/catalog/matters/?agency=true").json()
    assert [m["code"] for m in listed["results"]] == ["QST-MZ-001"]
    created = a.post(
        "/api/v1/catalog/matters/",
        {"code": "QST-ZD-9", "name": "本镇事项", "category_name": "其他",
         "authority_level": "township", "mode": "immediate"},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert a.get("/api/v1/catalog/drift/").json()["results"] == []
    assert a.get("/api/v1/catalog/matters/QST-MZ-001/diff/").json() == []
    window = login(township, "window-a")
    assert window.get("/api/v1/catalog/matters/").status_code == 200
    refused = window.post("/api/v1/catalog/adopt/", {"all": True}, content_type="application/json")
    assert refused.status_code == 403
    # center B sees none of A's matters, and A's login means nothing on B's domain
    b = login(other_township, "director-b")
    assert b.get("/api/v1/catalog/matters/").json()["results"] == []
    assert b.get("/api/v1/catalog/matters/QST-ZD-9/").status_code == 404
    cross = client_for(other_township)
    cross.post("/admin/login/", {"username": "director-a", "password": PASSWORD})
    assert cross.get("/api/v1/catalog/matters/").status_code in (401, 403)
    assert cross.post("/api/v1/catalog/adopt/", {"all": True},
                      content_type="application/json").status_code in (401, 403)  # fmt: skip
    with schema_context(other_township.schema_name):
        assert not LocalMatter.objects.exists()
    assert MatterTemplate.objects.count() == 2


def test_demo_seeds_are_idempotent(city, township, district):
    from demo.catalog import seed_center
    from demo.standards import seed_city

    first = seed_city()
    assert len(first.created) >= 60
    assert seed_city().created == [] and seed_city().updated == []
    assert MatterTemplate.objects.filter(live=True).count() >= 60
    with schema_context(township.schema_name):
        assert len(seed_center(township)) >= 60
        assert seed_center(township) == []
    with schema_context(district.schema_name):
        adopted = seed_center(district)
        assert adopted and all(m.authority_level != "township" for m in adopted)
