import io

import openpyxl
import pytest
from django_tenants.utils import schema_context

from centers.workspace.models import Attendance, OpeningInterval, Window
from tenants.accounts.models import Role
from tests.conftest import PASSWORD

WEEK = [{"weekday": d, "start": "08:30", "end": "12:00"} for d in range(5)] + [
    {"weekday": d, "start": "13:30", "end": "17:30"} for d in range(5)
]


def login(client, username):
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def staffed(township, other_township, make_user):
    for center in (township, other_township):
        make_user(center, "window1", Role.WINDOW_STAFF)
    return township, other_township


def test_director_manages_windows_and_staff_only_read(staffed, client_for):
    township, _other = staffed
    director = login(client_for(township), "admin")
    body = {"number": 5, "name": "农业补贴", "kind": "periodic"}
    response = director.post("/api/v1/windows/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"schedule_months", "schedule_weekdays"}
    body |= {"schedule_months": [3, 4, 5], "schedule_weekdays": [1]}
    response = director.post("/api/v1/windows/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    window_id = response.json()["id"]
    staff = login(client_for(township), "window1")
    assert staff.get("/api/v1/windows/").json()["count"] == 1
    response = staff.post(
        "/api/v1/windows/", {**body, "number": 6}, content_type="application/json"
    )
    assert response.status_code == 403
    assert staff.delete(f"/api/v1/windows/{window_id}/").status_code == 403
    assert director.delete(f"/api/v1/windows/{window_id}/").status_code == 204


def test_cross_tenant_windows_hours_and_attendance(staffed, client_for):
    township, other = staffed
    a = login(client_for(township), "admin")
    response = a.post(
        "/api/v1/windows/",
        {"number": 1, "name": "民政", "kind": "independent"},
        content_type="application/json",
    )
    window_id = response.json()["id"]
    assert (
        a.put(
            "/api/v1/opening-hours/", {"intervals": WEEK}, content_type="application/json"
        ).status_code
        == 200
    )
    staff_a = login(client_for(township), "window1")
    assert staff_a.post("/api/v1/attendance/sign-in/").status_code == 201
    # B's director sees none of A's objects and cannot reach them by id.
    b = login(client_for(other), "admin")
    assert b.get("/api/v1/windows/").json()["count"] == 0
    assert b.get(f"/api/v1/windows/{window_id}/").status_code == 404
    assert b.delete(f"/api/v1/windows/{window_id}/").status_code == 404
    assert b.get("/api/v1/opening-hours/").json()["intervals"] == []
    assert b.get("/api/v1/attendance/").json()["count"] == 0
    # A's session means nothing on B's domain.
    a.defaults["HTTP_HOST"] = client_for(other).defaults["HTTP_HOST"]
    assert a.get("/api/v1/windows/").status_code in (401, 403)
    assert a.post(
        "/api/v1/windows/",
        {"number": 9, "name": "x", "kind": "combined"},
        content_type="application/json",
    ).status_code in (401, 403)
    with schema_context(other.schema_name):
        assert not Window.objects.exists() and not OpeningInterval.objects.exists()
        assert not Attendance.objects.exists()
    with schema_context(township.schema_name):
        assert Window.objects.count() == 1 and Attendance.objects.count() == 1


def test_opening_hours_overlap_is_a_400(staffed, client_for):
    township, _ = staffed
    a = login(client_for(township), "admin")
    bad = {"intervals": [{"weekday": 0, "start": "08:30", "end": "12:00"},
                         {"weekday": 0, "start": "11:00", "end": "14:00"}]}  # fmt: skip
    response = a.put("/api/v1/opening-hours/", bad, content_type="application/json")
    assert response.status_code == 400 and "intervals" in response.json()
    response = a.put("/api/v1/opening-hours/", {"intervals": WEEK}, content_type="application/json")
    data = response.json()
    assert data["weekly_open_hours"] == "37.50" and "open_now" in data and "next_open_at" in data


def test_profile_and_compliance(staffed, client_for):
    township, _ = staffed
    a = login(client_for(township), "admin")
    response = a.put(
        "/api/v1/profile/", {"name": "清水台镇", "floor_area_m2": "-1"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()) == {"name", "floor_area_m2"}
    response = a.put(
        "/api/v1/profile/",
        {"name": "清水台镇政务服务中心", "floor_area_m2": "180", "rules_kept": ["ab_posts"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    compliance = response.json()["compliance"]
    assert compliance["compliant"] is False
    assert compliance["checks"]["floor_area"]["ok"] is False
    # 急办件 (seed plan 1): the center sets its internal target as a share of the promised
    # days; 1 to 100, and a PUT without it keeps it.
    assert response.json()["profile"]["urgent_target_percent"] == 50
    body = {"name": "清水台镇政务服务中心", "floor_area_m2": "180"}
    response = a.put(
        "/api/v1/profile/", body | {"urgent_target_percent": 0}, content_type="application/json"
    )
    assert response.status_code == 400 and set(response.json()) == {"urgent_target_percent"}
    response = a.put(
        "/api/v1/profile/", body | {"urgent_target_percent": 40}, content_type="application/json"
    )
    assert response.json()["profile"]["urgent_target_percent"] == 40
    response = a.put("/api/v1/profile/", body, content_type="application/json")
    assert response.json()["profile"]["urgent_target_percent"] == 40
    staff = login(client_for(township), "window1")
    assert staff.get("/api/v1/profile/").json()["profile"]["name"] == "清水台镇政务服务中心"
    assert (
        staff.put(
            "/api/v1/profile/", {"name": "清水台镇政务服务中心"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_sign_in_and_out_for_the_current_user(staffed, client_for):
    township, _ = staffed
    staff = login(client_for(township), "window1")
    assert staff.post("/api/v1/attendance/sign-out/").status_code == 400
    assert staff.post("/api/v1/attendance/sign-in/").status_code == 201
    assert staff.post("/api/v1/attendance/sign-in/").status_code == 400
    response = staff.post("/api/v1/attendance/sign-out/")
    assert response.status_code == 200 and response.json()["signed_out_at"]
    assert staff.get("/api/v1/attendance/summary/?month=2026-02").status_code == 403
    director = login(client_for(township), "admin")
    assert director.get("/api/v1/attendance/").json()["count"] == 1
    assert director.get("/api/v1/attendance/summary/?month=2026-02").status_code == 200
    assert director.get("/api/v1/attendance/summary/?month=2026-13").status_code == 400


def test_exports_have_chinese_headers(staffed, client_for):
    township, other = staffed
    a = login(client_for(township), "admin")
    a.post(
        "/api/v1/windows/",
        {"number": 1, "name": "民政", "kind": "independent"},
        content_type="application/json",
    )
    a.put("/api/v1/opening-hours/", {"intervals": WEEK}, content_type="application/json")
    response = a.get("/api/v1/windows/export/?format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("窗口编号", "窗口名称", "窗口类型")
    assert rows[1][1] == "民政"
    for url, header in [
        ("/api/v1/windows/export/?format=csv", "窗口编号"),
        ("/api/v1/staff/export/?format=csv", "用户名"),
        ("/api/v1/opening-hours/export/?format=csv", "星期"),
        ("/api/v1/duty-roster/export/?format=csv", "值班人员"),
        ("/api/v1/attendance/export/?format=csv", "签到时间"),
    ]:
        response = a.get(url)
        assert response.status_code == 200, url
        assert header in response.content.decode("utf-8-sig").splitlines()[0]
    # B's export never carries A's windows.
    b = login(client_for(other), "admin")
    text = b.get("/api/v1/windows/export/?format=csv").content.decode("utf-8-sig")
    assert "民政" not in text
