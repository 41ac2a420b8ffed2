"""The city portal's directory of centers (/centers/) and rankings (/rankings/): what the city
shows comes only from what each center publishes into the public schema (CenterFacts)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from catalog_cms.standards import calendar as cal
from catalog_cms.standards.models import CenterFacts
from centers.workspace import selectors as ws_selectors
from centers.workspace import services as ws
from centers.workspace.models import Closure
from portal.city import centers_directory_rows, status_text
from tenants.models import Center
from tenants.services import center_archive, center_suspend

SH = ZoneInfo("Asia/Shanghai")
T = dt.time
WEEK = [(d, T(8, 30), T(12)) for d in range(5)] + [(d, T(13, 30), T(17, 30)) for d in range(5)]


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def publish_township(center, *, address="清水台镇人民政府一楼", phone="024-8800 1234"):
    """The center's director fills in the workspace; its services publish the facts."""
    with schema_context(center.schema_name):
        ws.profile_update(
            actor=None,
            name=f"{center.name}政务服务中心",
            address=address,
            phone=phone,
            supervision_phone="024-8800 1235",
            floor_area_m2=260,
        )
        ws.opening_hours_set(actor=None, intervals=WEEK)
        ws.window_save(actor=None, number=1, name="民政窗口", kind="independent")
        ws.window_save(actor=None, number=2, name="社保医保综合窗口", kind="combined")


@pytest.fixture
def hunnan(make_center):
    return make_center("hunnan", kind="district", code="210112000000", name="浑南区")


def row_of(rows, slug="qingshuitai"):
    return {row.center.slug: row for row in rows}[slug]


def slugs(rows) -> list[str]:
    return [row.center.slug for row in rows]


CARD = re.compile(r'<li class="dir-card" id="center-([^"]+)"')


def page_rows(client, query=""):
    """The response and the slugs of the centers listed, in order (read from the page, so a
    cached list counts as well)."""
    response = client.get(f"/centers/{query}")
    assert response.status_code == 200
    return response, CARD.findall(response.content.decode())


def test_directory_lists_active_centers_only(
    city, district, township, other_township, make_center, client_for
):
    archived = make_center(
        "lixiang", kind="street", code="210113003000", name="李相街道", parent="shenbei"
    )
    center_suspend(center=other_township, actor="test", reason="整改")
    center_archive(center=archived, actor="test", reason="撤并")
    _response, listed = page_rows(client_for(city))
    assert listed == ["shenbei", "qingshuitai"]
    assert "city" not in listed and "public" not in listed


def test_directory_filters_by_district_and_kind(
    city, district, township, other_township, hunnan, client_for
):
    client = client_for(city)
    assert page_rows(client)[1] == ["hunnan", "shenbei", "hushitai", "qingshuitai"]
    assert page_rows(client, "?district=shenbei")[1] == ["shenbei", "hushitai", "qingshuitai"]
    assert page_rows(client, "?district=hunnan")[1] == ["hunnan"]
    assert page_rows(client, "?kind=township")[1] == ["qingshuitai"]
    assert page_rows(client, "?kind=street")[1] == ["hushitai"]
    assert page_rows(client, "?kind=district")[1] == ["hunnan", "shenbei"]
    assert page_rows(client, "?district=shenbei&kind=street")[1] == ["hushitai"]
    response, listed = page_rows(client, "?district=hunnan&kind=township")
    assert listed == []
    assert b'id="centers-empty"' in response.content
    # The district select offers the districts; an unknown value is reported and ignored.
    choices = dict(response.context["form"].fields["district"].choices)
    assert set(choices) == {"", "shenbei", "hunnan"}
    response, listed = page_rows(client, "?district=nowhere&kind=street")
    assert listed == ["hushitai"]
    assert response.context["form"].errors.keys() == {"district"}


