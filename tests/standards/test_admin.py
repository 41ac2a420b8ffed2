"""The city's admin screens for its standards: importing templates, the lists it keeps, the
publish rule and moderation in the snippet admin, locks, the brand images."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tenants.utils import schema_context
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from catalog_cms.standards import forms as standards_forms
from catalog_cms.standards.models import (
    CenterStandard,
    LifeEvent,
    MatterCategory,
    MatterTemplate,
    StandardsAuditEvent,
)
from catalog_cms.standards.services import center_standard_update, matter_templates_import
from tenants.accounts.models import Role
from tests.conftest import PASSWORD

from .factories import csv_bytes, row

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/standards/templates-import/"
CONFIRM_URL = "/admin/standards/templates-import/confirm/"


def login(client_for, center, username):
    client = client_for(center)
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


def refused(response) -> bool:
    return response.status_code == 403 or (
        response.status_code == 302 and "/login/" not in response["Location"]
    )


def upload(client, content: bytes, name="templates.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})


# ---------------------------------------------------------------- import screen


def test_preview_lists_every_error_with_its_row_and_saves_nothing(city, city_admin, client_for):
    client = login(client_for, city, "city-admin")
    assert client.get(IMPORT_URL).status_code == 200
    content = csv_bytes([row(), row(code="B-2", 承诺时限="40"), row(code="B-3", 事项类别="不存在")])
    response = upload(client, content)
    assert response.status_code == 200
    where = {(e.row, e.column) for e in response.context["errors"]}
    assert where == {(3, "承诺时限"), (4, "事项类别")}
    html = response.content.decode()
    assert "承诺时限" in html and "事项类别" in html and "<td>3</td>" in html
    assert "token" not in response.context
    assert not MatterTemplate.objects.exists()


def test_preview_then_confirm_publishes_and_a_second_confirm_changes_nothing(
    city, city_admin, client_for
):
    client = login(client_for, city, "city-admin")
    content = csv_bytes([row(), row(code="511A0138000000", name="生育登记", 事项类别="卫健/计生")])
    response = upload(client, content)
    rows = {r["code"]: r["state"] for r in response.context["rows"]}
    assert rows == {"QST-MZ-001": "created", "511A0138000000": "created"}
    assert not MatterTemplate.objects.exists()  # a preview saves nothing
    token = response.context["token"]
    response = client.post(CONFIRM_URL, {"token": token})
    assert response.status_code == 302
    template = MatterTemplate.objects.get(code="QST-MZ-001")
    assert template.live and template.published_version == 1
    revisions = template.revisions.count()
    # the stashed file is used once
    client.post(CONFIRM_URL, {"token": token})
    # the same file again: previewed as unchanged, and confirming changes nothing
    response = upload(client, content)
    assert {r["state"] for r in response.context["rows"]} == {"unchanged"}
    client.post(CONFIRM_URL, {"token": response.context["token"]})
    template.refresh_from_db()
    assert template.revisions.count() == revisions and template.published_version == 1
    assert StandardsAuditEvent.objects.filter(action="templates_import").count() == 2


def test_an_unknown_token_or_another_users_token_applies_nothing(
    city, city_admin, make_user, client_for
):
    make_user(city, "city-admin-2", Role.CITY_ADMIN)
    client = login(client_for, city, "city-admin")
    token = upload(client, csv_bytes([row()])).context["token"]
    other = login(client_for, city, "city-admin-2")
    assert other.post(CONFIRM_URL, {"token": token}).status_code == 302
    assert other.post(CONFIRM_URL, {"token": "nope"}).status_code == 302
    assert not MatterTemplate.objects.exists()


def test_a_file_above_the_size_limit_is_refused_clearly(city, city_admin, client_for, monkeypatch):
    monkeypatch.setattr(standards_forms, "MAX_IMPORT_BYTES", 100)
    client = login(client_for, city, "city-admin")
    response = upload(client, csv_bytes([row()]))
    assert response.status_code == 200
    assert "at most 0 MB" in response.content.decode() or response.context["form"].errors
    assert "file" in response.context["form"].errors
    assert not MatterTemplate.objects.exists()


def test_listing_links_to_import_and_export(city, city_admin, client_for):
    client = login(client_for, city, "city-admin")
    listing = client.get(reverse(MatterTemplate.snippet_viewset.get_url_name("list")))
    html = listing.content.decode()
    assert IMPORT_URL in html and "/admin/standards/templates-export/?file_format=csv" in html
    matter_templates_import(content=csv_bytes([row()]), filename="a.csv", actor="test")
    response = client.get("/admin/standards/templates-export/?file_format=csv")
    assert response.status_code == 200 and "QST-MZ-001" in response.content.decode("utf-8-sig")
    response = client.get("/admin/standards/templates-export/?file_format=xlsx")
    assert response.content[:2] == b"PK"


def test_non_city_users_are_refused(city, district, make_user, client_for):
    make_user(city, "sup", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    make_user(city, "eva", Role.EVALUATOR, district_id=district.pk)
    for username in ("sup", "eva"):
        client = login(client_for, city, username)
        assert refused(client.get(IMPORT_URL)), username
        assert refused(upload(client, csv_bytes([row()]))), username
        assert refused(client.post(CONFIRM_URL, {"token": "x"})), username
        assert refused(client.get("/admin/standards/templates-export/")), username
        assert refused(client.get("/admin/standards/center-standards/")), username
        categories = reverse(MatterCategory.snippet_viewset.get_url_name("list"))
        assert refused(client.get(categories)), username
    assert not MatterTemplate.objects.exists()


def test_the_import_screen_is_not_on_a_center_domain(township, make_user, client_for):
    make_user(township, "director-2", Role.CENTER_DIRECTOR)
    client = login(client_for, township, "director-2")
    for url in (IMPORT_URL, "/admin/standards/templates-export/",
                "/admin/standards/center-standards/"):  # fmt: skip
        response = client.get(url)
        assert refused(response) or response.status_code == 404, url
    assert refused(upload(client, csv_bytes([row()])))
    assert not MatterTemplate.objects.exists()


# ---------------------------------------------------------------- locks


def test_a_template_locked_by_another_user_is_not_overwritten_by_an_import(
    city, city_admin, make_user, client_for
):
    matter_templates_import(content=csv_bytes([row()]), filename="a.csv", actor="test")
    other = make_user(city, "wang", Role.CITY_ADMIN)
    template = MatterTemplate.objects.get(code="QST-MZ-001")
    template.locked, template.locked_by = True, other
    template.save(update_fields=["locked", "locked_by"])
    changed = csv_bytes([row(办理结果="低保证")])
    with pytest.raises(ValidationError) as exc:
        matter_templates_import(content=changed, filename="b.csv", actor=city_admin)
    message = " ".join(exc.value.messages)
    assert "QST-MZ-001" in message and "wang" in message
    template.refresh_from_db()
    assert template.result == "最低生活保障证" and template.published_version == 1
    # the admin preview says so too, and offers nothing to confirm
    client = login(client_for, city, "city-admin")
    response = upload(client, changed)
    assert "wang" in response.content.decode() and "token" not in response.context
    # the locker may import over their own lock; an unchanged row is no overwrite
    assert matter_templates_import(content=changed, filename="b.csv", actor=other).updated
    matter_templates_import(content=changed, filename="b.csv", actor=city_admin)


# ---------------------------------------------------------------- the lists the city keeps


def _used_template():
    matter_templates_import(content=csv_bytes([row()]), filename="a.csv", actor="test")
    return MatterTemplate.objects.get(code="QST-MZ-001")


@pytest.mark.parametrize(
    "model,name", [(MatterCategory, "民政"), (LifeEvent, "救助")], ids=["category", "life-event"]
)
def test_deleting_a_list_entry_in_use_is_refused(city, city_admin, client_for, model, name):
    _used_template()
    entry = model.objects.get(name=name)
    client = login(client_for, city, "city-admin")
    url = reverse(model.snippet_viewset.get_url_name("delete"), args=[entry.pk])
    response = client.post(url, follow=True)
    assert model.objects.filter(pk=entry.pk).exists()
    html = response.content.decode()
    assert "QST-MZ-001" in html  # the message names the templates that use it
    unused = model.objects.create(name="测试条目", sort_order=99)
    url = reverse(model.snippet_viewset.get_url_name("delete"), args=[unused.pk])
    assert client.post(url).status_code == 302
    assert not model.objects.filter(pk=unused.pk).exists()
    assert StandardsAuditEvent.objects.filter(action="vocabulary_delete").count() == 1


@pytest.mark.parametrize(
    "model,name", [(MatterCategory, "民政"), (LifeEvent, "救助")], ids=["category", "life-event"]
)
def test_bulk_delete_keeps_an_entry_in_use(city, city_admin, client_for, model, name):
    _used_template()
    entry = model.objects.get(name=name)
    unused = model.objects.create(name="测试条目", sort_order=99)
    client = login(client_for, city, "city-admin")
    opts = model._meta
    url = reverse("wagtail_bulk_action", args=[opts.app_label, opts.model_name, "delete"])
    index = reverse(model.snippet_viewset.get_url_name("list"))
    query = f"?id={entry.pk}&id={unused.pk}&next={index}"
    assert client.get(url + query).status_code == 200
    response = client.post(url + query, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(index, 302)]
    assert model.objects.filter(pk=entry.pk).exists()
    assert not model.objects.filter(pk=unused.pk).exists()
    assert "QST-MZ-001" in response.content.decode()  # the service's message
    assert StandardsAuditEvent.objects.filter(action="vocabulary_delete").count() == 1


def test_city_admin_edits_list_entries_in_the_admin(city, city_admin, client_for):
    client = login(client_for, city, "city-admin")
    for model in (MatterCategory, LifeEvent):
        add = reverse(model.snippet_viewset.get_url_name("add"))
        response = client.post(add, {"name": "新条目", "sort_order": "50"})
        assert response.status_code == 302, model
        entry = model.objects.get(name="新条目")
        edit = reverse(model.snippet_viewset.get_url_name("edit"), args=[entry.pk])
        assert client.post(edit, {"name": "改名", "sort_order": "51"}).status_code == 302
        entry.refresh_from_db()
        assert entry.name == "改名"


def test_a_life_event_in_use_cannot_be_deleted_by_any_path(city):
    from django.db.models import ProtectedError

    _used_template()
    with pytest.raises(ProtectedError):
        LifeEvent.objects.get(name="救助").delete()


def test_center_standards_are_edited_with_validation_and_audit(city, city_admin, client_for):
    client = login(client_for, city, "city-admin")
    assert client.get("/admin/standards/center-standards/").status_code == 200
    url = "/admin/standards/center-standards/township/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"min_floor_area_m2": "220", "min_weekly_open_hours": "42.5",
         "required_rules": ["first_inquiry", "time_limit"]},
    )  # fmt: skip
    assert response.status_code == 302
    standard = CenterStandard.objects.get(kind="township")
    assert standard.min_floor_area_m2 == 220 and standard.min_weekly_open_hours == 42.5
    assert standard.required_rules == ["first_inquiry", "time_limit"]
    event = StandardsAuditEvent.objects.get(action="center_standard_update")
    assert event.actor == "city-admin" and event.detail["before"]["min_floor_area_m2"] == "200.0"
    bad = (("0", "40", "min_floor_area_m2"), ("100", "169", "min_weekly_open_hours"))
    for area, hours, field in bad:
        response = client.post(url, {"min_floor_area_m2": area, "min_weekly_open_hours": hours})
        assert response.status_code == 200
        assert field in response.context["form"].errors
    standard.refresh_from_db()
    assert standard.min_floor_area_m2 == 220
    assert StandardsAuditEvent.objects.filter(action="center_standard_update").count() == 1


def test_center_standard_service_checks_every_field(city, city_admin):
    standard = CenterStandard.objects.get(kind="street")
    with pytest.raises(ValidationError) as exc:
        center_standard_update(
            standard=standard, actor=city_admin, min_floor_area_m2=-1,
            min_weekly_open_hours=-0.5, required_rules=["nope"],
        )  # fmt: skip
    assert set(exc.value.message_dict) == {
        "min_floor_area_m2",
        "min_weekly_open_hours",
        "required_rules",
    }
    center_standard_update(
        standard=standard, actor=city_admin, min_floor_area_m2=1, min_weekly_open_hours=168,
        required_rules=[],
    )  # fmt: skip
    standard.refresh_from_db()
    assert standard.min_weekly_open_hours == 168 and standard.required_rules == []


# ---------------------------------------------------------------- publish rule and moderation


def _draft_template() -> MatterTemplate:
    template = MatterTemplate(
        name="生育登记", code="QST-WJ-001", category=MatterCategory.objects.get(name="卫健/计生"),
        live=False,
    )  # fmt: skip
    template.save()
    template.save_revision(clean=False)
    return template


def _edit_data(template, **over) -> dict:
    data = {
        "name": template.name,
        "code": template.code,
        "category": str(template.category_id),
        "matter_type": "",
        "authority_level": "township",
        "mode": "promised",
        "handling_body": "清水台镇人民政府",
        "legal_basis": "《人口与计划生育法》",
        "conditions": "夫妻双方",
        "procedure": "申请、审核",
        "time_limit_text": "即时办结",
        "result": "登记回执",
        "fee_basis": "无",
        "fee_standard": "不收费",
        "supervision": "12345",
        "legal_days": "5",
        "promised_days": "1",
        "fee_free": "on",
        "fee_amount": "",
        "departments": "[]",
        "visits": "1",
        "materials": inline_formset(
            [
                {
                    "name": "身份证",
                    "originals": "1",
                    "copies": "1",
                    "required": "on",
                    "note": "",
                    "sample": "",
                    "ORDER": "1",
                }
            ]
        ),
        "questions": inline_formset([]),
    }
    data.update(over)
    return nested_form_data(data)


def test_publishing_in_the_admin_with_an_empty_element_fails_and_names_it(
    city, city_admin, client_for
):
    template = _draft_template()
    client = login(client_for, city, "city-admin")
    edit = reverse(MatterTemplate.snippet_viewset.get_url_name("edit"), args=[template.pk])
    data = _edit_data(template, handling_body="")
    data["action-publish"] = "action-publish"
    response = client.post(edit, data)
    assert response.status_code == 200
    assert "handling_body" in response.context["form"].errors
    template.refresh_from_db()
    assert not template.live and template.live_revision_id is None
    # complete, it publishes
    data = _edit_data(template)
    data["action-publish"] = "action-publish"
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    template.refresh_from_db()
    assert template.live and template.published_version == 1


def test_submitting_a_template_for_moderation_starts_the_workflow(city, city_admin, client_for):
    template = _draft_template()
    assert template.get_workflow() is not None
    client = login(client_for, city, "city-admin")
    edit = reverse(MatterTemplate.snippet_viewset.get_url_name("edit"), args=[template.pk])
    data = _edit_data(template)
    data["action-submit"] = "action-submit"
    response = client.post(edit, data)
    assert response.status_code == 302
    template.refresh_from_db()
    state = template.workflow_states.get()
    assert state.status == "in_progress"
    assert not template.live


# ---------------------------------------------------------------- brand images


def test_brand_image_urls(city, township, media_root):
    from PIL import Image

    from catalog_cms.standards.selectors import city_brand
    from catalog_cms.standards.services import brand_update

    brand = city_brand()
    assert brand.logo_url is None and brand.emblem_url is None
    image = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(image, "PNG")
    brand_update(actor="test", logo=SimpleUploadedFile("logo.png", image.getvalue()))
    assert city_brand().logo_url.startswith("/media/public/brand/")
    with schema_context(township.schema_name):
        brand = city_brand()
        assert brand.logo_url.startswith("/media/public/brand/")
        assert brand.emblem_url is None


def test_a_large_import_runs_in_celery_with_a_progress_page(
    city, city_admin, client_for, settings, monkeypatch
):
    from catalog_cms.standards.tasks import job_get
    from cityplatform.celery import app

    settings.CATALOG_IMPORT_INLINE_ROWS = 1  # two rows count as large here
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the task runs in this process
    client = login(client_for, city, "city-admin")
    content = csv_bytes([row(), row(code="QST-MZ-002", name="临时救助申请")])
    token = upload(client, content).context["token"]
    response = client.post(CONFIRM_URL, {"token": token})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    job = job_get(job_id)
    assert job["state"] == "done" and job["created"] == 2 and job["content"] is None
    assert MatterTemplate.objects.filter(live=True).count() == 2
    page = client.get(response["Location"])
    assert page.status_code == 200 and not page.context["running"]
    assert 'http-equiv="refresh"' not in page.content.decode()
    # Someone else cannot look at the job.
    from tenants.accounts.services import staff_user_create

    staff_user_create(username="city-admin-2", password=PASSWORD, role=Role.CITY_ADMIN)
    other = login(client_for, city, "city-admin-2")
    assert other.get(response["Location"]).status_code == 302


def test_a_running_import_page_refreshes_itself(city, city_admin, client_for):
    from django.core.cache import cache

    from catalog_cms.standards.tasks import job_key

    client = login(client_for, city, "city-admin")
    user_id = client.get("/api/v1/me/").wsgi_request.user.pk
    cache.set(
        job_key("j1"),
        {"state": "running", "user": user_id, "filename": "a.xlsx", "done": 50, "total": 2000},
    )
    page = client.get("/admin/standards/templates-import/jobs/j1/")
    assert page.status_code == 200 and page.context["running"]
    html = page.content.decode()
    assert 'http-equiv="refresh"' in html and 'max="2000"' in html and 'value="50"' in html
