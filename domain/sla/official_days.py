"""China's official calendar (State Council holidays and 调休 make-up working days).

Taken from the maintained `chinesecalendar` package rather than typed in here: the
dates are announced each year, and the package ships them. It knows a fixed range of
years (`china_years_covered`); years outside it are skipped, not guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum

import chinese_calendar  # type: ignore[import-untyped]

from domain.sla.calendar import CalendarDay

MAKE_UP_NOTE = "调休 make-up working day"


def china_years_covered() -> tuple[int, int]:
    """The first and last year the package has data for (the range its own
    functions accept before raising NotImplementedError)."""
    known: Mapping[date, object] = chinese_calendar.holidays
    return min(known).year, max(known).year


def china_official_days(first_year: int, last_year: int) -> list[CalendarDay]:
    """Every statutory holiday (not working, noted with the holiday's English name) and
    every make-up working day on a weekend (working) from `first_year` to `last_year`,
    limited to the years the package covers; sorted by date."""
    covered_first, covered_last = china_years_covered()
    first_year, last_year = max(first_year, covered_first), min(last_year, covered_last)
    holidays: Mapping[date, object] = chinese_calendar.holidays
    workdays: Mapping[date, object] = chinese_calendar.workdays
    days: list[CalendarDay] = []
    for day, name in holidays.items():
        if first_year <= day.year <= last_year:
            days.append(CalendarDay(day, False, _holiday_name(name)))
    for day in workdays:
        # The package lists make-up days only; a weekday in it would be working anyway.
        if first_year <= day.year <= last_year and day.isoweekday() >= 6:
            days.append(CalendarDay(day, True, MAKE_UP_NOTE))
    days.sort(key=lambda d: d.date)
    return days


def _holiday_name(value: object) -> str:
    """A readable English name for the package's holiday value: a `Holiday` member, its
    English value ("National Day"), or a member name ("national_day")."""
    if isinstance(value, Enum):
        value = value.value
    text = str(value)
    member: object = getattr(chinese_calendar.Holiday, text, None)
    if isinstance(member, Enum):
        return str(member.value)
    return text
