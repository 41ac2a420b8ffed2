"""The rectification screens: the center's list and detail on its domain (its own items only),
the city's on the city domain (the city: all; a district supervisor: their district's), one
form per step with a clear error and nothing changed on bad input, the policy screen, and
anonymous users refused."""

import pytest
from django_tenants.utils import schema_context

from evaluation.rectification import services
from evaluation.rectification.models import RatingAppeal, Rectification, State
from tenants.accounts.reauth import REAUTH_KEY
from tests.centers.workspace.test_api import login
from tests.conftest import host

from .conftest import bad_rating, rect_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(desk, far_township, people):
    """A 差评 of the desk's township and one of a township in the other district."""
    from tests.centers.cases.conftest import Desk

    mine = rect_of(desk, bad_rating(desk))
    far_desk = Desk(far_township, _maker())
    far = rect_of(far_desk, bad_rating(far_desk, reasons="态度差"))
    return {"mine": mine, "far": far}


def _maker():
    from tenants.accounts.services import staff_user_create
    from tests.conftest import PASSWORD

    def make(center, username, role, **extra):
        with schema_context(center.schema_name):
            return staff_user_create(username=username, password=PASSWORD, role=role, **extra)

    return make


def test_center_list_and_detail_are_scoped(desk, items, client_for):
    clerk = login(client_for(desk.center), "clerk1")
    response = clerk.get("/admin/rectifications/")
    assert response.status_code == 200
    assert [r.pk for r in response.context["page_obj"]] == [items["mine"].pk]
    assert items["mine"].receipt_number in response.content.decode()
    assert clerk.get(f"/admin/rectifications/{items['mine'].pk}/").status_code == 200
    assert clerk.get(f"/admin/rectifications/{items['far'].pk}/").status_code == 404
    assert "/admin/rectifications/" in clerk.get("/admin/").content.decode()
    # The center cannot open the city's policy screen.
    assert clerk.get("/admin/rectifications/policy/").status_code in (302, 403)


def test_anonymous_and_agent_refused(desk, items, client_for, city):
    for center in (desk.center, city):
        for url in ("/admin/rectifications/", f"/admin/rectifications/{items['mine'].pk}/"):
            response = client_for(center).get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
    agent = login(client_for(desk.center), "agent1")
    response = agent.get("/admin/rectifications/")
    assert response.status_code in (302, 403)
    assert "rectification-list" not in response.content.decode()
    # A session of the center does not open the city's screens.
    response = agent.get("/admin/rectifications/", HTTP_HOST=host(city))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_city_lists_are_scoped(items, people, client_for, city, district, other_district):
    admin = login(client_for(city), "city-admin")
    response = admin.get("/admin/rectifications/")
    assert {r.pk for r in response.context["page_obj"]} == {items["mine"].pk, items["far"].pk}
    response = admin.get(f"/admin/rectifications/?district={other_district.pk}")
    assert [r.pk for r in response.context["page_obj"]] == [items["far"].pk]
    supervisor = login(client_for(city), "shenbei-sup")
    response = supervisor.get("/admin/rectifications/")
    assert [r.pk for r in response.context["page_obj"]] == [items["mine"].pk]
    # Asking for the other district's center through the filter shows nothing of it.
    response = supervisor.get(f"/admin/rectifications/?center={items['far'].center_id}")
    assert items["far"].pk not in {r.pk for r in response.context["page_obj"]}
    assert supervisor.get(f"/admin/rectifications/{items['far'].pk}/").status_code == 404
    assert supervisor.get(f"/admin/rectifications/{items['mine'].pk}/").status_code == 200
    response = supervisor.get("/admin/rectifications/?state=open&overdue=1")
    assert list(response.context["page_obj"]) == []


def _post(client, rect, step, **data):
    return client.post(f"/admin/rectifications/{rect.pk}/", {"step": step, **data})


def test_center_steps_through_forms(desk, items, client_for, monkeypatch):
    from centers.cases import tasks

    monkeypatch.setattr(tasks.notification_send, "delay", lambda pk: None)
    rect = items["mine"]
    clerk = login(client_for(desk.center), "clerk1")
    # Reply before the call-back of a named resident: a clear error, nothing changed.
    response = _post(clerk, rect, "reply", text="答复")
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert Rectification.objects.get(pk=rect.pk).state == State.OPEN
    response = _post(clerk, rect, "call_back", called_on="not a date", outcome="已回访")
    assert response.status_code == 400
    assert Rectification.objects.get(pk=rect.pk).state == State.OPEN
    today = services.current_day().isoformat()
    response = _post(clerk, rect, "call_back", called_on=today, outcome="已回访")
    assert response.status_code == 302
    assert _post(clerk, rect, "reply", text="已整改").status_code == 302
    assert _post(clerk, rect, "appeal", reasons="恶意差评", evidence="录像").status_code == 302
    response = _post(clerk, rect, "appeal", reasons="再次申诉")
    assert response.status_code == 400
    assert RatingAppeal.objects.filter(rectification=rect).count() == 1
    # A district step posted on the center's domain is refused.
    assert _post(clerk, rect, "approve", note="").status_code in (302, 403)
    assert Rectification.objects.get(pk=rect.pk).state == State.REPLIED
    assert _post(clerk, rect, "submit", report="已调整排班").status_code == 302
    assert Rectification.objects.get(pk=rect.pk).state == State.SUBMITTED
    page = clerk.get(f"/admin/rectifications/{rect.pk}/").content.decode()
    assert "rectification-history" in page and "已调整排班" in page


