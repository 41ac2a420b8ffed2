"""/ratings/ on the city's domain: per center, grouped by district, the 好差评 figures of the
snapshots and the 差评 handling of the rectification table, for the chosen period; public,
readable without JavaScript, every center linking to its portal."""

import datetime

import pytest
from django.utils import timezone

from evaluation.metrics.models import CenterDailySnapshot
from evaluation.rectification import services
from evaluation.rectification.models import Rectification, State
from evaluation.rectification.public import period_from
from tenants.selectors import center_url

from .conftest import bad_rating, rect_of

pytestmark = pytest.mark.django_db


def test_period_choice():
    today = datetime.date(2026, 11, 25)
    assert period_from("", today) == (
        "month",
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 30),
    )
    assert period_from("year", today)[1:] == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )
    assert period_from("2026-02", today) == (
        "2026-02", datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)
    )  # fmt: skip
    for bad in ("2026-13", "2027-01", "x", "2026-1"):
        assert period_from(bad, today)[0] == "month"


def test_ratings_page_figures(desk, district, people, client_for, city):
    today = timezone.localdate()
    CenterDailySnapshot.objects.create(
        center=desk.center, district=district, day=today,
        ratings_1=6, ratings_2=1, ratings_4=2, ratings_5=1,
        ratings_proactive=4, ratings_proactive_good=3, closed=10, closed_unrated=2,
    )  # fmt: skip
    closed = rect_of(desk, bad_rating(desk))
    late = rect_of(desk, bad_rating(desk))
    rect_of(desk, bad_rating(desk))  # still open
    upheld = rect_of(desk, bad_rating(desk, level=5))
    from django_tenants.utils import schema_context

    with schema_context(desk.center.schema_name):
        for rect in (closed, late):
            services.call_back_record(rect=rect, actor=desk.clerk, called_on=today, outcome="回访")
            services.reply_send(rect=rect, actor=desk.clerk, text="答复")
            services.report_submit(rect=rect, actor=desk.clerk, report="报告")
        services.appeal_file(rect=upheld, actor=desk.clerk, reasons="恶意")
    Rectification.objects.filter(pk=late.pk).update(deadline=today - datetime.timedelta(days=1))
    for rect in (closed, late):
        services.district_approve(rect=rect, actor=people["supervisor"])
    services.appeal_decide(rect=upheld, actor=people["supervisor"], upheld=True, answer="成立")
    assert Rectification.objects.get(pk=upheld.pk).state == State.APPEAL_UPHELD

    response = client_for(city).get("/ratings/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption>" in page and "<script" not in page
    groups = response.context["groups"]
    # By division code: 浑南区 (210112) before 沈北新区 (210113), each district first.
    assert [g["name"] for g in groups] == ["浑南区政务服务中心", "沈北新区政务服务中心"]
    assert [r["center"].pk for r in groups[1]["rows"]] == [district.pk, desk.center.pk]
    row = groups[1]["rows"][1]
    assert row["good_rate"] == "70.0%"  # 7 of 10
    assert row["proactive_good_rate"] == "75.0%"
    assert row["unrated_rate"] == "20.0%"
    assert row["bad"] == 3  # the upheld one does not count
    assert row["in_time"] == 1 and row["in_time_rate"] == "33.3%"
    assert row["rectified_rate"] == "66.7%"
    assert f'href="{center_url(desk.center)}"' in page
    district_row = groups[1]["rows"][0]
    assert district_row["is_district"] and district_row["bad"] == 0
    assert district_row["good_rate"] == "—"
    # Last year's January holds none of it.
    response = client_for(city).get(f"/ratings/?period={today.year - 1}-01")
    row = response.context["groups"][1]["rows"][1]
    assert row["bad"] == 0 and row["good_rate"] == "—"
    # A center's domain has no such page.
    assert client_for(desk.center).get("/ratings/").status_code == 404


def test_ratings_page_query_count(desk, client_for, city, django_assert_max_num_queries):
    client = client_for(city)
    client.get("/ratings/")
    with django_assert_max_num_queries(12):
        assert client.get("/ratings/").status_code == 200
