"""GET /api/v1/calendar/due-date/: the working-day calculator on a center's domain (public),
on the official calendar only (行政许可法 art. 82: working days, statutory holidays excluded):
the national schedule as chinese_calendar carries it and the city's confirmed official
schedule, never the center's own closures."""

import datetime as dt

import chinese_calendar
import pytest
from django_tenants.utils import schema_context

from centers.workspace.models import Closure

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendar/due-date/"
D = dt.date


def due(client, start, working_days):
    response = client.get(URL, {"start": start, "working_days": working_days})
    assert response.status_code == 200, response.content
    body = response.json()
    return body["due"], body["provisional"]


def test_the_2026_schedule_is_the_one_chinese_calendar_carries():
    """The facts the cases below rest on (State Council, 2026)."""
    off = [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]  # 15–23 Feb
    assert not any(chinese_calendar.is_workday(day) for day in off)
    for adjusted in (D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20), D(2026, 10, 10)):
        assert adjusted.weekday() >= 5 and chinese_calendar.is_workday(adjusted)
    assert not any(chinese_calendar.is_workday(D(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(D(2026, 10, 8))
    assert not chinese_calendar.is_workday(D(2026, 10, 11))  # Sunday after the adjusted day


@pytest.mark.parametrize(
    "start,n,expected",
    [
        # Spring Festival 2026: 15–23 Feb off, Saturdays 14 and 28 Feb working.
        ("2026-02-12", 1, "2026-02-13"),
        ("2026-02-13", 1, "2026-02-14"),  # the adjusted Saturday counts
        ("2026-02-13", 2, "2026-02-24"),  # then the whole holiday is skipped
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-02-10", 5, "2026-02-24"),
        ("2026-02-24", 4, "2026-02-28"),  # Saturday 28 Feb is a working day
        ("2026-02-24", 5, "2026-03-02"),
        ("2026-02-27", 1, "2026-02-28"),
        ("2026-02-06", 20, "2026-03-12"),
        # National Day 2026: 1–7 Oct off, Sunday 20 Sep and Saturday 10 Oct working.
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-09-30", 2, "2026-10-09"),
        ("2026-09-30", 3, "2026-10-10"),
        ("2026-09-30", 4, "2026-10-12"),  # Sunday 11 Oct is off again
        ("2026-09-24", 1, "2026-09-28"),  # 中秋 25–27 Sep
        ("2026-09-18", 1, "2026-09-20"),  # the adjusted Sunday
        ("2026-10-09", 1, "2026-10-10"),
    ],
)
def test_deadlines_across_the_2026_holidays(township, client_for, start, n, expected):
    assert due(client_for(township), start, n) == (expected, False)


@pytest.mark.parametrize(
    "start,expected",
    [
        ("2026-02-13", "2026-02-13"),  # a working day is its own answer
        ("2026-02-14", "2026-02-14"),  # so is an adjusted working Saturday
        ("2026-02-15", "2026-02-24"),  # a holiday gives the next working day
        ("2026-02-21", "2026-02-24"),  # a Saturday inside the holiday
        ("2026-10-01", "2026-10-08"),
        ("2026-10-10", "2026-10-10"),
        ("2026-10-11", "2026-10-12"),
        ("2026-09-20", "2026-09-20"),
    ],
)
def test_zero_working_days(township, client_for, start, expected):
    assert due(client_for(township), start, 0) == (expected, False)


def test_the_answer_names_what_was_asked(township, client_for):
    body = client_for(township).get(URL, {"start": "2026-02-13", "working_days": "2"}).json()
    assert body == {
        "start": "2026-02-13",
        "working_days": 2,
        "due": "2026-02-24",
        "provisional": False,
    }


def test_2027_falls_back_and_is_provisional_never_a_crash(township, client_for):
    client = client_for(township)
    # 1 Jan 2027 (Friday) is 元旦, then a weekend.
    assert due(client, "2026-12-31", 1) == ("2027-01-04", True)
    assert due(client, "2026-12-30", 1) == ("2026-12-31", False)
    # 春节 2027 by the law alone: New Year's Eve (5 Feb) to the third day (8 Feb).
    assert due(client, "2027-02-04", 1) == ("2027-02-09", True)
    assert due(client, "2027-02-06", 0) == ("2027-02-09", True)
    # A whole year of working days, far into years nobody knows yet.
    day, provisional = due(client, "2027-06-01", 365)
    assert provisional is True and day > "2028-06-01"
    day, provisional = due(client, "2099-12-31", 365)
    assert provisional is True and day.startswith("2101")


def test_a_closure_never_moves_the_answer(township, other_township, client_for):
    """行政许可法 art. 82: time limits count working days, statutory holidays excluded; a
    center's own closure (maintenance) changes its opening hours, not a legal date, so the
    calculator answers the same on every center's domain (issue 15's contract change)."""
    with schema_context(township.schema_name):
        Closure.objects.create(
            start_date=D(2026, 3, 2), end_date=D(2026, 3, 3), reason="办公场所维修"
        )
    # 27 Feb (Fri) + 1 = Saturday 28 Feb (adjusted working day); + 2 = Monday 2 Mar, closed
    # or not.
    for center in (township, other_township):
        assert due(client_for(center), "2026-02-27", 2) == ("2026-03-02", False)
        assert due(client_for(center), "2026-03-02", 0) == ("2026-03-02", False)


def test_the_openapi_description_says_official_calendar(township, client_for):
    schema = client_for(township).get("/api/schema/", {"format": "json"}).json()
    description = " ".join(schema["paths"][URL]["get"]["description"].split())
    assert "on the official calendar" in description
    assert "own closures (maintenance, a training day) do not count" in description


def test_public_and_read_only(township, client_for):
    client = client_for(township)
    response = client.get(URL, {"start": "2026-02-13", "working_days": "1"})
    assert response.status_code == 200  # no login needed
    assert client.post(URL, {"start": "2026-02-13", "working_days": "1"}).status_code == 405
    assert client.delete(URL).status_code == 405


def test_not_served_on_the_city_domain(city, client_for):
    response = client_for(city).get(URL, {"start": "2026-02-13", "working_days": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params,field",
    [
        ({"start": "2026-02-30", "working_days": "1"}, "start"),
        ({"start": "13/02/2026", "working_days": "1"}, "start"),
        ({"start": "tomorrow", "working_days": "1"}, "start"),
        ({"start": "2026-2-3", "working_days": "1"}, "start"),
        ({"start": "", "working_days": "1"}, "start"),
        ({"working_days": "1"}, "start"),
        ({"start": "9999-12-31", "working_days": "1"}, "start"),
        ({"start": "2026-02-13", "working_days": "-1"}, "working_days"),
        ({"start": "2026-02-13", "working_days": "1.5"}, "working_days"),
        ({"start": "2026-02-13", "working_days": "2.0"}, "working_days"),
        ({"start": "2026-02-13", "working_days": "three"}, "working_days"),
        ({"start": "2026-02-13", "working_days": "366"}, "working_days"),
        ({"start": "2026-02-13", "working_days": "１"}, "working_days"),  # full-width digit
        ({"start": "2026-02-13", "working_days": ""}, "working_days"),
        ({"start": "2026-02-13"}, "working_days"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(township, client_for, params, field):
    response = client_for(township).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field] and all(isinstance(message, str) and message for message in body[field])


def test_both_parameters_bad_names_both(township, client_for):
    response = client_for(township).get(URL, {"start": "x", "working_days": "-3"})
    assert response.status_code == 400
    assert set(response.json()) == {"start", "working_days"}


def test_the_limits_themselves_are_accepted(township, client_for):
    client = client_for(township)
    assert due(client, "2026-01-05", 365)[1] is True  # a year of working days reaches 2027
    assert due(client, "2026-01-05", 0) == ("2026-01-05", False)
