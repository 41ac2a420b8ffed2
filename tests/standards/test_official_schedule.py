"""The official holiday schedule of a year the calendar library does not know yet (2027 today):
the city enters and confirms it, and every center's working-day calendar follows it. In a year
the library knows, the city enters its own official days (a rest day it is ordered to take),
which win for every center (行政许可法 art. 82)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from catalog_cms.standards import calendar as cal
from catalog_cms.standards import services
from catalog_cms.standards.models import (
    OfficialScheduleDay,
    OfficialScheduleYear,
    StandardsAuditEvent,
)
from tenants.accounts.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

D = dt.date
DUE_URL = "/api/v1/calendar/due-date/"
LIST_URL = "/admin/standards/official-schedules/"

# A made-up 2027 schedule in the State Council's shape (the real one is not published yet).
SCHEDULE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（测试用）
2027-01-01 至 2027-01-03 休 元旦
2027-02-05 至 2027-02-13 休 春节
2027-01-31 班 春节
2027-02-20 班 春节
2027-04-03 至 2027-04-05 休 清明节
2027-05-01 至 2027-05-05 休 劳动节
2027-04-25 班 劳动节
2027-06-09 休 端午节
2027-09-15 休 中秋节
2027-10-01 至 2027-10-07 休 国庆节
2027-09-26 班 国庆节
2027-10-09 班 国庆节
"""


def enter(actor="city-clerk", text=SCHEDULE_2027, confirmed=True, year=2027, **extra):
    return services.official_schedule_save(
        year=year, text=text, confirmed=confirmed, actor=actor, **extra
    )


def login(client_for, center, username):
    client = client_for(center)
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    return client


# ---------------------------------------------------------------- the calendar follows it


def test_without_an_entered_year_2027_is_the_provisional_fallback(db):
    assert cal.day_info(D(2027, 2, 9)) == (True, None, True)
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 10), True)


def test_a_confirmed_2027_schedule_is_official_and_followed(db):
    enter()
    # Holidays with their bridge days, adjusted working weekend days, plain days.
    assert cal.day_info(D(2027, 2, 9)) == (False, "春节", False)
    assert cal.day_info(D(2027, 2, 20)) == (True, "春节", False)  # Saturday, working
    assert cal.day_info(D(2027, 2, 21)) == (False, None, False)  # Sunday, not listed
    assert cal.day_info(D(2027, 3, 1)) == (True, None, False)
    assert cal.is_adjusted_working_day(D(2027, 1, 31))
    # 4 Feb (Thu) + 1: 5–13 Feb off, Sunday 14 Feb off → Monday 15 Feb; not provisional.
    assert cal.add_working_days(D(2027, 2, 4), 1) == (D(2027, 2, 15), False)
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 16), False)
    assert cal.add_working_days(D(2027, 2, 19), 1) == (D(2027, 2, 20), False)
    assert cal.add_working_days(D(2026, 12, 31), 1) == (D(2027, 1, 4), False)
    # A year past the entered one is still provisional.
    assert cal.add_working_days(D(2027, 12, 31), 1)[1] is True
    assert [name for name, _days in cal.next_statutory_holidays(D(2027, 9, 1), 2)] == [
        "中秋节",
        "国庆节",
    ]


def test_the_due_date_api_of_every_center_follows_it(township, other_township, client_for):
    params = {"start": "2027-02-04", "working_days": "2"}
    before = client_for(township).get(DUE_URL, params).json()
    assert (before["due"], before["provisional"]) == ("2027-02-10", True)
    enter()
    for center in (township, other_township):
        after = client_for(center).get(DUE_URL, params).json()
        assert (after["due"], after["provisional"]) == ("2027-02-16", False)


def test_a_draft_is_not_used_until_confirmed(db):
    enter(confirmed=False)
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 10), True)
    schedule = enter(confirmed=True, actor="city-head")
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 16), False)
    assert schedule.confirmed_by == "city-head" and schedule.confirmed_at is not None
    # Withdrawing the confirmation, then removing the year, go back to the fallback.
    enter(confirmed=False)
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 10), True)
    enter(confirmed=True)
    services.official_schedule_delete(
        schedule=OfficialScheduleYear.objects.get(year=2027), actor="city-clerk"
    )
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 10), True)
    assert not OfficialScheduleDay.objects.exists()


def test_saving_again_replaces_the_days(db):
    enter()
    enter(text=SCHEDULE_2027.replace("2027-02-20 班 春节\n", ""))
    assert cal.day_info(D(2027, 2, 20)) == (False, None, False)
    assert OfficialScheduleDay.objects.filter(date=D(2027, 2, 20)).count() == 0
    assert OfficialScheduleYear.objects.count() == 1


