"""The dashboards at /admin/supervision/dashboard/: the city administrator sees every center
(and filters by district), district staff only their district, a center's staff only their
center on its domain; anonymous users go to the login, another center's user is refused.
Charts are inline SVG without style attributes, each followed by a table with a caption."""

import datetime
import re

import pytest
from django.utils import timezone

from evaluation.metrics.models import CenterDailySnapshot
from tenants.accounts.models import Role
from tests.centers.cases.conftest import login

pytestmark = pytest.mark.django_db

URL = "/admin/supervision/dashboard/"


def _rows(center, *, received, closed, on_time, good, bad, overdue, days=10):
    today = timezone.localdate()
    district = center.pk if center.kind == "district" else center.parent_id
    CenterDailySnapshot.objects.bulk_create(
        CenterDailySnapshot(
            center=center, district_id=district, day=today - datetime.timedelta(days=i),
            received=received, closed=closed, closed_on_time=on_time,
            closed_late=closed - on_time, ratings_1=good, ratings_4=bad, overdue_open=overdue,
            windows=3, staff=5,
        )
        for i in range(days)
    )  # fmt: skip


@pytest.fixture
def world(city, district, township, other_township, make_center, make_user):
    hunnan = make_center("hunnan", kind="district", code="210112000000", name="浑南区")
    far = make_center(
        "hunnan-t", kind="township", code="210112100000", name="浑南测镇", parent="hunnan"
    )
    _rows(district, received=7, closed=6, on_time=6, good=5, bad=0, overdue=0)
    _rows(township, received=4, closed=4, on_time=3, good=9, bad=1, overdue=2)
    _rows(other_township, received=2, closed=2, on_time=2, good=3, bad=0, overdue=0)
    _rows(hunnan, received=9, closed=9, on_time=9, good=8, bad=2, overdue=1)
    _rows(far, received=1, closed=1, on_time=0, good=1, bad=1, overdue=5)
    make_user(city, "city-admin", Role.CITY_ADMIN)
    make_user(city, "sup-a", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    make_user(city, "eval-a", Role.EVALUATOR, district_id=district.pk)
    make_user(city, "sup-b", Role.DISTRICT_SUPERVISOR, district_id=hunnan.pk)
    make_user(township, "director1", Role.CENTER_DIRECTOR)
    make_user(township, "clerk1", Role.WINDOW_STAFF)
    make_user(other_township, "other-dir", Role.CENTER_DIRECTOR)
    return {"hunnan": hunnan, "far": far}


def _ranked(response) -> list[str]:
    return re.findall(r'<tr data-center="([^"]+)"', response.content.decode())


def _ranks(response) -> list[str]:
    return re.findall(r'<tr data-center="[^"]+">\s*<td>([^<]*)</td>', response.content.decode())


def _headline(response) -> list[str]:
    html = response.content.decode()
    block = html[html.index('id="dashboard-headline"') :]
    return re.findall(r"<dd>([^<]*)</dd>", block)[:5]


def test_city_admin_sees_every_center_and_filters_by_district(world, city, district, client_for):
    client = login(client_for(city), "city-admin")
    response = client.get(URL)
    assert response.status_code == 200
    assert sorted(_ranked(response)) == sorted(
        ["shenbei", "qingshuitai", "hushitai", "hunnan", "hunnan-t"]
    )
    # 10 days of (7 + 4 + 2 + 9 + 1) received; overdue today 0 + 2 + 0 + 1 + 5
    assert _headline(response)[0] == "230"
    assert _headline(response)[4] == "8"
    response = client.get(URL, {"district": world["hunnan"].pk})
    assert sorted(_ranked(response)) == ["hunnan", "hunnan-t"]
    assert _headline(response)[0] == "100"


def test_ranking_sorts_by_the_query_parameter(world, city, client_for):
    client = login(client_for(city), "city-admin")
    # 好评率 by default, best first: shenbei and hushitai 100% (tied, by name), qingshuitai
    # 90%, hunnan 80%, hunnan-t 50%
    response = client.get(URL)
    assert set(_ranked(response)[:2]) == {"hushitai", "shenbei"}
    assert _ranked(response)[2:] == ["qingshuitai", "hunnan", "hunnan-t"]
    assert _ranks(response) == ["1", "1", "3", "4", "5"]
    assert set(_ranked(client.get(URL, {"sort": "overdue_open"}))[:2]) == {"hushitai", "shenbei"}
    assert _ranked(client.get(URL, {"sort": "received", "dir": "asc"})) == [
        "hunnan-t", "hushitai", "qingshuitai", "shenbei", "hunnan",
    ]  # fmt: skip
    # an unknown key falls back to the default
    assert client.get(URL, {"sort": "nonsense", "days": "7"}).status_code == 200


@pytest.mark.parametrize("username", ["sup-a", "eval-a"])
def test_district_staff_see_only_their_district(world, city, client_for, username):
    client = login(client_for(city), username)
    response = client.get(URL)
    assert response.status_code == 200
    assert sorted(_ranked(response)) == ["hushitai", "qingshuitai", "shenbei"]
    assert _headline(response)[0] == "130"
    # the city's district filter does not widen a district's view
    response = client.get(URL, {"district": world["hunnan"].pk})
    assert sorted(_ranked(response)) == ["hushitai", "qingshuitai", "shenbei"]
    assert "浑南" not in response.content.decode()


def test_district_b_sees_nothing_of_district_a(world, city, client_for):
    response = login(client_for(city), "sup-b").get(URL)
    assert sorted(_ranked(response)) == ["hunnan", "hunnan-t"]
    assert "清水台" not in response.content.decode()


@pytest.mark.parametrize("username", ["director1", "clerk1"])
def test_center_staff_see_their_own_center(world, township, client_for, username):
    response = login(client_for(township), username).get(URL, {"days": "90"})
    assert response.status_code == 200
    assert _ranked(response) == []  # no ranking on a center's domain
    assert _headline(response)[:4] == ["40", "40", "75.0%", "90.0%"]
    assert _headline(response)[4] == "2"
    assert "浑南" not in response.content.decode()


def test_another_centers_user_is_refused(world, township, other_township, client_for):
    client = login(client_for(other_township), "other-dir")
    assert client.get(URL).status_code == 200
    # the same session on the township's domain: not this schema's user
    client.defaults["HTTP_HOST"] = client_for(township).defaults["HTTP_HOST"]
    response = client.get(URL)
    assert response.status_code in (302, 403)
    assert b"dashboard-headline" not in response.content


def test_anonymous_users_go_to_the_login(world, city, township, client_for):
    for center in (city, township):
        response = client_for(center).get(URL)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_district_staff_without_a_district_are_refused(world, city, make_user, client_for):
    from tenants.accounts.models import User

    make_user(city, "sup-x", Role.DISTRICT_SUPERVISOR, district_id=world["hunnan"].pk)
    User.objects.filter(username="sup-x").update(district_id=None)
    response = login(client_for(city), "sup-x").get(URL)
    assert response.status_code in (302, 403)
    assert b"dashboard-headline" not in response.content


def test_charts_are_svg_with_tables_and_no_inline_style(world, city, client_for):
    client = login(client_for(city), "city-admin")
    for days in ("30", "90", "365"):
        html = client.get(URL, {"days": days}).content.decode()
        assert html.count('<svg class="metrics-chart"') == 5
        for chart in ("chart-trend", "chart-on-time", "chart-satisfaction", "chart-overdue"):
            after = html[html.index(f'id="{chart}"') :]
            assert after.index(f'id="{chart}-table"') < after.index("</section>")
            assert "<caption>" in after[: after.index("</section>")]
        assert 'id="ranking-table"' in html
        svgs = "".join(re.findall(r"<svg.*?</svg>", html, flags=re.S))
        assert "style=" not in svgs
        assert "<script" not in svgs
        main = html[html.index('id="dashboard-scope"') :]
        assert " style=" not in main
        assert "metrics/dashboard.css" in html
