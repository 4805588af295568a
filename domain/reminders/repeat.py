"""When a reminder is next delivered.

A repeating reminder keeps its wall-clock time in the service's timezone (09:00 stays
09:00 across a change of daylight saving time) and, monthly, its day of the month
(the 31st falls on the last day of shorter months). After downtime it is delivered
once, then moves to its first occurrence after now: missed repeats are not replayed.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.errors import BadUserInput


class ReminderRepeat(StrEnum):
    NONE = "NONE"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


def occurrence(first: datetime, repeat: ReminderRepeat, n: int, zone: str) -> datetime:
    """The n-th occurrence (0: `first` itself), as an aware UTC-comparable datetime."""
    local = first.astimezone(ZoneInfo(zone))
    if repeat is ReminderRepeat.NONE or n == 0:
        return first
    if repeat is ReminderRepeat.DAILY:
        wall = local.replace(tzinfo=None) + timedelta(days=n)
    elif repeat is ReminderRepeat.WEEKLY:
        wall = local.replace(tzinfo=None) + timedelta(weeks=n)
    else:
        months = local.month - 1 + n
        year, month = local.year + months // 12, months % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        wall = local.replace(tzinfo=None, year=year, month=month, day=day)
    return wall.replace(tzinfo=ZoneInfo(zone))


def next_after(
    first: datetime, repeat: ReminderRepeat, now: datetime, zone: str
) -> datetime | None:
    """The first occurrence after `now` (None: a one-off, delivered)."""
    if repeat is ReminderRepeat.NONE:
        return None
    # A coarse jump first, so a reminder years behind costs a few steps, not thousands.
    step = {ReminderRepeat.DAILY: 1, ReminderRepeat.WEEKLY: 7, ReminderRepeat.MONTHLY: 31}[repeat]
    n = max(1, int((now - first).total_seconds() // (step * 86_400)) - 1)
    while occurrence(first, repeat, n, zone) <= now:
        n += 1
    return occurrence(first, repeat, n, zone)


def check_title(title: str) -> str:
    cleaned = title.strip()
    if not 1 <= len(cleaned) <= 200:
        raise BadUserInput("must be 1 to 200 characters", field="title")
    return cleaned