def test_directory_shows_the_published_facts(city, township, client_for):
    publish_township(township)
    row = row_of(centers_directory_rows(now=at(2026, 11, 25, 10)))
    assert row.facts.address == "清水台镇人民政府一楼"
    assert row.facts.windows_count == 2
    assert row.facts.floor_area_m2 == 260
    assert row.url == "http://qingshuitai.localhost:8000/"
    assert row.week[0][1] == "08:30–12:00、13:30–17:30" and len(row.week) == 1
    response, _listed = page_rows(client_for(city))
    html = response.content.decode()
    card = html[html.index('id="center-qingshuitai"') :]
    card = card[: card.index('class="portal-link"')]
    shown = ["清水台镇人民政府一楼", "024-8800 1234", "024-8800 1235", "260 m²", "<dd>2</dd>"]
    shown += ["08:30–12:00、13:30–17:30", 'href="http://qingshuitai.localhost:8000/"']
    for text in shown:
        assert text in card
    assert 'id="supervision"' in html


def test_directory_reads_only_the_public_schema(city, district, township, hunnan,
                                                django_assert_max_num_queries):  # fmt: skip
    publish_township(township)
    # The official calendar now reads the city's entered days for every year (行政许可法 art.
    # 82: a city rest day wins in a known year too); that load is cached per process and
    # minute, so it is warmed here, outside the directory's own budget.
    from catalog_cms.standards import calendar as cal

    cal.entered_schedules()
    # search_path, the centers with their facts, their domains
    with django_assert_max_num_queries(3):
        rows = centers_directory_rows(now=at(2026, 11, 25, 10))
    assert slugs(rows) == ["hunnan", "shenbei", "qingshuitai"]


@pytest.mark.parametrize(
    ("now", "open_now", "closes_at", "next_open"),
    [
        (at(2026, 11, 25, 10), True, T(12), None),  # a Wednesday morning
        (at(2026, 11, 25, 12, 30), False, None, at(2026, 11, 25, 13, 30)),  # lunch
        (at(2026, 11, 25, 7), False, None, at(2026, 11, 25, 8, 30)),  # before opening
        (at(2026, 11, 27, 18), False, None, at(2026, 11, 30, 8, 30)),  # Friday evening
        (at(2026, 10, 1, 10), False, None, at(2026, 10, 8, 8, 30)),  # 国庆节 (Oct 1–7)
        (at(2026, 9, 20, 10), True, T(12), None),  # a Sunday worked by 调休: Monday's hours
    ],
)
def test_open_now_from_the_published_intervals(township, now, open_now, closes_at, next_open):
    publish_township(township)
    row = row_of(centers_directory_rows(now=now))
    assert row.status.published
    assert row.status.open_now is open_now
    assert row.status.closes_at == closes_at
    assert row.status.next_open_at == next_open
    if now.date() == dt.date(2026, 10, 1):
        assert row.status.holiday_name == "国庆节"
    with schema_context(township.schema_name):
        inside = ws_selectors.opening_status(now)  # the center's own answer agrees
    assert inside["open_now"] is open_now
    assert inside["next_open_at"] == next_open


def test_open_now_follows_published_closures(township):
    publish_township(township)
    today = timezone.localdate()
    day = today + dt.timedelta(days=7)
    while not cal.is_working_day(day) or not cal.is_working_day(day + dt.timedelta(days=1)):
        day += dt.timedelta(days=1)
    now = dt.datetime.combine(day, T(10), tzinfo=SH)
    with schema_context(township.schema_name):
        closure = ws.closure_create(actor=None, start_date=day, end_date=day, reason="电力检修")
    facts = CenterFacts.objects.get(center=township)
    assert facts.closures == [[day.isoformat(), day.isoformat()]]
    row = row_of(centers_directory_rows(now=now))
    assert not row.status.open_now
    assert row.status.holiday_name == str(cal.CLOSURE_NAME)
    assert row.status.next_open_at == dt.datetime.combine(
        day + dt.timedelta(days=1), T(8, 30), tzinfo=SH
    )
    with schema_context(township.schema_name):
        assert ws_selectors.opening_status(now)["next_open_at"] == row.status.next_open_at
        ws.closure_delete(actor=None, closure=Closure.objects.get(pk=closure.pk))
    assert CenterFacts.objects.get(center=township).closures == []
    assert row_of(centers_directory_rows(now=now)).status.open_now


