"""The scoring screens: who sees and does what on which domain, and that the forms reach the
services (bad input refused with nothing changed, CSRF-protected POSTs, reauth to publish)."""

import time
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from evaluation.scoring import services
from evaluation.scoring.models import (
    EvidencePhoto,
    RankingEntry,
    Round,
    RoundState,
    Rubric,
    ScorecardState,
)
from tenants.accounts.reauth import REAUTH_KEY
from tests.conftest import PASSWORD

from .conftest import RUBRIC_CSV, png_bytes, submit_ready, upload
from .test_services import director_of

pytestmark = pytest.mark.django_db


def login(client, username):
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def denied(response) -> bool:
    """Wagtail turns PermissionDenied into a redirect to the admin home with a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def score_post(**overrides):
    data = {
        "site_visit_date": "2026-10-12",
        "comment": "整体良好",
        "points_1.1.1": "9",
        "points_1.1.2": "5",
        "faults_2.1.1": "1",
        "points_3.1.1": "0",
        "points_3.1.2": "0",
        "veto_present_4.1.1": "1",
        "comment_1.1.1": "大厅宽敞",
    }
    data.update(overrides)
    return data


def test_evaluator_scores_through_the_form(card, evaluator, city, client_for, media_root):
    client = login(client_for(city), evaluator.username)
    page = client.get("/admin/evaluation/assignments/")
    assert page.status_code == 200 and f"/admin/evaluation/scorecards/{card.pk}/" in page.text
    page = client.get(f"/admin/evaluation/scorecards/{card.pk}/")
    assert page.status_code == 200
    assert 'name="points_1.1.1"' in page.text and "大厅面积达标" in page.text
    assert 'name="points_2.1.2"' not in page.text  # auto items take no input
    response = client.post(f"/admin/evaluation/scorecards/{card.pk}/", score_post(action="draft"))
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.state == ScorecardState.DRAFT and card.comment == "整体良好"
    data = score_post(action="submit")
    data["photo_1.1.1"] = upload("hall.png")
    response = client.post(f"/admin/evaluation/scorecards/{card.pk}/", data)
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.state == ScorecardState.SUBMITTED and card.total == Decimal("32.00")
    photo = EvidencePhoto.objects.get()
    assert client.get(f"/admin/evaluation/evidence/{photo.pk}/thumbnail/").status_code == 200
    # Never through /media/.
    assert client.get(f"/media/public/{photo.image.name}").status_code == 404


def test_bad_score_refused_with_nothing_changed(card, evaluator, city, client_for):
    client = login(client_for(city), evaluator.username)
    client.post(f"/admin/evaluation/scorecards/{card.pk}/", score_post(action="draft"))
    response = client.post(
        f"/admin/evaluation/scorecards/{card.pk}/",
        score_post(action="draft", **{"points_1.1.1": "11", "comment": "改"}),
    )
    assert response.status_code == 400
    assert "1.1.1" in response.text and 'value="11"' in response.text
    card.refresh_from_db()
    assert card.comment == "整体良好"
    assert card.scores.get(item__code="1.1.1").points == Decimal(9)


def test_submit_without_required_photo_refused(card, evaluator, city, client_for):
    client = login(client_for(city), evaluator.username)
    response = client.post(f"/admin/evaluation/scorecards/{card.pk}/", score_post(action="submit"))
    assert response.status_code == 400
    card.refresh_from_db()
    assert card.state == ScorecardState.DRAFT


def test_score_form_refuses_other_district_and_anonymous(
    card, other_evaluator, supervisor, city, client_for
):
    url = f"/admin/evaluation/scorecards/{card.pk}/"
    anonymous = client_for(city).get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    other = login(client_for(city), other_evaluator.username)
    assert denied(other.get(url))
    assert denied(other.post(url, score_post(action="draft")))
    assert not card.scores.exists()
    # The district's supervisor reads it, without the form.
    page = login(client_for(city), supervisor.username).get(url)
    assert page.status_code == 200 and 'id="score-form"' not in page.text


def test_csrf_required(card, evaluator, city, client_for):
    from django.test import Client

    from tests.conftest import host

    client = Client(HTTP_HOST=host(city), enforce_csrf_checks=True)
    client.force_login(evaluator)
    response = client.post(f"/admin/evaluation/scorecards/{card.pk}/", score_post(action="draft"))
    assert denied(response)
    assert not card.scores.exists()


def test_city_admin_imports_and_runs_a_round(
    city_admin, city, client_for, township, other_township, evaluator, media_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(client_for(city), city_admin.username)
    assert client.get("/admin/evaluation/rubrics/").status_code == 200
    response = client.post(
        "/admin/evaluation/rubrics/",
        {
            "name": "考核细则",
            "bonus_cap": "4",
            "file": SimpleUploadedFile("r.csv", RUBRIC_CSV.encode(), "text/csv"),
        },
    )
    assert response.status_code == 302
    rubric = Rubric.objects.get(name="考核细则")
    assert client.get(f"/admin/evaluation/rubrics/{rubric.pk}/").status_code == 200
    assert (
        client.post(f"/admin/evaluation/rubrics/{rubric.pk}/", {"action": "publish"}).status_code
        == 302
    )
    rubric.refresh_from_db()
    assert rubric.is_published
    export = client.get(f"/admin/evaluation/rubrics/{rubric.pk}/export/")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    bad = client.post(
        "/admin/evaluation/rubrics/",
        {
            "name": "坏",
            "file": SimpleUploadedFile("r.csv", "编码,名称\nx,y\n".encode(), "text/csv"),
        },
    )
    assert bad.status_code == 200 and not Rubric.objects.filter(name="坏").exists()
    response = client.post(
        "/admin/evaluation/rounds/",
        {"name": "2026年11月", "period_start": "2026-11-01", "period_end": "2026-11-30",
         "rubric": rubric.pk, "talk_threshold": "60"},
    )  # fmt: skip
    assert response.status_code == 302
    round_ = Round.objects.get(name="2026年11月")
    url = f"/admin/evaluation/rounds/{round_.pk}/"
    assert client.post(url, {"action": "assign_all"}).status_code == 302
    assert round_.assignments.count() == 2
    assert client.post(url, {"action": "open_scoring"}).status_code == 302
    page = client.get(url)
    assert page.status_code == 200 and "清水台镇" in page.text
    for card in round_.scorecards.all():
        submit_ready(card, evaluator)
    client.post(url, {"action": "open_appeals"})
    client.post(url, {"action": "lock"})
    round_.refresh_from_db()
    assert round_.state == RoundState.LOCKED
    # Publishing needs a recent password.
    with schema_context("public"):
        session = client.session
        session[REAUTH_KEY] = int(time.time()) - 3600
        session.save()
    publish_url = f"/admin/evaluation/rounds/{round_.pk}/publish/"
    response = client.post(publish_url)
    assert response.status_code == 302 and "/admin/reauth/" in response["Location"]
    assert not RankingEntry.objects.exists()
    with schema_context("public"):
        session = client.session
        session[REAUTH_KEY] = int(time.time())
        session.save()
    assert client.get(publish_url).status_code == 200
    assert client.post(publish_url).status_code == 302
    round_.refresh_from_db()
    assert round_.state == RoundState.PUBLISHED
    assert RankingEntry.objects.filter(round=round_).count() == 2


def test_round_screens_for_city_admin_only(round_, evaluator, supervisor, city, client_for):
    for user in (evaluator, supervisor):
        client = login(client_for(city), user.username)
        assert denied(client.get("/admin/evaluation/rounds/"))
        assert denied(client.get(f"/admin/evaluation/rounds/{round_.pk}/"))
        assert denied(client.get("/admin/evaluation/rubrics/"))
        assert client.post(f"/admin/evaluation/rounds/{round_.pk}/publish/").status_code == 302
    round_.refresh_from_db()
    assert round_.state == RoundState.SCORING


def _appealable(card, other_card, evaluator, city_admin, round_):
    submit_ready(card, evaluator)
    submit_ready(other_card, evaluator)
    services.round_open_appeals(actor=city_admin, round=round_)


def test_center_sees_its_result_and_appeals_once(
    card, other_card, evaluator, city_admin, round_, township, other_township, client_for,
    supervisor, city, media_root,
):  # fmt: skip
    _appealable(card, other_card, evaluator, city_admin, round_)
    director = director_of(township)
    client = login(client_for(township), director.username)
    home = client.get("/admin/evaluation/")
    assert home.status_code == 200 and f"/admin/evaluation/results/{card.pk}/" in home.text
    assert f"/admin/evaluation/results/{other_card.pk}/" not in home.text
    page = client.get(f"/admin/evaluation/results/{card.pk}/")
    assert page.status_code == 200 and 'id="appeal-form"' in page.text
    photo = EvidencePhoto.objects.get(item_score__scorecard=card)
    assert client.get(f"/admin/evaluation/evidence/{photo.pk}/thumbnail/").status_code == 200
    # Another center's scorecard and photo do not exist on this domain.
    assert client.get(f"/admin/evaluation/results/{other_card.pk}/").status_code == 404
    other_photo = EvidencePhoto.objects.get(item_score__scorecard=other_card)
    assert denied(client.get(f"/admin/evaluation/evidence/{other_photo.pk}/"))
    response = client.post(
        f"/admin/evaluation/results/{card.pk}/", {"reasons": "面积测量有误，请复核。"}
    )
    assert response.status_code == 302
    again = client.post(
        f"/admin/evaluation/results/{card.pk}/", {"reasons": "再次申诉的理由写在这里"}
    )
    assert again.status_code == 400
    assert card.__class__.objects.get(pk=card.pk).appeal.reasons == "面积测量有误，请复核。"
    # The district supervisor answers through the form.
    sup = login(client_for(city), supervisor.username)
    listing = sup.get("/admin/evaluation/appeals/")
    assert listing.status_code == 200 and "清水台镇" in listing.text
    appeal = card.appeal
    response = sup.post(
        f"/admin/evaluation/appeals/{appeal.pk}/",
        {"answer": "复核后改为满分", "new_1.1.1": "10", "reason_1.1.1": "复测达标"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "answered" and appeal.adjusted_total == Decimal("33.00")


def test_other_center_director_cannot_see_result(
    card, other_card, evaluator, city_admin, round_, other_township, client_for, media_root
):
    _appealable(card, other_card, evaluator, city_admin, round_)
    client = login(client_for(other_township), director_of(other_township).username)
    assert client.get(f"/admin/evaluation/results/{card.pk}/").status_code == 404
    assert (
        client.post(
            f"/admin/evaluation/results/{card.pk}/", {"reasons": "冒名提出的申诉理由"}
        ).status_code
        == 404
    )
    photo = EvidencePhoto.objects.get(item_score__scorecard=card)
    assert denied(client.get(f"/admin/evaluation/evidence/{photo.pk}/"))
    with schema_context("public"):
        assert not card.__class__.objects.filter(pk=card.pk, appeal__isnull=False).exists()


def test_draft_scorecard_hidden_from_center(card, township, client_for):
    client = login(client_for(township), director_of(township).username)
    assert denied(client.get(f"/admin/evaluation/results/{card.pk}/"))


def test_anonymous_refused_everywhere(card, city, township, client_for, round_):
    for center, url in (
        (city, "/admin/evaluation/rounds/"),
        (city, "/admin/evaluation/appeals/"),
        (township, "/admin/evaluation/"),
        (township, f"/admin/evaluation/results/{card.pk}/"),
    ):
        response = client_for(center).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_other_district_supervisor_cannot_answer(
    card, other_card, evaluator, city_admin, round_, township, client_for, city,
    other_supervisor, media_root,
):  # fmt: skip
    _appealable(card, other_card, evaluator, city_admin, round_)
    with schema_context(township.schema_name):
        appeal = services.appeal_file(
            actor=director_of(township), scorecard=card, reasons="面积测量有误，请复核。"
        )
    client = login(client_for(city), other_supervisor.username)
    assert "清水台镇" not in client.get("/admin/evaluation/appeals/").text
    assert denied(client.get(f"/admin/evaluation/appeals/{appeal.pk}/"))
    response = client.post(f"/admin/evaluation/appeals/{appeal.pk}/", {"answer": "驳回"})
    assert denied(response)
    appeal.refresh_from_db()
    assert appeal.state == "pending"


def test_bad_photo_through_form(card, evaluator, city, client_for, media_root, private_root):
    client = login(client_for(city), evaluator.username)
    data = score_post(action="draft")
    data["photo_1.1.1"] = upload("fake.png", b"GIF89a not really")
    response = client.post(f"/admin/evaluation/scorecards/{card.pk}/", data)
    assert response.status_code == 400
    assert not EvidencePhoto.objects.exists()
    assert not card.scores.exists()
    assert not list(media_root.rglob("*.png")) and not list(private_root.rglob("*.png"))
    big = score_post(action="draft")
    big["photo_1.1.2"] = upload("ok.jpg", png_bytes(fmt="JPEG"))
    assert client.post(f"/admin/evaluation/scorecards/{card.pk}/", big).status_code == 302
    assert EvidencePhoto.objects.get().item_score.item.code == "1.1.2"


def test_pages_render(
    card, other_card, evaluator, city_admin, round_, township, client_for, supervisor, city,
    media_root,
):  # fmt: skip
    _appealable(card, other_card, evaluator, city_admin, round_)
    with schema_context(township.schema_name):
        appeal = services.appeal_file(
            actor=director_of(township), scorecard=card, reasons="面积测量有误，请复核。"
        )
    sup = login(client_for(city), supervisor.username)
    page = sup.get(f"/admin/evaluation/appeals/{appeal.pk}/")
    assert page.status_code == 200 and 'id="appeal-answer"' in page.text
    assert "面积测量有误" in page.text
    assert sup.get("/admin/evaluation/").status_code == 200
    admin = login(client_for(city), city_admin.username)
    home = admin.get("/admin/evaluation/")
    assert home.status_code == 200 and "/admin/evaluation/rounds/" in home.text
    services.appeal_answer(actor=supervisor, appeal=appeal, answer="维持原评分。")
    services.round_lock(actor=city_admin, round=round_)
    services.round_publish(actor=city_admin, round=round_)
    page = admin.get(f"/admin/evaluation/rounds/{round_.pk}/")
    assert page.status_code == 200 and 'id="round-ranking"' in page.text
    assert admin.get(f"/admin/evaluation/scorecards/{card.pk}/").status_code == 200
    director = login(client_for(township), director_of(township).username)
    result = director.get(f"/admin/evaluation/results/{card.pk}/")
    assert result.status_code == 200 and 'id="result-rank"' in result.text
    assert 'id="appeal-form"' not in result.text and "维持原评分" in result.text
    evaluator_home = login(client_for(city), evaluator.username).get("/admin/evaluation/")
    assert (
        evaluator_home.status_code == 200
        and "/admin/evaluation/assignments/" in evaluator_home.text
    )


def test_talk_flags_reach_the_districts_supervisor_only(
    round_, township, other_district, supervisor, other_supervisor, city, client_for
):
    from evaluation.scoring.models import RankingEntry, RoundState

    round_.state = RoundState.PUBLISHED
    round_.save(update_fields=["state"])
    RankingEntry.objects.create(
        round=round_,
        center=township,
        district=township.parent,
        center_name="清水台镇（约谈）",
        district_name="沈北新区",
        rank_city=2,
        rank_district=2,
        total=Decimal("55"),
        flagged_for_talk=True,
        talk_reason="连续两轮区内末位",
    )
    page = login(client_for(city), supervisor.username).get("/admin/evaluation/")
    assert "清水台镇（约谈）" in page.content.decode()
    assert "连续两轮区内末位" in page.content.decode()
    other = login(client_for(city), other_supervisor.username).get("/admin/evaluation/")
    assert other.status_code == 200
    assert "清水台镇（约谈）" not in other.content.decode()