def test_other_processes_see_a_change_through_the_cache_token(db):
    """A process that loaded the entered years earlier reloads when the token in the cache
    differs from its own (here: the token is dropped, as when it expires after a minute)."""
    assert cal.entered_schedules() == {}
    # Another process saves: the rows change, this process's memory does not.
    schedule = OfficialScheduleYear.objects.create(year=2027, confirmed=True)
    OfficialScheduleDay.objects.create(
        schedule=schedule, date=D(2027, 3, 1), working=False, holiday_name="测试"
    )
    assert cal.entered_schedules() == {}  # the token in the cache still matches
    cache.clear()  # the token expires
    assert cal.entered_schedules() == {2027: {D(2027, 3, 1): (False, "测试")}}


def test_one_cache_read_and_no_query_per_day(db, django_assert_num_queries):
    enter()
    cal.add_working_days(D(2027, 1, 1), 10)  # warm
    with django_assert_num_queries(0):
        assert cal.add_working_days(D(2027, 1, 4), 200)[1] is False
        cal.working_days_between(D(2027, 1, 1), D(2027, 12, 31))


def test_saving_is_audited(db):
    enter(source="国办发明电〔2026〕99号")
    event = StandardsAuditEvent.objects.get(action="official_schedule_save")
    assert event.actor == "city-clerk" and event.object_repr == "2027"
    assert event.detail["confirmed"] is True
    assert event.detail["working_days"] == ["2027-01-31", "2027-02-20", "2027-04-25",
                                            "2027-09-26", "2027-10-09"]  # fmt: skip
    services.official_schedule_delete(
        schedule=OfficialScheduleYear.objects.get(year=2027), actor="city-clerk"
    )
    assert StandardsAuditEvent.objects.filter(action="official_schedule_delete").count() == 1


# ---------------------------------------------------------------- bad input is refused


GOOD_LINES = "2027-01-01 休 元旦\n2027-06-09 休 端午节\n"  # lines 1 and 2; the bad one is 3


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("2026-12-31 休 元旦", "2026-12-31"),  # outside the year
        ("2028-01-01 休 元旦", "2028-01-01"),
        ("2027-02-05 至 2027-02-13 休 春节\n2027-02-10 休 春节", "2027-02-10"),  # duplicate
        ("2027-02-20 班 春节\n2027-02-20 班 春节", "2027-02-20"),
        ("2027-01-01 休 元旦", "2027-01-01"),  # the same day as line 1
        ("2027-02-22 班 春节", "2027-02-22"),  # a Monday cannot be an adjusted working day
        ("2027-02-30 休 春节", "3"),  # no such date
        ("2027-02-05 休", "3"),  # a day off needs its holiday
        ("2027-02-05 放 春节", "3"),  # neither 休 nor 班
        ("春节 2027-02-05", "3"),
        ("2027-02-13 至 2027-02-05 休 春节", "3"),
    ],
)
def test_bad_lines_are_refused_with_their_line_and_nothing_is_saved(db, text, fragment):
    with pytest.raises(ValidationError) as refused:
        enter(text=GOOD_LINES + text, confirmed=False)
    messages = refused.value.message_dict["days"]
    assert len(messages) == 1 and fragment in messages[0], messages
    assert not OfficialScheduleYear.objects.exists()
    assert not StandardsAuditEvent.objects.filter(action="official_schedule_save").exists()


def test_every_bad_line_is_reported_at_once(db):
    with pytest.raises(ValidationError) as refused:
        enter(text="2026-12-31 休 元旦\n2027-02-22 班\nnonsense", confirmed=False)
    assert len(refused.value.message_dict["days"]) == 3


def test_a_confirmed_schedule_keeps_the_statutory_holidays_off(db):
    # 15 Sep 2027 (Wednesday) is 中秋节 by law: it cannot be missing or a working day.
    missing = SCHEDULE_2027.replace("2027-09-15 休 中秋节\n", "")
    with pytest.raises(ValidationError) as refused:
        enter(text=missing)
    assert any("2027-09-15" in m for m in refused.value.message_dict["days"])
    # 1 May 2027 is a Saturday: a statutory holiday can never be a working day.
    worked = SCHEDULE_2027.replace(
        "2027-05-01 至 2027-05-05 休 劳动节",
        "2027-05-01 班 劳动节\n2027-05-02 至 2027-05-05 休 劳动节",
    )
    with pytest.raises(ValidationError) as refused:
        enter(text=worked)
    assert any("2027-05-01" in m for m in refused.value.message_dict["days"])
    with pytest.raises(ValidationError) as refused:
        enter(text="", confirmed=True)
    assert "days" in refused.value.message_dict
    assert not OfficialScheduleYear.objects.exists()
    # The same incomplete text may wait as a draft.
    assert enter(text=missing, confirmed=False).confirmed is False


@pytest.mark.parametrize("year", [1999, 2101, "二〇二七", None])
def test_a_year_out_of_range_is_refused(db, year):
    with pytest.raises(ValidationError) as refused:
        enter(year=year, text="", confirmed=False)
    assert list(refused.value.message_dict) == ["year"]
    assert not OfficialScheduleYear.objects.exists()