def test_district_steps_through_forms(desk, items, people, client_for, city):
    rect = items["mine"]
    with schema_context(desk.center.schema_name):
        services.call_back_record(
            rect=rect, actor=desk.clerk, called_on=services.current_day(), outcome="已回访"
        )
        Rectification.objects.filter(pk=rect.pk).update(state=State.REPLIED)
        services.appeal_file(rect=rect, actor=desk.clerk, reasons="恶意")
        services.report_submit(rect=rect, actor=desk.clerk, report="报告")
    far = login(client_for(city), "hunnan-sup")
    assert _post(far, rect, "decide", decision="upheld", answer="成立").status_code == 404
    evaluator = login(client_for(city), "shenbei-eval")
    response = _post(evaluator, rect, "return", note="补充")
    assert response.status_code in (302, 403) and response.get("Location") == "/admin/"
    assert Rectification.objects.get(pk=rect.pk).state == State.SUBMITTED
    supervisor = login(client_for(city), "shenbei-sup")
    response = _post(supervisor, rect, "approve", note="")
    assert response.status_code == 400  # the appeal is pending
    assert _post(supervisor, rect, "decide", decision="maybe", answer="x").status_code == 400
    assert RatingAppeal.objects.get(rectification=rect).state == "pending"
    # Deciding asks for a recent password: without one, nothing is decided.
    session = supervisor.session
    del session[REAUTH_KEY]
    session.save()
    response = _post(supervisor, rect, "decide", decision="rejected", answer="证据不足")
    assert response.status_code == 302 and "/admin/reauth/" in response["Location"]
    assert RatingAppeal.objects.get(rectification=rect).state == "pending"
    supervisor = login(client_for(city), "shenbei-sup")
    response = _post(supervisor, rect, "decide", decision="rejected", answer="证据不足")
    assert response.status_code == 302 and response["Location"].endswith(f"/{rect.pk}/")
    assert _post(supervisor, rect, "return", note="").status_code == 400
    assert _post(supervisor, rect, "return", note="补充照片").status_code == 302
    assert Rectification.objects.get(pk=rect.pk).state == State.REPLIED


def test_policy_screen(people, client_for, city):
    admin = login(client_for(city), "city-admin")
    assert admin.get("/admin/rectifications/policy/").status_code == 200
    for bad in ("4", "16", "x"):
        response = admin.post("/admin/rectifications/policy/", {"deadline_working_days": bad})
        assert response.status_code == 400
    assert services.policy_current().deadline_working_days == 10
    response = admin.post("/admin/rectifications/policy/", {"deadline_working_days": "7"})
    assert response.status_code == 302
    assert services.policy_current().deadline_working_days == 7
    supervisor = login(client_for(city), "shenbei-sup")
    response = supervisor.get("/admin/rectifications/policy/")
    assert response.status_code in (302, 403)
    response = supervisor.post("/admin/rectifications/policy/", {"deadline_working_days": "5"})
    assert response.status_code in (302, 403)
    assert services.policy_current().deadline_working_days == 7


def test_detail_escapes_and_closed_item_refuses(desk, people, client_for, city):
    rect = rect_of(desk, bad_rating(desk, reasons="<script>alert(1)</script>"))
    with schema_context(desk.center.schema_name):
        services.call_back_record(
            rect=rect, actor=desk.clerk, called_on=services.current_day(), outcome="<b>回访</b>"
        )
        services.reply_send(rect=rect, actor=desk.clerk, text="答复")
        services.report_submit(rect=rect, actor=desk.clerk, report="报告")
    admin = login(client_for(city), "city-admin")
    page = admin.get(f"/admin/rectifications/{rect.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<b>回访</b>" not in page and 'value="approve"' in page
    assert _post(admin, rect, "approve", note="同意").status_code == 302
    page = admin.get(f"/admin/rectifications/{rect.pk}/").content.decode()
    assert 'name="step"' not in page  # a closed item offers no step
    response = _post(admin, rect, "return", note="再补充")
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert Rectification.objects.get(pk=rect.pk).state == State.CLOSED
    clerk = login(client_for(desk.center), "clerk1")
    assert _post(clerk, rect, "appeal", reasons="恶意").status_code == 400
    assert not RatingAppeal.objects.filter(rectification=rect).exists()
