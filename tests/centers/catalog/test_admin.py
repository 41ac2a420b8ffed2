"""The catalog's Wagtail admin screens on center domains, the import command, and the API
on a matter whose template really moved on."""

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from catalog_cms.standards.models import MatterTemplate
from catalog_cms.standards.services import matter_template_publish, matter_templates_import
from centers.catalog.models import CatalogEvent, LocalMatter
from tenants.accounts.models import Role
from tests.conftest import PASSWORD
from tests.standards.factories import csv_bytes, row

pytestmark = pytest.mark.django_db

ADMIN = "/admin/catalog/"
MENU_LINK = '"url": "/admin/catalog/"'  # the sidebar's menu data
TAKE_BUTTON = 'action="/admin/catalog/matters/QST-MZ-001/update-from-template/"'


def matters(center) -> dict[str, LocalMatter]:
    with schema_context(center.schema_name):
        return {m.code: m for m in LocalMatter.objects.all()}


def republish(code: str, **changes) -> MatterTemplate:
    """A new published revision of a city template, in the public schema (a request leaves
    the connection on the center's schema, where Wagtail's revisions are other rows)."""
    with schema_context("public"):
        template = MatterTemplate.objects.get(code=code)
        for name, value in changes.items():
            setattr(template, name, value)
        return matter_template_publish(template=template, actor="test")