def test_only_a_city_editor_may_enter_a_schedule(township, make_user):
    with schema_context(township.schema_name):
        director = make_user(township, "director-x", Role.CENTER_DIRECTOR)
        with pytest.raises(PermissionDenied):
            enter(actor=director)
    assert not OfficialScheduleYear.objects.exists()


def test_the_draft_text_starts_from_the_statutory_days():
    text = services.official_schedule_draft(2027)
    assert text.splitlines()[0] == "2027-01-01 休 元旦"
    assert "2027-02-05 休 春节" in text and "2027-10-03 休 国庆节" in text
    # It parses back as it is.
    assert len(services.official_schedule_parse(2027, text)) == len(text.splitlines())


# ---------------------------------------------------------------- the city's admin screen


def test_city_editor_enters_and_confirms_a_year_in_the_admin(city, city_admin, client_for):
    client = login(client_for, city, "city-admin")
    assert client.get(LIST_URL).status_code == 200
    response = client.get(LIST_URL, {"year": "2027"})
    assert response.status_code == 302 and response["Location"].endswith("/2027/")
    edit_url = f"{LIST_URL}2027/"
    form = client.get(edit_url)
    assert form.status_code == 200
    assert "2027-02-05 休 春节" in form.context["form"].initial["days"]  # prefilled
    response = client.post(
        edit_url, {"days": SCHEDULE_2027, "confirmed": "on", "source": "国办发明电〔2026〕99号"}
    )
    assert response.status_code == 302, response.context["form"].errors
    schedule = OfficialScheduleYear.objects.get(year=2027)
    assert schedule.confirmed and schedule.entered_by == "city-admin"
    assert schedule.source == "国办发明电〔2026〕99号"
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 16), False)
    listing = client.get(LIST_URL)
    assert listing.status_code == 200 and "2027" in listing.content.decode()
    assert "2027-02-20 班 春节" in client.get(edit_url).context["form"].initial["days"]


def test_admin_shows_every_bad_line_and_saves_nothing(city, city_admin, client_for):
    client = login(client_for, city, "city-admin")
    response = client.post(
        f"{LIST_URL}2027/", {"days": "2026-12-31 休 元旦\n2027-02-22 班 春节", "confirmed": "on"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["days"]
    assert len(errors) == 2 and "2026-12-31" in errors[0]
    assert not OfficialScheduleYear.objects.exists()


def test_admin_enters_a_city_rest_day_in_a_year_the_library_knows(city, city_admin, client_for):
    """行政许可法 art. 82 counts working days on the official calendar; a day the city is
    officially ordered to rest belongs to it and applies to every center alike, also in a
    year the calendar library carries (2026): the screen starts empty and saves the day."""
    client = login(client_for, city, "city-admin")
    form = client.get(f"{LIST_URL}2026/")
    assert form.status_code == 200 and form.context["form"].initial["days"] == ""
    assert form.context["library_knows_year"] is True
    response = client.post(
        f"{LIST_URL}2026/", {"days": "2026-11-04 休 城市停休日", "confirmed": "on"}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert cal.day_info(D(2026, 11, 4)) == (False, "城市停休日", False)
    # A day off of the State Council's schedule cannot be made a working day.
    response = client.post(f"{LIST_URL}2026/", {"days": "2026-10-03 班 国庆节", "confirmed": "on"})
    assert response.status_code == 200
    assert "2026-10-03" in " ".join(response.context["form"].errors["days"])


def test_admin_removes_a_year(city, city_admin, client_for):
    enter()
    client = login(client_for, city, "city-admin")
    response = client.post(f"{LIST_URL}2027/delete/")
    assert response.status_code == 302
    assert not OfficialScheduleYear.objects.exists()
    assert cal.add_working_days(D(2027, 2, 4), 2) == (D(2027, 2, 10), True)


def test_admin_screen_is_the_city_editors_only(city, district, township, make_user, client_for):
    make_user(city, "supervisor", Role.DISTRICT_SUPERVISOR, district_id=district.pk)
    client = login(client_for, city, "supervisor")
    for url in (LIST_URL, f"{LIST_URL}2027/"):
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login/" not in response["Location"]
    assert client.post(f"{LIST_URL}2027/", {"days": SCHEDULE_2027}).status_code in (302, 403)
    assert not OfficialScheduleYear.objects.exists()
    # A center's director on the center's domain: not there either.
    make_user(township, "director-y", Role.CENTER_DIRECTOR)
    center = login(client_for, township, "director-y")
    assert center.get(LIST_URL).status_code in (302, 403, 404)
    response = center.post(f"{LIST_URL}2027/", {"days": SCHEDULE_2027, "confirmed": "on"})
    assert response.status_code in (302, 403, 404)
    assert not OfficialScheduleYear.objects.exists()
    # Anonymous: to the login page.
    anonymous = client_for(city).get(LIST_URL)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
