import pytest
from django_tenants.utils import schema_context

from centers.workspace.models import Window
from tenants.accounts.models import Role
from tests.centers.workspace.test_api import login


@pytest.fixture
def centers(township, other_township, make_user):
    make_user(township, "window1", Role.WINDOW_STAFF)
    return township, other_township


def test_director_adds_a_window_through_the_service(centers, client_for):
    township, other = centers
    director = login(client_for(township), "admin")
    assert director.get("/admin/workspace_windows/").status_code == 200
    form = {"number": "4", "name": "农业补贴", "kind": "periodic", "schedule_note": ""}
    response = director.post("/admin/workspace_windows/new/", form)
    assert response.status_code == 200  # re-rendered with the service's errors
    assert "schedule_months" in response.context["form"].errors
    form |= {"schedule_months": "3,4,5", "schedule_weekdays": "1"}
    response = director.post("/admin/workspace_windows/new/", form)
    assert response.status_code == 302, response.context["form"].errors
    with schema_context(township.schema_name):
        window = Window.objects.get()
        assert window.schedule_months == [3, 4, 5]
    # B's admin never lists or opens A's window.
    b = login(client_for(other), "admin")
    assert "农业补贴" not in b.get("/admin/workspace_windows/").content.decode()
    assert b.get(f"/admin/workspace_windows/edit/{window.pk}/").status_code == 404


def test_window_staff_only_look(centers, client_for):
    township, _ = centers
    staff = login(client_for(township), "window1")
    assert staff.get("/admin/workspace_windows/").status_code == 200
    response = staff.post("/admin/workspace_windows/new/", {"number": "1", "name": "x"})
    assert response.status_code in (302, 403)
    with schema_context(township.schema_name):
        assert not Window.objects.exists()


def test_admin_export(centers, client_for):
    township, _other = centers
    director = login(client_for(township), "admin")
    response = director.get("/admin/workspace/export/windows/?format=csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("窗口编号")
    staff = login(client_for(township), "window1")
    assert staff.get("/admin/workspace/export/attendance/?format=csv").status_code == 403