def upload(client, content: bytes, name: str = "c.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"{ADMIN}import/", {"file": SimpleUploadedFile(name, content)})


def test_menu_only_on_center_domains(township, city, city_admin, login):
    director = login(township, "admin")
    assert MENU_LINK in director.get("/admin/").content.decode()
    assert director.get(ADMIN).status_code == 200
    city_client = login(city, "city-admin")
    assert MENU_LINK not in city_client.get("/admin/").content.decode()
    assert city_client.get(ADMIN).status_code == 404


def test_director_adopts_by_selection_then_all(township, templates, login):
    client = login(township, "admin")
    page = client.get(f"{ADMIN}adopt/").content.decode()
    assert "QST-MZ-001" in page and "QST-HJ-001" in page
    one = next(t for t in templates if t.code == "QST-HJ-001")
    response = client.post(f"{ADMIN}adopt/", {"template": [one.pk], "selected": "1"})
    assert response.status_code == 302 and response.url == ADMIN
    assert list(matters(township)) == ["QST-HJ-001"]
    page = client.get(f"{ADMIN}adopt/").content.decode()
    assert "QST-HJ-001" not in page and "QST-MZ-001" in page
    assert client.post(f"{ADMIN}adopt/", {"all": "1"}).status_code == 302
    assert sorted(matters(township)) == ["QST-HJ-001", "QST-MZ-001"]
    assert client.get(f"{ADMIN}adopt/").context["templates"] == []
    listing = client.get(ADMIN, {"agency": "yes"}).content.decode()
    assert "QST-MZ-001" in listing and "QST-HJ-001" not in listing
    listing = client.get(ADMIN, {"q": "生育"}).content.decode()
    assert "QST-HJ-001" in listing and "QST-MZ-001" not in listing


def test_director_edits_local_fields_and_takes_drift_keeping_them(township, templates, login):
    client = login(township, "admin")
    client.post(f"{ADMIN}adopt/", {"all": "1"})
    page = f"{ADMIN}matters/QST-MZ-001/"
    response = client.post(
        page, {"window_text": "3号窗口", "local_contact": "王老师", "local_notes": "周三下午"}
    )
    assert response.status_code == 302, response.content.decode()
    assert matters(township)["QST-MZ-001"].window_text == "3号窗口"
    assert TAKE_BUTTON not in client.get(page).content.decode()
    assert "QST-MZ-001" not in client.get(ADMIN, {"drift": "yes"}).content.decode()

    republish("QST-MZ-001", result="低保证")
    listing = client.get(ADMIN, {"drift": "yes"}).content.decode()
    assert "QST-MZ-001" in listing and "QST-HJ-001" not in listing
    shown = client.get(page).content.decode()
    assert 'data-field="result"' in shown and "低保证" in shown
    assert TAKE_BUTTON in shown
    response = client.post(f"{page}update-from-template/")
    assert response.status_code == 302 and response.url == page
    matter = matters(township)["QST-MZ-001"]
    assert matter.result == "低保证" and matter.adopted_version == 2
    assert (matter.window_text, matter.local_contact, matter.local_notes) == (
        "3号窗口",
        "王老师",
        "周三下午",
    )
    assert 'data-field="result"' not in client.get(page).content.decode()
    with schema_context(township.schema_name):
        assert CatalogEvent.objects.filter(action="update_from_template").exists()


def test_director_creates_a_local_only_matter(township, login):
    client = login(township, "admin")
    data = {
        "code": "QST-ZD-9", "name": "本镇事项", "category_name": "民政", "matter_type": "",
        "authority_level": "township", "mode": "promised", "handling_body": "清水台镇",
        "legal_basis": "", "conditions": "", "procedure": "", "result": "", "fee_basis": "",
        "fee_standard": "", "supervision": "", "legal_days": "5", "promised_days": "9",
        "visits": "1", "window_text": "1号窗口", "local_contact": "", "local_notes": "",
    }  # fmt: skip
    refused = client.post(f"{ADMIN}new/", data)
    assert refused.status_code == 200
    assert "promised_days" in refused.context["form"].errors
    assert matters(township) == {}
    response = client.post(f"{ADMIN}new/", {**data, "promised_days": "3"})
    assert response.status_code == 302, response.content.decode()
    matter = matters(township)["QST-ZD-9"]
    assert matter.is_local_only and matter.window_text == "1号窗口"
    assert "QST-ZD-9" in client.get(ADMIN, {"local_only": "yes"}).content.decode()
    assert "QST-ZD-9" not in client.get(ADMIN, {"local_only": "no"}).content.decode()
    again = client.post(f"{ADMIN}new/", {**data, "promised_days": "3"})
    assert again.status_code == 200 and "code" in again.context["form"].errors


def test_import_preview_lists_every_bad_row_then_confirm(township, city, login):
    client = login(township, "admin")
    bad = csv_bytes(
        [row(code="QST-L-1"), row(code="QST-L-2", 办理方式="慢办"), row(code="bad code!")]
    )
    preview = upload(client, bad)
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "import-errors" in text and "<td>3</td>" in text and "<td>4</td>" in text
    assert "import/confirm/" not in text
    assert [(e.row, e.column) for e in preview.context["summary"].errors] == [
        (3, "办理方式"),
        (4, "事项编码"),
    ]
    assert client.post(f"{ADMIN}import/confirm/").status_code == 302  # nothing waiting
    assert matters(township) == {}

    good = csv_bytes([row(code="QST-L-1"), row(code="QST-L-2")])
    text = upload(client, good).content.decode()
    assert "import/confirm/" in text and "QST-L-1, QST-L-2" in text
    assert matters(township) == {}  # the preview saves nothing
    response = client.post(f"{ADMIN}import/confirm/")
    assert response.status_code == 302 and response.url == ADMIN
    assert sorted(matters(township)) == ["QST-L-1", "QST-L-2"]
    assert upload(client, good).context["summary"].unchanged == ["QST-L-1", "QST-L-2"]


def test_export_links(township, templates, make_user, login):
    make_user(township, "w1", Role.WINDOW_STAFF)
    login(township, "admin").post(f"{ADMIN}adopt/", {"all": "1"})
    window = login(township, "w1")
    csv_file = window.get(f"{ADMIN}export/csv/")
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    assert "QST-MZ-001" in csv_file.content.decode("utf-8-sig")
    xlsx = window.get(f"{ADMIN}export/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert window.get(f"{ADMIN}export/pdf/").status_code == 404


def test_window_staff_read_but_never_write(township, templates, make_user, login):
    make_user(township, "w1", Role.WINDOW_STAFF)
    director = login(township, "admin")
    director.post(f"{ADMIN}adopt/", {"template": [templates[0].pk]})
    code = templates[0].code
    republish(code, result="新结果")
    window = login(township, "w1")
    assert MENU_LINK in window.get("/admin/").content.decode()
    listing = window.get(ADMIN).content.decode()
    assert code in listing and f'href="{ADMIN}adopt/"' not in listing
    page = window.get(f"{ADMIN}matters/{code}/").content.decode()
    assert 'data-field="result"' in page and "update-from-template" not in page
    assert 'name="window_text"' not in page
    for url in (f"{ADMIN}adopt/", f"{ADMIN}new/", f"{ADMIN}import/"):
        response = window.get(url)
        assert response.status_code == 302 and response.url == "/admin/", url
    attempts = [
        (f"{ADMIN}adopt/", {"all": "1"}),
        (f"{ADMIN}new/", {"code": "QST-X", "name": "x"}),
        (f"{ADMIN}matters/{code}/", {"window_text": "偷改"}),
        (f"{ADMIN}matters/{code}/update-from-template/", {}),
        (f"{ADMIN}import/", {}),
        (f"{ADMIN}import/confirm/", {}),
    ]
    for url, data in attempts:
        response = window.post(url, data)
        assert response.status_code in (302, 403) and response.url == "/admin/", url
    matter = matters(township)
    assert list(matter) == [code]
    assert matter[code].window_text == "" and matter[code].adopted_version == 1


def test_centers_never_see_each_other(township, other_township, templates, make_user, login,
                                      client_for):  # fmt: skip
    make_user(other_township, "director-b", Role.CENTER_DIRECTOR)
    a = login(township, "admin")
    a.post(f"{ADMIN}adopt/", {"all": "1"})
    with schema_context(township.schema_name):
        LocalMatter.objects.create(code="QST-ZD-9", name="本镇事项", category_name="其他",
                                   authority_level="township", mode="immediate")  # fmt: skip
    b = login(other_township, "director-b")
    listing = b.get(ADMIN).content.decode()
    assert "QST-ZD-9" not in listing and "QST-MZ-001" not in listing
    assert b.get(f"{ADMIN}matters/QST-ZD-9/").status_code == 404
    # A's session cookie means nothing on B's domain
    cross = client_for(other_township)
    cross.cookies = a.cookies
    response = cross.get(ADMIN)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert cross.post(f"{ADMIN}adopt/", {"all": "1"}).status_code == 302
    # and A's password does not log in on B
    refused = client_for(other_township).post(
        "/admin/login/", {"username": "director-b-not", "password": PASSWORD}
    )
    assert refused.status_code == 200
    with schema_context(other_township.schema_name):
        assert not LocalMatter.objects.exists()


def test_import_catalog_command(township, city, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(code="QST-L-1"), row(code="QST-L-2")]))
    call_command("import_catalog", str(good), "--center", township.slug)
    assert sorted(matters(township)) == ["QST-L-1", "QST-L-2"]
    assert "created 2" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes([row(code="QST-L-3"), row(code="QST-L-4", 法定时限="x"), row(code="QST-L-1",
                                                                               办理方式="慢办")])
    )  # fmt: skip
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_catalog", str(bad), "--center", township.slug)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 2 and "3" in err and "4" in err
    assert sorted(matters(township)) == ["QST-L-1", "QST-L-2"]
    assert matters(township)["QST-L-1"].mode == "report"
    with pytest.raises(CommandError, match="no center"):
        call_command("import_catalog", str(good), "--center", "nowhere")


