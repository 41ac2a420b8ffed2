import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog_cms.standards.models import DistrictCatalogEntry, MatterTemplate
from catalog_cms.standards.services import (
    brand_update,
    center_facts_publish,
    matter_templates_import,
)
from catalog_cms.standards.vocab import CenterRule
from tenants.accounts.models import Role
from tests.conftest import PASSWORD

from .factories import csv_bytes, row

pytestmark = pytest.mark.django_db


def login(client_for, center, username):
    client = client_for(center)
    client.post("/admin/login/", {"username": username, "password": PASSWORD})
    return client


@pytest.fixture
def other_district(make_center):
    return make_center("hunnan", kind="district", code="210112000000", name="浑南区")


def test_compliance_flags_below_standard_and_is_scoped(
    city, township, other_township, other_district, make_user, city_admin, client_for
):
    center_facts_publish(center=township, floor_area_m2=180, weekly_open_hours=40,
                         rules_kept=CenterRule.values, windows_count=6)  # fmt: skip
    center_facts_publish(center=other_township, floor_area_m2=160, weekly_open_hours=40,
                         rules_kept=CenterRule.values, windows_count=4)  # fmt: skip
    with pytest.raises(ValidationError):
        center_facts_publish(center=township, floor_area_m2=1, weekly_open_hours=1,
                             rules_kept=["nope"], windows_count=1)  # fmt: skip
    admin = login(client_for, city, "city-admin")
    rows = {r["center"]: r for r in admin.get("/api/v1/compliance/?limit=50").json()["results"]}
    assert rows["qingshuitai"]["compliant"] is False  # township 180 < 200
    assert rows["hushitai"]["compliant"] is True  # street 160 >= 150
    assert "hunnan" in rows
    make_user(city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=other_district.pk)
    sup = login(client_for, city, "hunnan-sup")
    seen = [r["center"] for r in sup.get("/api/v1/compliance/").json()["results"]]
    assert seen == ["hunnan"]
    # a center's staff cannot use the city's endpoint on their own domain
    make_user(township, "dir", Role.CENTER_DIRECTOR)
    assert login(client_for, township, "dir").get("/api/v1/compliance/").status_code == 404


def test_district_catalog_scoped_to_the_supervisors_district(
    city, district, other_district, make_user, client_for
):
    matter_templates_import(content=csv_bytes([row()]), filename="t.csv", actor="test")
    make_user(city, "shenbei-sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    make_user(city, "hunnan-sup", Role.DISTRICT_SUPERVISOR, district_id=other_district.pk)
    own = login(client_for, city, "shenbei-sup")
    response = own.post("/api/v1/district-catalog/", {"district": "shenbei",
                        "template": "QST-MZ-001", "receiving_window": "区政务服务中心民政窗口"},
                        content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    other = login(client_for, city, "hunnan-sup")
    refused = other.post("/api/v1/district-catalog/", {"district": "shenbei",
                         "template": "QST-MZ-001"}, content_type="application/json")  # fmt: skip
    assert refused.status_code == 403, refused.content
    assert other.get("/api/v1/district-catalog/").json()["results"] == []
    entry = DistrictCatalogEntry.objects.get()
    assert other.delete(f"/api/v1/district-catalog/{entry.pk}/").status_code == 404
    assert own.get("/api/v1/district-catalog/").json()["count"] == 1


def test_template_import_api_reports_rows_and_needs_the_capability(
    city, city_admin, make_user, district, client_for
):
    admin = login(client_for, city, "city-admin")
    bad = SimpleUploadedFile("bad.csv", csv_bytes([row(code="A B")]))
    response = admin.post("/api/v1/matter-templates/import/", {"file": bad})
    assert response.status_code == 400 and "事项编码" in str(response.json())
    good = SimpleUploadedFile("good.csv", csv_bytes([row()]))
    assert admin.post("/api/v1/matter-templates/import/", {"file": good}).status_code == 200
    assert MatterTemplate.objects.filter(live=True).count() == 1
    make_user(city, "sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    sup = login(client_for, city, "sup")
    again = SimpleUploadedFile("good.csv", csv_bytes([row()]))
    assert sup.post("/api/v1/matter-templates/import/", {"file": again}).status_code == 403
    listed = client_for(city).get("/api/v1/matter-templates/?category=民政").json()
    assert [t["code"] for t in listed["results"]] == ["QST-MZ-001"]


def test_brand_images_are_checked(city, media_root):
    import io

    from PIL import Image

    with pytest.raises(ValidationError) as exc:
        brand_update(actor="test", logo=SimpleUploadedFile("logo.png", b"not an image"))
    assert "logo" in exc.value.message_dict
    big = io.BytesIO()
    Image.new("RGB", (2100, 10)).save(big, "PNG")
    with pytest.raises(ValidationError) as exc:
        brand_update(actor="test", emblem=SimpleUploadedFile("e.png", big.getvalue()))
    assert "2000" in exc.value.message_dict["emblem"][0]
    ok = io.BytesIO()
    Image.new("RGB", (200, 200)).save(ok, "PNG")
    brand = brand_update(actor="test", logo=SimpleUploadedFile("l.png", ok.getvalue()),
                         complaint_mailbox="jdx@shenyang.gov.cn")  # fmt: skip
    from catalog_cms.standards.selectors import city_brand

    assert city_brand().complaint_mailbox == "jdx@shenyang.gov.cn" and brand.logo
