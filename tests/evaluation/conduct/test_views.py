"""The campaign screens on both domains: a director fills the center's self-evaluation and the
peer evaluations assigned to the center and nothing else; district staff see and act on their
district only; the city administrator creates and closes; anonymous users are refused."""

import pytest

from evaluation.conduct import services
from evaluation.conduct.models import Campaign, Evaluation, EvaluationKind
from evaluation.rectification.models import Rectification
from tests.centers.workspace.test_api import login
from tests.conftest import host

from .conftest import answers

pytestmark = pytest.mark.django_db


def form_data(campaign, problems=None):
    data = {"comment": "好"}
    for item in campaign.items.all():
        problem = item.title in (problems or {})
        data[f"item_{item.pk}"] = "problem" if problem else "ok"
        data[f"desc_{item.pk}"] = (problems or {}).get(item.title, "")
        data[f"owner_{item.pk}"] = "李四" if problem else ""
    return data


@pytest.fixture
def peer(people, campaign, township, other_township):
    """虎石台街道 evaluates 清水台镇."""
    return services.peer_assign(
        actor=people["supervisor"],
        campaign=campaign,
        center=township,
        evaluator_center=other_township,
    )


def test_director_fills_self_evaluation(people, campaign, township, client_for):
    client = login(client_for(township), "director1")
    response = client.get("/admin/conduct/")
    assert response.status_code == 200
    assert f"/admin/conduct/{campaign.pk}/centers/{township.pk}/" in response.content.decode()
    url = f"/admin/conduct/{campaign.pk}/centers/{township.pk}/"
    assert 'id="conduct-form"' in client.get(url).content.decode()
    bad = form_data(campaign, {"服务态度": ""})
    response = client.post(url, bad)
    assert response.status_code == 400 and Evaluation.objects.count() == 0
    response = client.post(url, form_data(campaign, {"服务态度": "<b>态度差</b>"}))
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(kind=EvaluationKind.SELF, center=township)
    assert evaluation.is_submitted and evaluation.submitted_by == "director1"
    assert Rectification.objects.filter(center=township, finding_origin="self").count() == 1
    page = client.get(url).content.decode()
    assert 'id="conduct-submitted"' in page and 'id="conduct-form"' not in page
    assert "&lt;b&gt;态度差" in page
    response = client.post(url, form_data(campaign, {"首问负责": "又一个"}))
    assert response.status_code == 400
    assert Rectification.objects.filter(center=township).count() == 1


def test_peer_screens_are_scoped(
    people, campaign, peer, township, other_township, far_township, client_for
):
    url = f"/admin/conduct/{campaign.pk}/centers/{township.pk}/"
    evaluator = login(client_for(other_township), "director1")
    index = evaluator.get("/admin/conduct/").content.decode()
    assert url in index
    assert evaluator.get(url).status_code == 200
    # The evaluated center cannot open the peer's form: at its own id it gets its self form.
    evaluated = login(client_for(township), "director1")
    assert f"/admin/conduct/{campaign.pk}/centers/{other_township.pk}/" not in (
        evaluated.get("/admin/conduct/").content.decode()
    )
    other_url = f"/admin/conduct/{campaign.pk}/centers/{other_township.pk}/"
    assert evaluated.get(other_url).status_code == 404
    assert evaluated.get(f"/admin/conduct/evaluations/{peer.pk}/").status_code == 404
    far = login(client_for(far_township), "director1")
    assert far.get(url).status_code == 404
    assert far.get(f"/admin/conduct/evaluations/{peer.pk}/").status_code == 404
    response = evaluator.post(url, form_data(campaign, {"廉洁自律": "收受土特产"}))
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.is_submitted
    assert evaluator.get(f"/admin/conduct/evaluations/{peer.pk}/").status_code == 200
    assert Rectification.objects.get(finding_origin="peer").center == township


