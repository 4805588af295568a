"""When reminders repeat and when devices fall due for maintenance (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.errors import BadUserInput
from domain.maintenance.plans import horizon, maintained_on, next_due
from domain.reminders.repeat import ReminderRepeat, check_title, next_after, occurrence

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_a_one_off_has_no_next_time() -> None:
    assert next_after(utc(2026, 12, 1, 1), ReminderRepeat.NONE, utc(2026, 12, 2), SHANGHAI) is None


def test_daily_moves_to_the_first_time_after_now_without_replaying_missed_days() -> None:
    first = utc(2026, 12, 1, 1, 0)  # 09:00 in Shanghai
    # Three days and a bit later: the next is the fourth day's 09:00, not the second's.
    got = next_after(first, ReminderRepeat.DAILY, utc(2026, 12, 4, 2, 0), SHANGHAI)
    assert got == utc(2026, 12, 5, 1, 0)
    # Exactly at an occurrence: that one is due now, so the next is the day after.
    assert next_after(first, ReminderRepeat.DAILY, utc(2026, 12, 4, 1, 0), SHANGHAI) == utc(
        2026, 12, 5, 1, 0
    )


def test_weekly() -> None:
    first = utc(2026, 12, 1, 1, 0)
    assert next_after(first, ReminderRepeat.WEEKLY, utc(2026, 12, 1, 1, 0), SHANGHAI) == utc(
        2026, 12, 8, 1, 0
    )


def test_monthly_keeps_the_day_and_falls_on_the_last_day_of_short_months() -> None:
    first = utc(2027, 1, 31, 1, 0)  # 31 January, 09:00 Shanghai
    assert occurrence(first, ReminderRepeat.MONTHLY, 1, SHANGHAI) == utc(2027, 2, 28, 1, 0)
    assert occurrence(first, ReminderRepeat.MONTHLY, 2, SHANGHAI) == utc(2027, 3, 31, 1, 0)
    assert occurrence(first, ReminderRepeat.MONTHLY, 13, SHANGHAI) == utc(2028, 2, 29, 1, 0)


def test_monthly_years_behind_lands_on_the_first_occurrence_after_now() -> None:
    first = utc(2016, 5, 15, 1, 0)
    got = next_after(first, ReminderRepeat.MONTHLY, utc(2026, 12, 1), SHANGHAI)
    assert got == utc(2026, 12, 15, 1, 0)


def test_daily_keeps_the_wall_clock_time_across_daylight_saving() -> None:
    # 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer (from 29 March 2026).
    first = utc(2026, 3, 27, 8, 0)
    assert occurrence(first, ReminderRepeat.DAILY, 3, BERLIN) == utc(2026, 3, 30, 7, 0)


def test_titles() -> None:
    assert check_title("  call back ") == "call back"
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(BadUserInput) as info:
            check_title(bad)
        assert info.value.extensions["field"] == "title"


def test_due_after_the_last_maintenance_or_else_the_installation() -> None:
    assert next_due(date(2026, 1, 10), None, 90) == date(2026, 4, 10)
    assert next_due(date(2026, 1, 10), date(2026, 6, 1), 30) == date(2026, 7, 1)
    assert next_due(None, None, 90) is None
    assert next_due(date(2026, 1, 10), None, None) is None
    assert next_due(date(2026, 1, 10), None, 0) is None


def test_horizon_and_the_maintained_date() -> None:
    assert horizon(date(2026, 12, 1), 7) == date(2026, 12, 8)
    assert horizon(date(2026, 12, 1), -3) == date(2026, 12, 1)
    # The day the work started counts; without it, the day it closed.
    assert maintained_on(date(2026, 11, 20), date(2026, 11, 25), None) == date(2026, 11, 20)
    assert maintained_on(None, date(2026, 11, 25), date(2026, 8, 1)) == date(2026, 11, 25)
    # Never earlier than what was recorded.
    assert maintained_on(date(2026, 5, 1), date(2026, 5, 2), date(2026, 6, 1)) == date(2026, 6, 1)
