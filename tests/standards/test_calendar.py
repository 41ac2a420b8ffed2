import datetime as dt

import chinese_calendar
import pytest

from catalog_cms.standards import calendar as cal

D = dt.date


@pytest.mark.parametrize(
    "day,working",
    [
        (D(2026, 2, 13), True),  # Friday before 春节
        (D(2026, 2, 14), True),  # Saturday, adjusted working day
        (D(2026, 2, 15), False),  # 春节 starts
        (D(2026, 2, 23), False),  # last day of 春节
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday, adjusted working day
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, adjusted working day
        (D(2026, 10, 11), False),
    ],
)
def test_2026_schedule_matches_chinese_calendar(day, working):
    assert chinese_calendar.is_workday(day) is working
    assert cal.is_working_day(day) is working
    assert cal.day_info(day).provisional is False


def test_holiday_names_in_chinese():
    assert cal.day_info(D(2026, 2, 16)) == (False, "春节", False)
    assert cal.day_info(D(2026, 10, 1)) == (False, "国庆节", False)
    assert cal.day_info(D(2026, 3, 2)) == (True, None, False)
    assert cal.is_adjusted_working_day(D(2026, 2, 14))
    assert not cal.is_adjusted_working_day(D(2026, 2, 21))


def test_add_working_days_across_spring_festival():
    # From Friday 13 Feb: next is the adjusted Saturday 14, then the holiday, then 24 Feb.
    assert cal.add_working_days(D(2026, 2, 13), 1) == (D(2026, 2, 14), False)
    assert cal.add_working_days(D(2026, 2, 13), 2) == (D(2026, 2, 24), False)
    # n = 0: the day itself if working, else the next working day.
    assert cal.add_working_days(D(2026, 2, 13), 0) == (D(2026, 2, 13), False)
    assert cal.add_working_days(D(2026, 2, 15), 0) == (D(2026, 2, 24), False)


def test_add_working_days_across_national_day():
    # 30 Sep 2026 (Wed) + 1 = 8 Oct; + 3 = the adjusted Saturday 10 Oct.
    assert cal.add_working_days(D(2026, 9, 30), 1) == (D(2026, 10, 8), False)
    assert cal.add_working_days(D(2026, 9, 30), 3) == (D(2026, 10, 10), False)


def test_closures_are_honoured():
    closures = [(D(2026, 3, 2), D(2026, 3, 3))]
    assert cal.is_working_day(D(2026, 3, 2))
    assert not cal.is_center_working_day(D(2026, 3, 2), closures)
    assert cal.add_working_days(D(2026, 2, 27), 2, closures) == (D(2026, 3, 4), False)


def test_2027_falls_back_without_crash_and_is_provisional():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))
    assert cal.day_info(D(2027, 1, 1)) == (False, "元旦", True)
    assert cal.day_info(D(2027, 1, 4)) == (True, None, True)
    assert cal.day_info(D(2027, 1, 9)) == (False, None, True)  # Saturday
    # 春节 2027: lunar new year is 6 Feb; New Year's Eve (5 Feb) to the third day (8 Feb).
    assert [cal.day_info(D(2027, 2, d)).holiday_name for d in (4, 5, 6, 7, 8, 9)] == [
        None,
        "春节",
        "春节",
        "春节",
        "春节",
        None,
    ]
    assert cal.day_info(D(2027, 10, 1)).holiday_name == "国庆节"
    assert cal.day_info(D(2027, 4, 5)).holiday_name == "清明节"
    assert cal.day_info(D(2027, 6, 9)).holiday_name == "端午节"
    assert cal.day_info(D(2027, 9, 15)).holiday_name == "中秋节"
    # Counting into 2027 is flagged provisional.
    day, provisional = cal.add_working_days(D(2026, 12, 31), 1)
    assert day == D(2027, 1, 4) and provisional is True


def test_next_statutory_holidays():
    periods = cal.next_statutory_holidays(D(2026, 9, 1), count=1)
    name, days = periods[0]
    assert name in ("中秋节", "国庆节")
    assert D(2026, 10, 1) in days or days[0] < D(2026, 10, 1)
