"""The published ranking in a real browser (Debian's chromium through Playwright) against a
real gunicorn: /rankings/ on the city domain, the switch to one district, a center's score
details, and the link to the center's own portal; screenshots go to var/screenshots/rankings/.

A published round ranking the module's committed center is committed for real (another
process serves it) and removed after the module, before the center goes."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest

from tests.browser import MOBILE, browser_page, screenshot, server_port
from tests.conftest import host

pytestmark = pytest.mark.django_db

SHOTS = "rankings"


@pytest.fixture(scope="module")
def published_round(committed_center, django_db_blocker):
    from django.utils import timezone

    from evaluation.scoring.models import RankingEntry, Round, RoundState, Rubric, RubricState
    from tenants.models import Center

    suffix = uuid.uuid4().hex[:6]
    center = committed_center
    with django_db_blocker.unblock():
        rubric = Rubric.objects.create(
            name=f"浏览器测试细则{suffix}", version=1, state=RubricState.PUBLISHED
        )
        round = Round.objects.create(
            name=f"2026年浏览器{suffix}",
            period_start=datetime.date(2026, 10, 1),
            period_end=datetime.date(2026, 10, 31),
            rubric=rubric,
            state=RoundState.PUBLISHED,
            published_at=timezone.now(),
        )
        RankingEntry.objects.create(
            round=round,
            center=center,
            district=center,
            center_name=center.display_name,
            district_name=center.display_name,
            rank_city=1,
            rank_district=1,
            total=Decimal("92.50"),
            sections={
                "1": {"title": "场所建设", "points": "28.00", "max": "30.00"},
                "2": {"title": "运行机制", "points": "64.50", "max": "70.00"},
            },
        )
        city_host = host(Center.objects.get(schema_name="public"))
        yield {
            "round": round,
            "center": center,
            "city_host": city_host,
            "center_host": host(center),
        }
        RankingEntry.objects.filter(round=round).delete()
        round.delete()
        rubric.delete()


def test_published_ranking_to_a_centers_portal(published_round, live_gunicorn):
    round, center = published_round["round"], published_round["center"]
    base = f"http://{published_round['city_host']}:{server_port(live_gunicorn)}"
    with browser_page(live_gunicorn) as page:
        page.goto(f"{base}/rankings/")
        table = page.locator("#ranking-table")
        table.wait_for()
        assert round.name in page.locator("#ranking-round-heading").inner_text()
        row = table.locator(f'tr[data-center="{center.slug}"]')
        assert "92.50" in row.inner_text()
        screenshot(page, SHOTS, "1-city-ranking")

        page.locator(".ranking-districts").get_by_role("link", name=center.display_name).click()
        page.wait_for_url(re.compile(rf"district={center.slug}"))
        assert page.locator("#ranking-table").get_attribute("data-district") == center.slug
        screenshot(page, SHOTS, "2-district-ranking")

        page.set_viewport_size(MOBILE)
        page.locator(f'tr[data-center="{center.slug}"] a.ranking-detail').click()
        page.wait_for_url(re.compile(rf"/rankings/{round.pk}/{center.slug}/$"))
        assert "64.50" in page.locator("#ranking-sections").inner_text()
        screenshot(page, SHOTS, "3-center-details-mobile")

        page.locator("main a.ranking-portal").click()
        page.wait_for_url(re.compile(rf"^http://{re.escape(published_round['center_host'])}:\d+/$"))
        assert center.display_name in page.locator("header").inner_text()
        screenshot(page, SHOTS, "4-center-portal")
