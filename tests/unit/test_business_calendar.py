"""Business-calendar arithmetic for SLA deadlines (domain.sla.calendar, official_days).

Every expected instant is worked out by hand: local times in Asia/Shanghai (UTC+8, no
DST) via `sh`, and instants around DST jumps written directly in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import BadUserInput
from domain.sla.calendar import (
    ALWAYS_OPEN,
    MAX_IDLE_DAYS,
    BusinessCalendar,
    CalendarDay,
    WorkingHours,
    make_calendar,
    parse_clock,
)
from domain.sla.official_days import MAKE_UP_NOTE, china_official_days, china_years_covered

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
MINUTE = 60

# 2026-03-02 is a Monday; 03-07/08 the weekend after it.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 3, d) for d in range(2, 9))
NEXT_MON = date(2026, 3, 9)


def sh(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SH)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def assert_instant(result: datetime, expected: datetime) -> None:
    assert result.tzinfo is UTC
    assert result == expected


def weekdays(start: str, end: str, days: range = range(1, 6)) -> list[tuple[int, str, str]]:
    return [(weekday, start, end) for weekday in days]


def office(days: list[CalendarDay] | None = None) -> BusinessCalendar:
    """Monday to Friday 09:00-18:00 in Shanghai."""
    return make_calendar("Asia/Shanghai", weekdays("09:00", "18:00"), days or [])


def every(start: datetime, stop: datetime, step: timedelta) -> list[datetime]:
    moments = []
    while start < stop:
        moments.append(start)
        start += step
    return moments


# --- 24x7 ---------------------------------------------------------------------------


def test_always_open_is_plain_arithmetic() -> None:
    assert ALWAYS_OPEN.is_always_open()
    start = sh(SUN, 23, 59, 30)  # 15:59:30 UTC
    assert_instant(ALWAYS_OPEN.add(start, 90), utc(2026, 3, 8, 16, 1))
    assert_instant(ALWAYS_OPEN.add(start, 60 * 86400), utc(2026, 5, 7, 15, 59, 30))
    assert ALWAYS_OPEN.between(start, sh(NEXT_MON, 0, 1)) == 90
    assert ALWAYS_OPEN.between(sh(NEXT_MON), sh(MON)) == 0
    assert ALWAYS_OPEN.is_working_day(SAT)
    assert ALWAYS_OPEN.intervals_on(SAT) == [(utc(2026, 3, 7), utc(2026, 3, 8))]


def test_made_24x7_calendar_takes_the_fast_path_and_measures_real_time() -> None:
    berlin = make_calendar("Europe/Berlin", weekdays("00:00", "24:00", range(1, 8)))
    assert berlin.is_always_open()
    # 2026-03-29 has 23 hours in Berlin: 00:00 CET = 23:00Z, next midnight CEST = 22:00Z.
    day_start = datetime(2026, 3, 29, tzinfo=BERLIN)
    next_day = datetime(2026, 3, 30, tzinfo=BERLIN)
    assert berlin.between(day_start, next_day) == 23 * HOUR
    assert_instant(berlin.add(day_start, 23 * HOUR), utc(2026, 3, 29, 22))


def test_24x7_with_a_dated_day_is_not_the_fast_path_but_agrees_with_it() -> None:
    hours = weekdays("00:00", "24:00", range(1, 8))
    slow = make_calendar("Europe/Berlin", hours, [CalendarDay(date(2030, 1, 1), True)])
    assert not slow.is_always_open()
    day_start = datetime(2026, 3, 29, tzinfo=BERLIN)
    assert slow.between(day_start, datetime(2026, 3, 30, tzinfo=BERLIN)) == 23 * HOUR
    assert_instant(slow.add(day_start, 23 * HOUR), utc(2026, 3, 29, 22))
    # 240 real hours after 23:00Z on 03-28 (01:00:07 CEST on 04-08).
    assert_instant(slow.add(day_start, 10 * 86400 + 7), utc(2026, 4, 7, 23, 0, 7))


def test_not_always_open() -> None:
    assert not office().is_always_open()
    six_days = make_calendar("UTC", weekdays("00:00", "24:00", range(1, 7)))
    assert not six_days.is_always_open()


# --- Monday to Friday 09:00-18:00, Asia/Shanghai ---------------------------------------


def test_intervals_on_are_utc() -> None:
    calendar = office()
    assert calendar.intervals_on(MON) == [(utc(2026, 3, 2, 1), utc(2026, 3, 2, 10))]
    assert all(
        moment.tzinfo is UTC for interval in calendar.intervals_on(MON) for moment in interval
    )
    assert calendar.intervals_on(SAT) == []
    assert calendar.is_working_day(FRI)
    assert not calendar.is_working_day(SUN)


@pytest.mark.parametrize(
    ("start", "seconds", "expected"),
    [
        pytest.param(sh(MON, 10), 2 * HOUR, sh(MON, 12), id="within-a-day"),
        pytest.param(sh(MON, 10), 8 * HOUR, sh(MON, 18), id="exactly-to-closing"),
        pytest.param(sh(MON, 17), 2 * HOUR, sh(TUE, 10), id="across-the-evening"),
        pytest.param(sh(MON, 18), 1, sh(TUE, 9, 0, 1), id="from-closing"),
        pytest.param(sh(FRI, 16), 5 * HOUR, sh(NEXT_MON, 12), id="across-the-weekend"),
        pytest.param(sh(TUE, 7), HOUR, sh(TUE, 10), id="before-opening"),
        pytest.param(sh(TUE, 23), HOUR, sh(WED, 10), id="at-night"),
        pytest.param(sh(WED, 0, 30), 9 * HOUR, sh(WED, 18), id="after-midnight-whole-day"),
        pytest.param(sh(SUN, 12), 30 * MINUTE, sh(NEXT_MON, 9, 30), id="on-sunday"),
        pytest.param(sh(SAT, 9), 45 * HOUR, sh(date(2026, 3, 13), 18), id="a-whole-week"),
        # 100 working days of 9 h = 20 weeks: Friday 2026-07-17 at closing.
        pytest.param(sh(MON, 9), 100 * 9 * HOUR, sh(date(2026, 7, 17), 18), id="100-days"),
        # 60 days of working time = 160 working days = 32 weeks: Friday 2026-10-09.
        pytest.param(sh(MON, 9), 60 * 86400, sh(date(2026, 10, 9), 18), id="60x24h"),
    ],
)
def test_add(start: datetime, seconds: int, expected: datetime) -> None:
    calendar = office()
    assert_instant(calendar.add(start, seconds), expected)
    assert calendar.between(start, expected) == seconds


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        (sh(MON, 10), sh(MON, 12), 2 * HOUR),
        (sh(MON, 17), sh(TUE, 10), 2 * HOUR),
        (sh(FRI, 16), sh(NEXT_MON, 12), 5 * HOUR),
        (sh(TUE, 7), sh(TUE, 10), HOUR),
        (sh(TUE, 23), sh(WED, 10), HOUR),
        (sh(SUN, 12), sh(NEXT_MON, 9, 30), 30 * MINUTE),
        (sh(SAT, 0), sh(SUN, 23, 59), 0),
        (sh(MON), sh(NEXT_MON), 45 * HOUR),
        (sh(MON, 12), sh(MON, 12), 0),
        (sh(TUE, 12), sh(MON, 12), 0),
        # Another zone for the same instants: only the instant counts.
        (datetime(2026, 3, 2, 3, tzinfo=BERLIN), sh(MON, 12), 2 * HOUR),
    ],
)
def test_between(start: datetime, end: datetime, seconds: int) -> None:
    assert office().between(start, end) == seconds


def test_between_rounds_partial_seconds_down() -> None:
    start = sh(MON, 10) + timedelta(microseconds=500_000)
    assert office().between(start, sh(MON, 10, 0, 2)) == 1
    assert_instant(
        office().add(start, 1), utc(2026, 3, 2, 2, 0, 1) + timedelta(microseconds=500_000)
    )


def test_zero_seconds_is_the_start_itself() -> None:
    calendar = office()
    assert_instant(calendar.add(sh(SUN, 12), 0), utc(2026, 3, 8, 4))
    assert_instant(calendar.add(sh(MON, 20), 0), utc(2026, 3, 2, 12))
    assert_instant(calendar.add(sh(MON, 10), 0), utc(2026, 3, 2, 2))


def test_negative_seconds_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        office().add(sh(MON, 10), -1)


def test_round_trip_and_monotonic_over_two_weeks() -> None:
    calendar = office()
    starts = every(sh(MON), sh(date(2026, 3, 16)), timedelta(minutes=37))
    for seconds in (1, 59, HOUR, 9 * HOUR, 9 * HOUR + 1, 3 * 86400):
        previous: datetime | None = None
        for start in starts:
            deadline = calendar.add(start, seconds)
            assert calendar.between(start, deadline) == seconds, (start, seconds)
            # It lands in working time: 09:00 exclusive .. 18:00 inclusive, Mon-Fri.
            local = deadline.astimezone(SH)
            assert local.isoweekday() <= 5
            assert (9, 0) < (local.hour, local.minute + local.second / 60) <= (18, 0)
            if previous is not None:
                assert deadline >= previous
            previous = deadline


# --- dated days ------------------------------------------------------------------------


def test_holiday_in_the_middle_of_the_week() -> None:
    calendar = office([CalendarDay(WED, False, "company day")])
    assert not calendar.is_working_day(WED)
    assert calendar.intervals_on(WED) == []
    assert_instant(calendar.add(sh(TUE, 17), 2 * HOUR), sh(THU, 10))
    assert_instant(calendar.add(sh(WED, 10), 30 * MINUTE), sh(THU, 9, 30))
    assert calendar.between(sh(TUE, 9), sh(FRI, 9)) == 18 * HOUR
    assert calendar.between(sh(WED), sh(THU)) == 0


def test_make_up_saturday_works_with_mondays_hours() -> None:
    hours = [(1, "08:00", "17:00"), *weekdays("09:00", "18:00", range(2, 6))]
    calendar = make_calendar("Asia/Shanghai", hours, [CalendarDay(SAT, True, "调休")])
    assert calendar.is_working_day(SAT)
    assert not calendar.is_working_day(SUN)
    # Monday's 08:00-17:00, not Friday's 09:00-18:00.
    assert calendar.intervals_on(SAT) == [(utc(2026, 3, 7, 0), utc(2026, 3, 7, 9))]
    # Friday 17:00-18:00, then Saturday from 08:00.
    assert_instant(calendar.add(sh(FRI, 17), 2 * HOUR), sh(SAT, 9))
    assert_instant(calendar.add(sh(FRI, 17), 10 * HOUR + 1), sh(NEXT_MON, 8, 0, 1))
    assert calendar.between(sh(FRI, 12), sh(NEXT_MON, 12)) == 6 * HOUR + 9 * HOUR + 4 * HOUR


def test_make_up_day_borrows_the_first_weekday_with_hours() -> None:
    # No Monday hours: a make-up Sunday takes Tuesday's.
    hours = [(2, "10:00", "16:00"), (3, "08:00", "12:00")]
    calendar = make_calendar("Asia/Shanghai", hours, [CalendarDay(SUN, True)])
    assert calendar.intervals_on(SUN) == [(utc(2026, 3, 8, 2), utc(2026, 3, 8, 8))]
    assert calendar.intervals_on(NEXT_MON) == []


def test_working_day_with_its_own_hours_keeps_them() -> None:
    hours = [*weekdays("09:00", "18:00"), (6, "10:00", "14:00")]
    calendar = make_calendar("Asia/Shanghai", hours, [CalendarDay(SAT, True)])
    assert calendar.intervals_on(SAT) == [(utc(2026, 3, 7, 2), utc(2026, 3, 7, 6))]
    holiday_saturday = make_calendar("Asia/Shanghai", hours, [CalendarDay(SAT, False)])
    assert holiday_saturday.intervals_on(SAT) == []
    assert holiday_saturday.between(sh(SAT), sh(SUN)) == 0


# --- China 2026: Mid-autumn and National Day --------------------------------------------


def test_china_official_days_2026() -> None:
    days = {d.date: d for d in china_official_days(2026, 2026)}
    for day in range(1, 8):
        assert days[date(2026, 10, day)] == CalendarDay(date(2026, 10, day), False, "National Day")
    assert days[date(2026, 10, 10)] == CalendarDay(date(2026, 10, 10), True, MAKE_UP_NOTE)
    assert days[date(2026, 9, 20)] == CalendarDay(date(2026, 9, 20), True, MAKE_UP_NOTE)
    assert days[date(2026, 1, 1)].note == "New Year's Day"
    assert days[date(2026, 2, 17)].note == "Spring Festival"
    assert date(2026, 10, 8) not in days
    assert all(d.date.year == 2026 for d in days.values())
    # Make-up days are weekend days only.
    assert all(d.date.isoweekday() >= 6 for d in days.values() if d.working)


def test_china_years_outside_the_package_are_skipped() -> None:
    first, last = china_years_covered()
    assert first <= 2026 <= last
    assert china_official_days(first - 20, first - 1) == []
    assert china_official_days(last + 1, last + 20) == []
    assert china_official_days(2026, last + 50) == china_official_days(2026, last)
    assert china_official_days(2027, 2026) == []


def national_day_calendar() -> BusinessCalendar:
    return office(china_official_days(2026, 2026))


def test_national_day_week_2026() -> None:
    calendar = national_day_calendar()
    for day in range(1, 8):
        assert not calendar.is_working_day(date(2026, 10, day))
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday
    assert not calendar.is_working_day(date(2026, 10, 11))
    # Wednesday 09-30 17:00: one hour, then Thursday 10-08.
    assert_instant(calendar.add(sh(date(2026, 9, 30), 17), 2 * HOUR), utc(2026, 10, 8, 2))
    # Friday 10-09 17:00: one hour, then the make-up Saturday 10-10 from 09:00.
    assert_instant(calendar.add(sh(date(2026, 10, 9), 17), 2 * HOUR), utc(2026, 10, 10, 2))
    # Saturday 09-19: the make-up Sunday 09-20 comes first.
    assert_instant(calendar.add(sh(date(2026, 9, 19), 12), HOUR), utc(2026, 9, 20, 2))
    # 09-30 (9 h) + 10-08, 10-09, 10-10 (27 h).
    assert calendar.between(sh(date(2026, 9, 30), 9), sh(date(2026, 10, 12), 9)) == 36 * HOUR
    # Mid-autumn, Friday 09-25 to Sunday 09-27, is off too: Thursday then Monday.
    assert_instant(calendar.add(sh(date(2026, 9, 24), 17), 2 * HOUR), utc(2026, 9, 28, 2))


def test_national_day_round_trip() -> None:
    calendar = national_day_calendar()
    starts = every(sh(date(2026, 9, 26)), sh(date(2026, 10, 12)), timedelta(minutes=37))
    for seconds in (1, HOUR, 10 * HOUR):
        for start in starts:
            assert calendar.between(start, calendar.add(start, seconds)) == seconds


# --- overnight shift 22:00-06:00 -------------------------------------------------------


def night_shift(days: list[CalendarDay] | None = None) -> BusinessCalendar:
    return make_calendar("Asia/Shanghai", weekdays("22:00", "06:00"), days or [])


def test_overnight_interval_belongs_to_the_day_it_starts() -> None:
    calendar = night_shift()
    # Monday 22:00 to Tuesday 06:00 local.
    assert calendar.intervals_on(MON) == [(utc(2026, 3, 2, 14), utc(2026, 3, 2, 22))]
    assert calendar.intervals_on(SAT) == []
    assert calendar.intervals_on(FRI) == [(utc(2026, 3, 6, 14), utc(2026, 3, 6, 22))]


@pytest.mark.parametrize(
    ("start", "seconds", "expected"),
    [
        pytest.param(sh(MON, 23), 2 * HOUR, sh(TUE, 1), id="across-midnight"),
        pytest.param(sh(MON, 12), 8 * HOUR, sh(TUE, 6), id="a-whole-shift"),
        # Tuesday 03:00 is in Monday's shift: 3 h, then Tuesday's from 22:00.
        pytest.param(sh(TUE, 3), 4 * HOUR, sh(TUE, 23), id="start-in-yesterdays-shift"),
        # Saturday 05:00 is in Friday's shift; no shifts start on the weekend.
        pytest.param(sh(SAT, 5), 2 * HOUR, sh(NEXT_MON, 23), id="into-the-weekend"),
        pytest.param(sh(SUN, 3), HOUR, sh(NEXT_MON, 23), id="sunday-night-is-off"),
    ],
)
def test_overnight_add(start: datetime, seconds: int, expected: datetime) -> None:
    calendar = night_shift()
    assert_instant(calendar.add(start, seconds), expected)
    assert calendar.between(start, expected) == seconds


def test_overnight_shift_into_a_holiday() -> None:
    # Tuesday is a holiday: Monday's shift still runs into Tuesday morning (it is
    # Monday's), Tuesday's own shift does not run.
    calendar = night_shift([CalendarDay(TUE, False)])
    assert calendar.intervals_on(TUE) == []
    assert_instant(calendar.add(sh(MON, 22), 10 * HOUR), sh(THU, 0))
    assert calendar.between(sh(MON, 22), sh(THU, 6)) == 16 * HOUR
    assert calendar.between(sh(TUE, 5), sh(TUE, 23)) == HOUR


def test_overnight_shift_from_a_holiday_does_not_run() -> None:
    calendar = night_shift([CalendarDay(MON, False)])
    assert calendar.between(sh(MON, 12), sh(TUE, 12)) == 0
    assert_instant(calendar.add(sh(TUE, 1), HOUR), sh(TUE, 23))


def test_overnight_shift_overlapping_next_days_hours_counts_once() -> None:
    calendar = make_calendar("Asia/Shanghai", [(7, "22:00", "06:00"), (1, "00:00", "24:00")])
    next_tue = date(2026, 3, 10)
    # Sunday 22:00 to Tuesday 00:00: 2 h of Sunday's shift, then Monday's 24 h; the
    # shift's Monday 00:00-06:00 is inside Monday's hours.
    assert calendar.between(sh(SUN, 22), sh(next_tue)) == 26 * HOUR
    assert calendar.between(sh(NEXT_MON), sh(next_tue)) == 24 * HOUR
    assert_instant(calendar.add(sh(SUN, 22), 8 * HOUR), sh(NEXT_MON, 6))
    assert_instant(calendar.add(sh(SUN, 12), 26 * HOUR), sh(next_tue))
    assert_instant(calendar.add(sh(SUN, 12), 26 * HOUR + 1), sh(date(2026, 3, 15), 22, 0, 1))


def test_overnight_round_trip() -> None:
    calendar = night_shift([CalendarDay(WED, False)])
    starts = every(sh(MON), sh(date(2026, 3, 16)), timedelta(minutes=37))
    for seconds in (1, HOUR, 8 * HOUR, 20 * HOUR):
        previous: datetime | None = None
        for start in starts:
            deadline = calendar.add(start, seconds)
            assert calendar.between(start, deadline) == seconds
            if previous is not None:
                assert deadline >= previous
            previous = deadline


# --- two intervals a day --------------------------------------------------------------


def lunch_break() -> BusinessCalendar:
    hours = weekdays("09:00", "12:00") + weekdays("13:00", "18:00")
    return make_calendar("Asia/Shanghai", hours)


def test_lunch_break() -> None:
    calendar = lunch_break()
    assert calendar.intervals_on(MON) == [
        (utc(2026, 3, 2, 1), utc(2026, 3, 2, 4)),
        (utc(2026, 3, 2, 5), utc(2026, 3, 2, 10)),
    ]
    assert_instant(calendar.add(sh(MON, 11), 2 * HOUR), sh(MON, 14))
    assert_instant(calendar.add(sh(MON, 11), HOUR), sh(MON, 12))
    assert_instant(calendar.add(sh(MON, 12, 30), 30 * MINUTE), sh(MON, 13, 30))
    # 1 h on Monday, the 3 h of Tuesday's morning: lunch time is not waited out.
    assert_instant(calendar.add(sh(MON, 17), 4 * HOUR), sh(TUE, 12))
    assert_instant(calendar.add(sh(MON, 17), 5 * HOUR), sh(TUE, 14))
    assert calendar.between(sh(MON, 11), sh(MON, 14)) == 2 * HOUR
    assert calendar.between(sh(MON, 12), sh(MON, 13)) == 0
    assert calendar.between(sh(MON), sh(TUE)) == 8 * HOUR


def test_touching_intervals_are_merged() -> None:
    calendar = make_calendar("Asia/Shanghai", [(1, "12:00", "18:00"), (1, "09:00", "12:00")])
    assert calendar.intervals_on(MON) == [(utc(2026, 3, 2, 1), utc(2026, 3, 2, 10))]


# --- DST: Europe/Berlin and America/New_York -------------------------------------------

EARLY = weekdays("00:00", "06:00", range(1, 8))


@pytest.mark.parametrize(
    ("zone", "day", "interval"),
    [
        # 02:00 CET -> 03:00 CEST: 00:00 CET (23:00Z) to 06:00 CEST (04:00Z), 5 h.
        ("Europe/Berlin", date(2026, 3, 29), (utc(2026, 3, 28, 23), utc(2026, 3, 29, 4))),
        # 03:00 CEST -> 02:00 CET: 00:00 CEST (22:00Z) to 06:00 CET (05:00Z), 7 h.
        ("Europe/Berlin", date(2026, 10, 25), (utc(2026, 10, 24, 22), utc(2026, 10, 25, 5))),
        # 02:00 EST -> 03:00 EDT: 00:00 EST (05:00Z) to 06:00 EDT (10:00Z), 5 h.
        ("America/New_York", date(2026, 3, 8), (utc(2026, 3, 8, 5), utc(2026, 3, 8, 10))),
        # 02:00 EDT -> 01:00 EST: 00:00 EDT (04:00Z) to 06:00 EST (11:00Z), 7 h.
        ("America/New_York", date(2026, 11, 1), (utc(2026, 11, 1, 4), utc(2026, 11, 1, 11))),
    ],
)
def test_dst_day_intervals(zone: str, day: date, interval: tuple[datetime, datetime]) -> None:
    calendar = make_calendar(zone, EARLY)
    assert calendar.intervals_on(day) == [interval]
    local_midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    length = int((interval[1] - interval[0]).total_seconds())
    assert calendar.between(local_midnight, local_midnight + timedelta(hours=12)) == length
    assert_instant(calendar.add(local_midnight, length), interval[1])


def test_berlin_spring_forward() -> None:
    calendar = make_calendar("Europe/Berlin", EARLY)
    midnight = datetime(2026, 3, 29, tzinfo=BERLIN)  # 23:00Z on the 28th
    # Three real hours after 00:00 CET is 04:00 CEST.
    assert_instant(calendar.add(midnight, 3 * HOUR), utc(2026, 3, 29, 2))
    # Saturday 05:00 CET: 1 h on Saturday, 5 h on Sunday, then Monday 00:00 CEST (22:00Z).
    assert_instant(
        calendar.add(datetime(2026, 3, 28, 5, tzinfo=BERLIN), 7 * HOUR), utc(2026, 3, 29, 23)
    )
    # Monday 03-23 to Monday 03-30: six 6 h days and one 5 h day.
    week = calendar.between(
        datetime(2026, 3, 23, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN)
    )
    assert week == 41 * HOUR


def test_berlin_fall_back() -> None:
    calendar = make_calendar("Europe/Berlin", EARLY)
    midnight = datetime(2026, 10, 25, tzinfo=BERLIN)  # 22:00Z on the 24th
    # Six real hours after 00:00 CEST is 05:00 CET.
    assert_instant(calendar.add(midnight, 6 * HOUR), utc(2026, 10, 25, 4))
    assert_instant(calendar.add(midnight, 7 * HOUR + 1), utc(2026, 10, 25, 23, 0, 1))
    week = calendar.between(
        datetime(2026, 10, 19, tzinfo=BERLIN), datetime(2026, 10, 26, tzinfo=BERLIN)
    )
    assert week == 43 * HOUR


def test_dst_round_trip() -> None:
    calendar = make_calendar("Europe/Berlin", EARLY + weekdays("09:00", "17:00"))
    for first, last in (
        (date(2026, 3, 23), date(2026, 4, 6)),
        (date(2026, 10, 19), date(2026, 11, 2)),
    ):
        starts = every(
            datetime.combine(first, datetime.min.time(), BERLIN).astimezone(UTC),
            datetime.combine(last, datetime.min.time(), BERLIN).astimezone(UTC),
            timedelta(minutes=37),
        )
        for seconds in (1, HOUR, 7 * HOUR, 30 * HOUR):
            previous: datetime | None = None
            for start in starts:
                deadline = calendar.add(start, seconds)
                assert calendar.between(start, deadline) == seconds, (start, seconds)
                if previous is not None:
                    assert deadline >= previous
                previous = deadline


def test_hours_starting_in_a_dst_gap_start_at_the_jump() -> None:
    # 02:30 does not exist on 2026-03-29 in Berlin: the clock jumps 02:00 CET -> 03:00
    # CEST at 01:00Z. 04:00 CEST is 02:00Z.
    calendar = make_calendar("Europe/Berlin", [(7, "02:30", "04:00"), (1, "09:00", "10:00")])
    assert calendar.intervals_on(date(2026, 3, 29)) == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))]
    # Hours wholly inside the gap are no working time that day.
    gap_only = make_calendar("Europe/Berlin", [(7, "02:00", "02:45"), (1, "09:00", "10:00")])
    assert gap_only.intervals_on(date(2026, 3, 29)) == []
    assert gap_only.intervals_on(date(2026, 3, 22)) == [
        (utc(2026, 3, 22, 1), utc(2026, 3, 22, 1, 45))
    ]
    assert (
        gap_only.between(datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN))
        == 0
    )


def test_repeated_wall_time_is_its_first_occurrence() -> None:
    # 02:00-02:30 happens twice on 2026-10-25 in Berlin; the first time is CEST.
    calendar = make_calendar("Europe/Berlin", [(7, "02:00", "02:30")])
    assert calendar.intervals_on(date(2026, 10, 25)) == [
        (utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30))
    ]


# --- refused input ---------------------------------------------------------------------


@pytest.mark.parametrize("calendar", [office(), ALWAYS_OPEN], ids=["office", "24x7"])
def test_naive_datetimes_refused(calendar: BusinessCalendar) -> None:
    naive = datetime(2026, 3, 2, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add(naive, 60)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add(naive, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.between(naive, sh(MON, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.between(sh(MON, 9), naive)


def test_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(BadUserInput) as caught:
        make_calendar("Asia/Shanghai", [])
    assert caught.value.extensions["field"] == "hours"


def test_calendar_without_working_time_never_loops_forever() -> None:
    with pytest.raises(ValueError, match="no working hours"):
        BusinessCalendar("UTC", ()).add(utc(2026, 3, 2), 1)
    # Only Mondays, and every Monday a holiday for longer than the search limit.
    mondays = [MON + timedelta(weeks=n) for n in range(MAX_IDLE_DAYS // 7 + 10)]
    closed = make_calendar("UTC", [(1, "09:00", "10:00")], [CalendarDay(d, False) for d in mondays])
    with pytest.raises(ValueError, match="no working time"):
        closed.add(utc(2026, 3, 1), 1)
    # A long closure within the limit is searched through.
    almost = make_calendar(
        "UTC", [(1, "09:00", "10:00")], [CalendarDay(d, False) for d in mondays[:150]]
    )
    reopened = MON + timedelta(weeks=150)
    assert_instant(
        almost.add(utc(2026, 3, 1), 1), utc(reopened.year, reopened.month, reopened.day, 9, 0, 1)
    )
    # between() is bounded by its end: no limit to hit.
    assert closed.between(utc(2026, 3, 1), utc(2029, 4, 1)) == 0


@pytest.mark.parametrize(
    ("text", "minute"),
    [("00:00", 0), ("08:30", 510), ("12:05", 725), ("23:59", 1439), ("24:00", 1440)],
)
def test_parse_clock(text: str, minute: int) -> None:
    assert parse_clock(text, "start") == minute


@pytest.mark.parametrize(
    "text",
    [
        "8:30",
        "08:3",
        "24:01",
        "25:00",
        "12:60",
        "",
        "noon",
        "12:30:00",
        " 08:30",
        "08:30 ",
        "-1:00",
        "０８:３０",
        "0830",
        "08.30",
    ],
)
def test_parse_clock_refuses(text: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        parse_clock(text, "opensAt")
    assert caught.value.extensions["field"] == "opensAt"
    assert caught.value.message.startswith("opensAt: ")


@pytest.mark.parametrize(
    ("timezone", "hours", "days", "field"),
    [
        ("Mars/Olympus", [(1, "09:00", "18:00")], [], "timezone"),
        ("", [(1, "09:00", "18:00")], [], "timezone"),
        ("localtime", [(1, "09:00", "18:00")], [], "timezone"),
        ("../etc/passwd", [(1, "09:00", "18:00")], [], "timezone"),
        ("Asia/Shanghai", [(0, "09:00", "18:00")], [], "hours"),
        ("Asia/Shanghai", [(8, "09:00", "18:00")], [], "hours"),
        ("Asia/Shanghai", [(1, "9:00", "18:00")], [], "hours"),
        ("Asia/Shanghai", [(1, "09:00", "09:00")], [], "hours"),
        ("Asia/Shanghai", [(1, "00:00", "00:00")], [], "hours"),
        ("Asia/Shanghai", [(1, "24:00", "06:00")], [], "hours"),
        ("Asia/Shanghai", [(1, "09:00", "12:00"), (1, "11:00", "14:00")], [], "hours"),
        ("Asia/Shanghai", [(1, "09:00", "18:00"), (1, "10:00", "11:00")], [], "hours"),
        ("Asia/Shanghai", [(1, "22:00", "06:00"), (1, "23:00", "23:30")], [], "hours"),
        ("Asia/Shanghai", [(1, "09:00", "18:00"), (1, "09:00", "18:00")], [], "hours"),
        (
            "Asia/Shanghai",
            [(1, "09:00", "18:00")],
            [CalendarDay(MON, False), CalendarDay(MON, True)],
            "days",
        ),
    ],
)
def test_make_calendar_refuses(
    timezone: str, hours: list[tuple[int, str, str]], days: list[CalendarDay], field: str
) -> None:
    with pytest.raises(BadUserInput) as caught:
        make_calendar(timezone, hours, days)
    assert caught.value.extensions["field"] == field


def test_make_calendar_accepts_and_normalises() -> None:
    calendar = make_calendar(
        "Europe/Berlin",
        [
            (3, "13:00", "18:00"),
            (1, "00:00", "24:00"),
            (3, "09:00", "12:00"),
            (2, "22:00", "06:00"),
            (3, "06:00", "09:00"),
        ],
        [CalendarDay(MON, False, "closed")],
    )
    assert calendar.timezone == "Europe/Berlin"
    assert calendar.hours == (
        WorkingHours(1, 0, 1440),
        WorkingHours(2, 1320, 360),
        WorkingHours(3, 360, 540),
        WorkingHours(3, 540, 720),
        WorkingHours(3, 780, 1080),
    )
    assert dict(calendar.days) == {MON: False}
    # Frozen, read-only, and hashable despite the mapping.
    same = make_calendar(
        "Europe/Berlin",
        [
            (2, "22:00", "06:00"),
            (3, "06:00", "09:00"),
            (3, "09:00", "12:00"),
            (1, "00:00", "24:00"),
            (3, "13:00", "18:00"),
        ],
        [CalendarDay(MON, False)],
    )
    assert same == calendar
    assert hash(same) == hash(calendar)
    with pytest.raises(AttributeError):
        calendar.timezone = "UTC"  # type: ignore[misc]
    with pytest.raises(TypeError):
        calendar.days[MON] = True  # type: ignore[index]
