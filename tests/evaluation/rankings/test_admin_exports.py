"""The city administrator's ranking files (/admin/evaluation/rounds/<id>/…): a preview of a
round not yet published from its submitted scorecards, the published ranking with the 约谈
flags; recorded in the audit log; refused to everybody else."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from evaluation.scoring.models import Scorecard, ScorecardState
from tenants.audit.models import Action, AuditEntry
from tests.centers.workspace.test_api import login
from tests.conftest import host

from .conftest import sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(published, township, other_township):
    """The round in review has two submitted scorecards and a draft one."""
    draft = published["draft"]
    draft.ranking.all().delete()
    for center, total, state in (
        (township, "91.50", ScorecardState.SUBMITTED),
        (other_township, "88.00", ScorecardState.SUBMITTED),
    ):
        Scorecard.objects.create(
            round=draft,
            center=center,
            evaluator="shenbei-eval",
            state=state,
            total=Decimal(total),
            sections=sections("30.00", "35.00", "20.00"),
        )
    return published


def rows_of(response):
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_preview_of_unpublished_round(scored, people, city, client_for):
    admin = login(client_for(city), "city-admin")
    draft = scored["draft"]
    response = admin.get(f"/admin/evaluation/rounds/{draft.pk}/ranking.xlsx")
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[0][0] == "2026年3月" and "预览" in rows[0][3]
    header = rows[1]
    assert "约谈" in header
    assert [(r[0], r[1], r[4]) for r in rows[2:]] == [
        (1, "清水台镇政务服务中心", 91.5),
        (2, "虎石台街道政务服务中心", 88),
    ]
    # 虎石台街道 is last in its district now and was in 2026年2月: flagged in the preview.
    talk = header.index("约谈")
    assert rows[3][talk] == "是" and "2026年2月" in rows[3][talk + 1]
    entry = AuditEntry.objects.get(action=Action.EXPORT, actor_username="city-admin")
    assert entry.detail["round"] == draft.pk and entry.detail["what"] == "ranking_xlsx"
    assert entry.schema_name == "public"
    response = admin.get(f"/admin/evaluation/rounds/{draft.pk}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # (The audit log is append-only and shared: count only this round's exports.)
    assert AuditEntry.objects.filter(action=Action.EXPORT, detail__round=draft.pk).count() == 2
    assert admin.get("/admin/evaluation/rounds/999999/ranking.xlsx").status_code == 404


def test_published_round_carries_talk_flags(scored, people, city, client_for):
    admin = login(client_for(city), "city-admin")
    response = admin.get(f"/admin/evaluation/rounds/{scored['round'].pk}/ranking.xlsx")
    rows = rows_of(response)
    talk = rows[1].index("约谈")
    flagged = [(r[1], r[talk], r[talk + 1]) for r in rows[2:] if r[talk]]
    assert flagged == [
        ("虎石台街道政务服务中心", "是", "2026年1月：区内末位；2026年2月：区内末位。")
    ]


def test_refused(scored, people, city, township, client_for):
    url = f"/admin/evaluation/rounds/{scored['draft'].pk}/ranking.xlsx"
    pdf = f"/admin/evaluation/rounds/{scored['draft'].pk}/report.pdf"
    for username in ("shenbei-sup", "shenbei-eval"):
        client = login(client_for(city), username)
        for target in (url, pdf):
            response = client.get(target)
            assert response.status_code in (302, 403)
            assert not response.content.startswith(b"PK")
    director = login(client_for(township), "director1")
    assert director.get(url).status_code in (302, 403)
    response = director.get(url, HTTP_HOST=host(city))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    for center in (city, township):
        response = client_for(center).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not AuditEntry.objects.filter(
        action=Action.EXPORT, detail__round=scored["draft"].pk
    ).exists()
