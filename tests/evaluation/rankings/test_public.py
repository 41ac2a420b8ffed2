"""/rankings/ on the city domain: published rounds only, the city-wide and district rankings
with ties, links to each center's portal and its score details, escaping, the empty state,
the public xlsx and PDF (no 约谈), and 404 for unknown or unpublished rounds."""

import io
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from evaluation.scoring.models import RoundState
from tenants.selectors import center_url

from .conftest import entry, make_round

pytestmark = pytest.mark.django_db


def test_empty_state(city, client_for, rubric):
    make_round(rubric, "2026年9月", state=RoundState.LOCKED)
    response = client_for(city).get("/rankings/")
    assert response.status_code == 200
    assert 'id="rankings-empty"' in response.content.decode()
    assert "ranking-table" not in response.content.decode()


def test_newest_published_round_city_wide(city, client_for, published, township, far_township):
    client = client_for(city)
    client.get("/rankings/")  # warm the brand and the session-free middleware caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/rankings/")
    assert response.status_code == 200
    ranking = [q["sql"] for q in queries if "scoring_" in q["sql"]]
    assert len(ranking) <= 3, ranking
    assert not any("SET search_path" in q["sql"] and "public" not in q["sql"] for q in queries)
    assert response.context["round"] == published["round"]
    assert [r.name for r in response.context["rounds"]] == ["2026年2月", "2026年1月"]
    rows = response.context["rows"]
    assert [(r.center_slug, r.rank, r.tied) for r in rows] == [
        ("taoxian", 1, True),
        ("qingshuitai", 1, True),
        ("hushitai", 3, False),
    ]
    html = response.content.decode()
    assert "2026年3月" not in html  # the round in review is not listed
    assert "并列" in html and "一票否决" in html
    assert f'href="{center_url(township)}"' in html
    assert f'href="{center_url(far_township)}"' in html
    assert f"/rankings/{published['round'].pk}/qingshuitai/" in html
    assert "约谈" not in html.replace("约谈 ", "")  # no 约谈 flag on the public page
    assert "区内末位" not in html
    assert "场所建设" in html and "28.00 / 30.00" in html
    assert f"/rankings/{published['round'].pk}/ranking.xlsx" in html


def test_district_filter(city, client_for, published):
    client = client_for(city)
    response = client.get(f"/rankings/?round={published['round'].pk}&district=shenbei")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.center_slug, r.rank, r.tied) for r in rows] == [
        ("qingshuitai", 1, False),
        ("hushitai", 2, False),
    ]
    assert "桃仙街道" not in response.content.decode()
    response = client.get(f"/rankings/?round={published['round'].pk}&district=hunnan")
    assert [r.center_slug for r in response.context["rows"]] == ["taoxian"]
    assert client.get("/rankings/?district=nowhere").status_code == 404


def test_older_round_and_refusals(city, township, client_for, published):
    client = client_for(city)
    response = client.get(f"/rankings/?round={published['older'].pk}")
    assert [r.entry.total for r in response.context["rows"]] == [80]
    for bad in (published["draft"].pk, 999999, "x", "1' or 1=1", -1):
        assert client.get(f"/rankings/?round={bad}").status_code == 404
    draft = published["draft"].pk
    for url in (
        f"/rankings/{draft}/ranking.xlsx",
        f"/rankings/{draft}/report.pdf",
        f"/rankings/{draft}/qingshuitai/",
        "/rankings/999999/ranking.xlsx",
        f"/rankings/{published['round'].pk}/nowhere/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/rankings/").status_code == 405
    # The city's pages are not served on a center's domain.
    round = published["round"].pk
    for url in (f"/rankings/{round}/ranking.xlsx", f"/rankings/{round}/qingshuitai/"):
        assert client_for(township).get(url).status_code == 404


def test_escaping(city, client_for, rubric, township):
    round = make_round(rubric, "<script>alert(1)</script>", month=5)
    entry(
        round,
        township,
        rank_city=1,
        rank_district=1,
        total="90",
        center_name='<img src=x onerror="alert(2)">',
        sections={"1": {"title": "<b>场所</b>", "points": "9", "max": "10"}},
    )
    html = client_for(city).get("/rankings/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html and "<b>场所" not in html
    page = client_for(city).get(f"/rankings/{round.pk}/qingshuitai/").content.decode()
    assert "<img src=x" not in page


def test_center_page(city, client_for, published, township):
    response = client_for(city).get(f"/rankings/{published['round'].pk}/qingshuitai/")
    assert response.status_code == 200
    assert response.context["entry"].center == township
    assert response.context["city_size"] == 3 and response.context["district_size"] == 2
    html = response.content.decode()
    assert "群众满意度" in html and f'href="{center_url(township)}"' in html
    assert [h.round.name for h in response.context["history"]] == ["2026年2月", "2026年1月"]
    assert "2026年3月" not in html


def test_public_xlsx(city, client_for, published):
    response = client_for(city).get(f"/rankings/{published['round'].pk}/ranking.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "2026年2月"
    header = rows[1]
    assert "1 场所建设" in header and "3 群众满意度" in header
    assert not any("约谈" in str(h) for h in header)
    body = rows[2:]
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in body] == [
        (1, "桃仙街道政务服务中心", "浑南区政务服务中心", 1, 89),
        (1, "清水台镇政务服务中心", "沈北新区政务服务中心", 1, 89),
        (3, "虎石台街道政务服务中心", "沈北新区政务服务中心", 2, 0),
    ]
    assert body[2][header.index("1 场所建设")] == 20
    assert body[2][-1] == "是"  # 一票否决


def test_public_pdf(city, client_for, published):
    response = client_for(city).get(f"/rankings/{published['round'].pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "2026年2月" in text and "清水台镇" in text and "浑南区" in text
        assert "约谈名单" not in text and "区内末位" not in text
