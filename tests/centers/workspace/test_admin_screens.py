"""The workspace's admin screens: profile with photos and compliance, the week grid, windows'
matters, deletes and edits through services, export buttons and "My attendance"."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image as PILImage
from wagtail.images import get_image_model

from centers.catalog.services import local_matter_create
from centers.workspace import services
from centers.workspace.models import (
    Absence,
    Attendance,
    CenterProfile,
    Closure,
    DutyShift,
    OpeningInterval,
    Post,
    ServicePoint,
    Window,
    WorkspaceAuditEvent,
)
from tenants.accounts.models import Role, User
from tests.centers.workspace.test_api import login

DENIED = (302, 403)
PROFILE = {
    "name": "清水台镇政务服务中心",
    "address": "清水台镇政府路1号",
    "phone": "024-1111",
    "director_name": "张三",
    "floor_area_m2": "350.0",
    "rules_kept": ["first_inquiry"],
}


def png(width=20, height=10) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def centers(township, other_township, make_user):
    for center in (township, other_township):
        make_user(center, "window1", Role.WINDOW_STAFF)
        make_user(center, "agent1", Role.VILLAGE_AGENT)
    return township, other_township


def director(center):
    return User.objects.get(username="admin")


def _rule():
    from centers.workspace.models import CenterRule

    return CenterRule.values[0]


# --- 1. profile ------------------------------------------------------------------------------


def test_director_edits_profile_with_photo_and_sees_compliance(centers, client_for, media_root):
    township, other = centers
    a = login(client_for(township), "admin")
    response = a.get("/admin/workspace_profile/")
    assert response.status_code == 200
    assert "compliance-heading" in response.content.decode()
    form = PROFILE | {
        "rules_kept": [_rule()],
        "photo": SimpleUploadedFile("hall.png", png(), content_type="image/png"),
        "photo_title": "大厅",
    }
    response = a.post("/admin/workspace_profile/", form)
    assert response.status_code == 302, response.context["form"].errors
    with schema_context(township.schema_name):
        profile = CenterProfile.objects.get()
        assert profile.rules_kept == [_rule()]
        [photo] = profile.photos.all()
        assert (photo.title, photo.width, photo.height) == ("大厅", 20, 10)
        assert f"/{township.schema_name}/" in photo.file.path
    page = a.get("/admin/workspace_profile/").content.decode()
    assert "大厅" in page
    # B sees nothing of A's profile.
    b = login(client_for(other), "admin")
    assert "清水台镇政府路1号" not in b.get("/admin/workspace_profile/").content.decode()
    with schema_context(other.schema_name):
        assert not CenterProfile.objects.exists()
        assert not get_image_model().objects.filter(title="大厅").exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("x.png", b"not an image at all", "image/png"), "not an image"),
        (SimpleUploadedFile("big.png", png(4001, 10), "image/png"), "4000"),
    ],
)
def test_bad_photo_or_name_shows_error_and_saves_nothing(
    centers, client_for, media_root, upload, message
):
    township, _other = centers
    a = login(client_for(township), "admin")
    with schema_context(township.schema_name):
        services.profile_update(actor=None, name="清水台镇政务服务中心", address="旧地址")
    response = a.post(
        "/admin/workspace_profile/", PROFILE | {"photo": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["photo"])
    with schema_context(township.schema_name):
        profile = CenterProfile.objects.get()
        assert profile.address == "旧地址"  # the whole save was rolled back
        assert not profile.photos.exists()
    response = a.post("/admin/workspace_profile/", PROFILE | {"name": "清水台镇"})
    assert response.status_code == 200 and "name" in response.context["form"].errors


def test_photo_over_5_mb_refused(centers):
    township, _other = centers
    upload = SimpleUploadedFile("big.png", png(), "image/png")
    upload.size = 5 * 1024 * 1024 + 1
    with schema_context(township.schema_name), pytest.raises(Exception) as exc:
        services.photo_check(upload)
    assert "5 MB" in str(exc.value)


def test_window_staff_cannot_edit_profile(centers, client_for):
    township, _other = centers
    staff = login(client_for(township), "window1")
    assert staff.get("/admin/workspace_profile/").status_code == 200
    response = staff.post("/admin/workspace_profile/", PROFILE)
    assert response.status_code in DENIED
    with schema_context(township.schema_name):
        assert not CenterProfile.objects.exists()


def test_api_photo_upload(centers, client_for, media_root):
    township, other = centers
    a = login(client_for(township), "admin")
    upload = SimpleUploadedFile("hall.png", png(), content_type="image/png")
    response = a.post("/api/v1/profile/photos/", {"photo": upload})
    assert response.status_code == 400 and "photo" in response.json()  # no profile yet
    with schema_context(township.schema_name):
        services.profile_update(actor=None, name="清水台镇政务服务中心")
    upload = SimpleUploadedFile("hall.png", png(), content_type="image/png")
    response = a.post("/api/v1/profile/photos/", {"photo": upload, "title": "大厅"})
    assert response.status_code == 201, response.content
    assert response.json()["width"] == 20
    bad = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")
    response = a.post("/api/v1/profile/photos/", {"photo": bad})
    assert response.status_code == 400 and "photo" in response.json()
    staff = login(client_for(township), "window1")
    upload = SimpleUploadedFile("hall.png", png(), content_type="image/png")
    assert staff.post("/api/v1/profile/photos/", {"photo": upload}).status_code == 403
    with schema_context(township.schema_name):
        assert CenterProfile.objects.get().photos.count() == 1
    with schema_context(other.schema_name):
        assert not get_image_model().objects.filter(title="大厅").exists()


# --- 2. opening hours ------------------------------------------------------------------------


def test_week_grid(centers, client_for):
    township, other = centers
    a = login(client_for(township), "admin")
    week = {f"day_{d}": "08:30-12:00, 13:30-17:30" for d in range(5)}
    response = a.post("/admin/workspace_hours/", week | {"day_5": "09:00-11:00, 10:00-12:00"})
    assert response.status_code == 200
    assert "09:00–11:00" in " ".join(response.context["form"].non_field_errors())
    response = a.post("/admin/workspace_hours/", week | {"day_6": "nonsense"})
    assert response.status_code == 200 and "day_6" in response.context["form"].errors
    with schema_context(township.schema_name):
        assert not OpeningInterval.objects.exists()
    assert a.post("/admin/workspace_hours/", week).status_code == 302
    with schema_context(township.schema_name):
        assert OpeningInterval.objects.count() == 10
    page = a.get("/admin/workspace_hours/").content.decode()
    assert "37.50" in page
    status = a.get("/admin/workspace_hours/").context["status"]
    assert status["open_now"] or status["next_open_at"]
    staff = login(client_for(township), "window1")
    assert staff.get("/admin/workspace_hours/").status_code == 200
    assert staff.post("/admin/workspace_hours/", {"day_0": "08:00-09:00"}).status_code in DENIED
    b = login(client_for(other), "admin")
    assert "37.50" not in b.get("/admin/workspace_hours/").content.decode()
    with schema_context(other.schema_name):
        assert not OpeningInterval.objects.exists()


def test_closure_add_edit_delete(centers, client_for):
    township, other = centers
    a = login(client_for(township), "admin")
    form = {"start_date": "2026-05-06", "end_date": "2026-05-07", "reason": "装修"}
    assert a.post("/admin/workspace_closures/new/", form).status_code == 302
    with schema_context(township.schema_name):
        closure = township_closure = Closure.objects.get()
    bad = form | {"end_date": "2026-05-01"}
    response = a.post(f"/admin/workspace_closures/edit/{closure.pk}/", bad)
    assert response.status_code == 200 and "end_date" in response.context["form"].errors
    with schema_context(township.schema_name):
        township_closure.refresh_from_db()
        assert township_closure.end_date == datetime.date(2026, 5, 7)
    edit = form | {"reason": "装修改造"}
    assert a.post(f"/admin/workspace_closures/edit/{closure.pk}/", edit).status_code == 302
    b = login(client_for(other), "admin")
    assert b.post(f"/admin/workspace_closures/delete/{closure.pk}/").status_code == 404
    assert a.post(f"/admin/workspace_closures/delete/{closure.pk}/").status_code == 302
    with schema_context(township.schema_name):
        assert not type(closure).objects.exists()


# --- 3. matters of windows and service points ------------------------------------------------


def _matter(center, code):
    with schema_context(center.schema_name):
        return local_matter_create(
            actor=director(center),
            code=code,
            name=f"事项{code}",
            category_name="民政",
            matter_type="01",
            authority_level="township",
            mode="immediate",
        )


def test_window_and_service_point_matters(centers, client_for):
    township, other = centers
    mine = _matter(township, "A001")
    theirs = _matter(other, "B001")
    a = login(client_for(township), "admin")
    form = {"number": "1", "name": "民政", "kind": "independent", "matters": [theirs.pk + 1000]}
    response = a.post("/admin/workspace_windows/new/", form)
    assert response.status_code == 200 and "matters" in response.context["form"].errors
    form["matters"] = [mine.pk]
    response = a.post("/admin/workspace_windows/new/", form)
    assert response.status_code == 302, response.context["form"].errors
    with schema_context(township.schema_name):
        assert list(Window.objects.get().matters.values_list("code", flat=True)) == ["A001"]
    point = {"name": "东村站", "kind": "village", "village": "东村", "matters": [mine.pk]}
    with schema_context(township.schema_name):
        point["agents"] = [User.objects.get(username="agent1").pk]
    response = a.post("/admin/workspace_service_points/new/", point)
    assert response.status_code == 302, response.context["form"].errors
    with schema_context(township.schema_name):
        assert ServicePoint.objects.get().matters.get() == mine


# --- 4. deletes and edits ---------------------------------------------------------------------


@pytest.fixture
def staffed_post(centers):
    township, _other = centers
    with schema_context(township.schema_name):
        users = {u.username: u for u in User.objects.all()}
        post = services.post_save(
            actor=None, name="低保", holder_a=users["admin"], holder_b=users["window1"]
        )
        point = services.service_point_save(actor=None, name="东村站", village="东村")
    return post, point


def test_delete_post_and_service_point(centers, client_for, staffed_post):
    township, other = centers
    post, point = staffed_post
    staff = login(client_for(township), "window1")
    assert staff.post(f"/admin/workspace_posts/delete/{post.pk}/").status_code in DENIED
    b = login(client_for(other), "admin")
    assert b.post(f"/admin/workspace_posts/delete/{post.pk}/").status_code == 404
    a = login(client_for(township), "admin")
    assert a.post(f"/admin/workspace_posts/delete/{post.pk}/").status_code == 302
    assert a.post(f"/admin/workspace_service_points/delete/{point.pk}/").status_code == 302
    with schema_context(township.schema_name):
        assert not Post.objects.exists() and not ServicePoint.objects.exists()
        actions = set(WorkspaceAuditEvent.objects.values_list("action", flat=True))
        assert {"post_delete", "service_point_delete"} <= actions


def test_edit_absence_and_duty_shift(centers, client_for):
    township, other = centers
    with schema_context(township.schema_name):
        w1 = User.objects.get(username="window1")
        absence = services.absence_create(
            actor=None,
            user=w1,
            start_date=datetime.date(2026, 3, 2),
            end_date=datetime.date(2026, 3, 3),
            reason="病假",
        )
    a = login(client_for(township), "admin")
    form = {"user": w1.pk, "start_date": "2026-03-02", "end_date": "2026-03-05", "reason": ""}
    response = a.post(f"/admin/workspace_absences/edit/{absence.pk}/", form)
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    form["reason"] = "病假延长"
    assert a.post(f"/admin/workspace_absences/edit/{absence.pk}/", form).status_code == 302
    with schema_context(township.schema_name):
        assert Absence.objects.get().end_date == datetime.date(2026, 3, 5)
    b = login(client_for(other), "admin")
    assert b.get(f"/admin/workspace_absences/edit/{absence.pk}/").status_code == 404

    # A working day (Tuesday 2026-03-03) needs a note saying why.
    duty = {"date": "2026-03-03", "users": [w1.pk], "role_note": "值班", "phone": ""}
    response = a.post("/admin/workspace_duty/new/", duty)
    assert response.status_code == 200 and "date" in response.context["form"].errors
    with schema_context(township.schema_name):
        assert not DutyShift.objects.exists()
    duty["working_day_note"] = "防汛值守"
    assert a.post("/admin/workspace_duty/new/", duty).status_code == 302
    with schema_context(township.schema_name):
        shift = DutyShift.objects.get()
        assert shift.working_day_note == "防汛值守"
    duty |= {"date": "2026-10-01", "working_day_note": ""}
    assert a.post(f"/admin/workspace_duty/edit/{shift.pk}/", duty).status_code == 302
    with schema_context(township.schema_name):
        shift.refresh_from_db()
        assert shift.holiday_name == "国庆节"
    staff = login(client_for(township), "window1")
    assert staff.post(f"/admin/workspace_duty/delete/{shift.pk}/").status_code in DENIED
    assert a.post(f"/admin/workspace_duty/delete/{shift.pk}/").status_code == 302
    with schema_context(township.schema_name):
        assert not DutyShift.objects.exists()


# --- 5. export buttons -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "listing, what",
    [
        ("workspace_windows", "windows"),
        ("workspace_posts", "staff"),
        ("workspace_duty", "duty-roster"),
        ("workspace_attendance", "attendance"),
        ("workspace_hours", "hours"),
    ],
)
def test_export_buttons(centers, client_for, listing, what):
    township, _other = centers
    a = login(client_for(township), "admin")
    page = a.get(f"/admin/{listing}/").content.decode()
    for fmt in ("xlsx", "csv"):
        url = f"/admin/workspace/export/{what}/?format={fmt}"
        assert url.replace("&", "&amp;") in page
        assert a.get(url).status_code == 200
    staff = login(client_for(township), "window1")
    page = staff.get(f"/admin/{listing}/").content.decode()
    assert (f"/admin/workspace/export/{what}/" in page) == (what != "attendance")


# --- 6. my attendance ------------------------------------------------------------------------


def test_my_attendance(centers, client_for):
    township, other = centers
    staff = login(client_for(township), "window1")
    page = staff.get("/admin/workspace_my_attendance/").content.decode()
    assert 'value="sign_in"' in page
    assert staff.post("/admin/workspace_my_attendance/", {"action": "sign_in"}).status_code == 302
    page = staff.get("/admin/workspace_my_attendance/").content.decode()
    assert 'value="sign_out"' in page and 'value="sign_in"' not in page
    staff.post("/admin/workspace_my_attendance/", {"action": "sign_in"})  # twice: refused
    with schema_context(township.schema_name):
        assert Attendance.objects.filter(user__username="window1").count() == 1
    with schema_context(other.schema_name):
        assert not Attendance.objects.exists()
    # The attendance listing shows window staff their own records only.
    with schema_context(township.schema_name):
        admin = User.objects.get(username="admin")
        services.attendance_sign_in(user=admin)
    listing = staff.get("/admin/workspace_attendance/").content.decode()
    assert "window1" in listing and ">admin " not in listing
    response = staff.get(f"/admin/workspace_my_attendance/?month={datetime.date.today():%Y-%m}")
    assert response.context["summary"]["user"].username == "window1"