def test_status_text_reads_in_chinese(township):
    publish_township(township)
    with translation.override("zh-hans"):
        rows = {
            key: row_of(centers_directory_rows(now=now))
            for key, now in {
                "open": at(2026, 11, 25, 10),
                "lunch": at(2026, 11, 25, 12, 30),
                "friday": at(2026, 11, 27, 18),
            }.items()
        }
        assert "12:00" in status_text(rows["open"].status, at(2026, 11, 25, 10))
        assert "13:30" in status_text(rows["lunch"].status, at(2026, 11, 25, 12, 30))
        friday = status_text(rows["friday"].status, at(2026, 11, 27, 18))
    assert "11月30日" in friday and "星期一" in friday and "08:30" in friday


def test_facts_follow_profile_and_hours_changes(city, township, client_for):
    publish_township(township)
    with schema_context(township.schema_name):
        ws.profile_update(
            actor=None,
            name="清水台镇政务服务中心",
            address="清水台镇新市民中心二楼",
            phone="024-8800 9999",
            floor_area_m2=300,
        )
        ws.opening_hours_set(actor=None, intervals=[(d, T(9), T(16)) for d in range(6)])
    facts = CenterFacts.objects.get(center=township)
    assert (facts.address, facts.phone, facts.floor_area_m2) == (
        "清水台镇新市民中心二楼",
        "024-8800 9999",
        300,
    )
    assert facts.opening_intervals == [[d, "09:00", "16:00"] for d in range(6)]
    response, _listed = page_rows(client_for(city))
    html = response.content.decode()
    assert "清水台镇新市民中心二楼" in html and "09:00–16:00" in html
    assert "清水台镇人民政府一楼" not in html
    row = row_of(centers_directory_rows(now=at(2026, 11, 25, 15)))
    assert row.status.open_now and row.status.closes_at == T(16)


def test_the_cached_list_is_dropped_when_a_center_publishes(
    city, township, client_for, django_capture_on_commit_callbacks
):
    publish_township(township)
    client = client_for(city)
    assert "清水台镇人民政府一楼" in client.get("/centers/").content.decode()
    with schema_context(township.schema_name), django_capture_on_commit_callbacks(execute=True):
        ws.profile_update(actor=None, name="清水台镇政务服务中心", address="清水台镇新址")
    html = client.get("/centers/").content.decode()
    assert "清水台镇新址" in html and "清水台镇人民政府一楼" not in html


def test_publish_command_fills_facts_published_before_the_new_fields(township):
    publish_township(township)
    CenterFacts.objects.filter(center=township).update(
        address="", phone="", supervision_phone="", opening_intervals=[], closures=[]
    )
    call_command("publish_center_facts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    facts = CenterFacts.objects.get(center=township)
    assert facts.address == "清水台镇人民政府一楼"
    assert facts.supervision_phone == "024-8800 1235"
    assert len(facts.opening_intervals) == 10


def test_rankings_is_an_honest_empty_state(city, township, client_for):
    response = client_for(city).get("/rankings/")
    assert response.status_code == 200
    assert b'id="rankings-empty"' in response.content
    assert b"<ol" not in response.content and b"<table" not in response.content


def test_city_pages_are_not_served_on_a_center_domain(township, client_for):
    client = client_for(township)
    assert client.get("/centers/").status_code == 404
    assert client.get("/rankings/").status_code == 404


def test_city_pages_answer_get_only(city, client_for):
    client = client_for(city)
    assert client.post("/centers/").status_code == 405
    assert client.post("/rankings/").status_code == 405


def test_city_home_links_the_directory_and_rankings(city, client_for):
    response = client_for(city).get("/")
    assert response.status_code == 200
    assert b'href="/centers/"' in response.content
    assert b'href="/rankings/"' in response.content
    assert b'id="supervision"' in response.content


def test_center_names_and_facts_are_escaped(city, township, client_for):
    publish_township(township, address="<script>alert(2)</script>一楼")
    Center.objects.filter(pk=township.pk).update(name="<script>alert(1)</script>镇")
    html = client_for(city).get("/centers/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;镇政务服务中心" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;一楼" in html