def test_api_diff_and_update_on_a_matter_that_drifted(township, templates, login):
    client = login(township, "admin")
    client.post("/api/v1/catalog/adopt/", {"all": True}, content_type="application/json")
    client.patch(
        "/api/v1/catalog/matters/QST-MZ-001/",
        {"window_text": "3号窗口", "local_notes": "周三下午"},
        content_type="application/json",
    )
    republish("QST-MZ-001", result="低保证", supervision="监督电话：024-12345")
    diff = client.get("/api/v1/catalog/matters/QST-MZ-001/diff/").json()
    assert {d["field"]: d["template"] for d in diff} == {
        "result": "低保证",
        "supervision": "监督电话：024-12345",
    }
    drift = client.get("/api/v1/catalog/drift/").json()["results"]
    assert [(d["code"], d["template_version"]) for d in drift] == [("QST-MZ-001", 2)]
    response = client.post("/api/v1/catalog/matters/QST-MZ-001/update-from-template/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "低保证" and body["adopted_version"] == 2
    assert body["window_text"] == "3号窗口" and body["local_notes"] == "周三下午"
    assert client.get("/api/v1/catalog/matters/QST-MZ-001/diff/").json() == []
    assert client.get("/api/v1/catalog/drift/").json()["results"] == []


def test_matter_templates_import_republish_is_seen_as_drift(township, templates, login):
    client = login(township, "admin")
    client.post(f"{ADMIN}adopt/", {"all": "1"})
    with schema_context("public"):
        matter_templates_import(
            content=csv_bytes([row(办理结果="低保证")]), filename="t.csv", actor="test"
        )
    assert "QST-MZ-001" in client.get(ADMIN, {"drift": "yes"}).content.decode()