def test_city_screens_are_scoped(people, campaign, peer, township, far_township, client_for, city):
    services.district_evaluation_submit(
        actor=people["far_supervisor"],
        campaign=campaign,
        center=far_township,
        findings=answers(campaign, {"服务态度": "态度生硬"}),
    )
    far_eval = Evaluation.objects.get(center=far_township)
    supervisor = login(client_for(city), "shenbei-sup")
    response = supervisor.get(f"/admin/conduct/{campaign.pk}/")
    assert response.status_code == 200
    assert [e.pk for e in response.context["evaluations"]] == [peer.pk]
    assert supervisor.get(f"/admin/conduct/evaluations/{far_eval.pk}/").status_code == 404
    assert supervisor.get(f"/admin/conduct/evaluations/{peer.pk}/").status_code == 200
    far_url = f"/admin/conduct/{campaign.pk}/centers/{far_township.pk}/"
    assert supervisor.get(far_url).status_code == 404
    assert supervisor.post(far_url, form_data(campaign)).status_code == 404
    # Assigning a peer across districts through the form is refused, nothing written.
    response = supervisor.post(
        f"/admin/conduct/{campaign.pk}/",
        {"step": "assign", "center": township.pk, "evaluator_center": far_township.pk},
    )
    assert response.status_code == 400 and Evaluation.objects.count() == 2
    # The district's own evaluation of its center.
    url = f"/admin/conduct/{campaign.pk}/centers/{township.pk}/"
    assert supervisor.post(url, form_data(campaign, {"首问负责": "推诿"})).status_code == 302
    assert Evaluation.objects.get(kind=EvaluationKind.DISTRICT, center=township).is_submitted
    # Supervisors neither create nor close campaigns.
    assert supervisor.get("/admin/conduct/new/").status_code in (302, 403)
    supervisor.post(f"/admin/conduct/{campaign.pk}/", {"step": "close"})
    campaign.refresh_from_db()
    assert campaign.is_open
    far = login(client_for(city), "hunnan-sup")
    response = far.get(f"/admin/conduct/{campaign.pk}/")
    assert [e.pk for e in response.context["evaluations"]] == [far_eval.pk]
    assert far.get(f"/admin/conduct/evaluations/{peer.pk}/").status_code == 404


def test_city_admin_creates_and_closes(people, city, client_for, rubric_round):
    admin = login(client_for(city), "city-admin")
    assert admin.get("/admin/conduct/new/").status_code == 200
    response = admin.post(
        "/admin/conduct/new/",
        {
            "name": "2026年2月作风建设",
            "round": rubric_round.pk,
            "items": "服务态度\n工作纪律｜在岗",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="2026年2月作风建设")
    assert campaign.round == rubric_round and campaign.period_end == rubric_round.period_end
    assert admin.post("/admin/conduct/new/", {"name": "x", "items": ""}).status_code == 400
    response = admin.post(f"/admin/conduct/{campaign.pk}/", {"step": "close"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert not campaign.is_open


def test_refused(people, campaign, township, district, client_for, city):
    for center in (township, city):
        response = client_for(center).get("/admin/conduct/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    clerk = login(client_for(township), "clerk1")
    assert clerk.get("/admin/conduct/").status_code in (302, 403)
    url = f"/admin/conduct/{campaign.pk}/centers/{township.pk}/"
    assert clerk.post(url, form_data(campaign)).status_code in (302, 403)
    evaluator = login(client_for(city), "shenbei-eval")
    assert evaluator.get("/admin/conduct/").status_code in (302, 403)
    # A center's session does not open the city's screens.
    director = login(client_for(township), "director1")
    response = director.get(f"/admin/conduct/{campaign.pk}/", HTTP_HOST=host(city))
    assert response.status_code == 302
    assert director.get(f"/admin/conduct/{campaign.pk}/").status_code in (302, 403)
    # A district's own center has no self-evaluation.
    district_director = login(client_for(district), "admin")
    url = f"/admin/conduct/{campaign.pk}/centers/{district.pk}/"
    assert district_director.get(url).status_code == 404
    assert district_director.post(url, form_data(campaign)).status_code == 404
    assert Evaluation.objects.count() == 0
