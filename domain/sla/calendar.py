"""Business calendars: when the clock of an SLA runs, and how far it runs.

A calendar is working hours per weekday in an IANA timezone, plus dated exceptions
(holidays, make-up working days). `add` finds the instant a number of working seconds
after a start; `between` counts the working seconds of a span. Both work on real
elapsed time in UTC: a local day with a DST jump inside its hours is an hour shorter
or longer. Pure arithmetic on plain data; `make_calendar` validates user input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, available_timezones

from domain.errors import BadUserInput

MINUTES_PER_DAY = 1440
# A calendar that yields no working time for this long is taken to yield none ever,
# so `add` fails instead of searching forever.
MAX_IDLE_DAYS = 3 * 366

_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
# Files under the zoneinfo directory that are not IANA zone names.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Working time starting on `weekday` (1 = Monday .. 7 = Sunday), in minutes of the
    local day. `end` may be 1440 (24:00); `end <= start` runs overnight into the next
    day and still belongs to `weekday`, the day it starts."""

    weekday: int
    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    @property
    def end_offset(self) -> int:
        """`end` in minutes from the start of `weekday` (past 1440 when overnight)."""
        return self.end + MINUTES_PER_DAY if self.overnight else self.end


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A dated exception: a holiday (`working` False) or a working day (True), such as
    a make-up Saturday (调休)."""

    date: date
    working: bool
    note: str | None = None


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in `timezone`; `days` (date -> working) overrides the weekday rule.

    Build it with `make_calendar`, which validates; the methods trust their data.
    """

    timezone: str
    hours: tuple[WorkingHours, ...]
    # Left out of the hash: a mapping is not hashable, and equal calendars still hash equal.
    days: Mapping[date, bool] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    # cached_property writes the instance __dict__ directly, which a frozen dataclass allows.
    @cached_property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _by_weekday(self) -> dict[int, tuple[WorkingHours, ...]]:
        return {
            weekday: tuple(h for h in self.hours if h.weekday == weekday) for weekday in range(1, 8)
        }

    @cached_property
    def _make_up_hours(self) -> tuple[WorkingHours, ...]:
        """The hours a make-up working day borrows when its own weekday has none: those
        of the first weekday with hours, Monday first."""
        for weekday in range(1, 8):
            if self._by_weekday[weekday]:
                return self._by_weekday[weekday]
        return ()

    @cached_property
    def _always_open(self) -> bool:
        full = {h.weekday for h in self.hours if h.start == 0 and h.end == MINUTES_PER_DAY}
        return full == set(range(1, 8)) and not self.days

    def is_always_open(self) -> bool:
        """24x7 with no dated exceptions: working time is plain elapsed time."""
        return self._always_open

    def is_working_day(self, day: date) -> bool:
        override = self.days.get(day)
        if override is not None:
            return override
        return bool(self._by_weekday[day.isoweekday()])

    def intervals_on(self, day: date) -> list[Interval]:
        """The working intervals that start on local date `day`, in UTC, sorted and with
        overlapping or touching ones merged. Overnight hours reach into the next day."""
        override = self.days.get(day)
        if override is False:
            return []
        hours = self._by_weekday[day.isoweekday()]
        if not hours and override:
            hours = self._make_up_hours
        if not hours:
            return []
        midnight = datetime.combine(day, time())
        spans = sorted(
            (
                _local_to_utc(midnight + timedelta(minutes=h.start), self._zone),
                _local_to_utc(midnight + timedelta(minutes=h.end_offset), self._zone),
            )
            for h in hours
        )
        merged: list[Interval] = []
        for start, end in spans:
            if end <= start:  # hours lying wholly inside a DST gap
                continue
            if merged and start <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return merged

    def add(self, start: datetime, seconds: int) -> datetime:
        """The instant (UTC) when `seconds` of working time have passed after `start`.

        Outside working time the count starts at the next opening; 0 seconds is `start`
        itself. Raises ValueError for a naive `start`, negative `seconds`, or a calendar
        that has no working time within MAX_IDLE_DAYS.
        """
        begin = _as_utc(start, "start")
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        if seconds == 0:
            return begin
        if self._always_open:
            return begin + timedelta(seconds=seconds)
        if not self.hours:
            raise ValueError("the calendar has no working hours")
        remaining = timedelta(seconds=seconds)
        # An overnight interval of the previous day may already be running at `start`.
        first_day = begin.astimezone(self._zone).date() - _ONE_DAY
        for span_start, span_end in self._spans(first_day, None):
            if span_end <= begin:
                continue
            span_start = max(span_start, begin)
            available = span_end - span_start
            if remaining <= available:
                return span_start + remaining
            remaining -= available
        raise AssertionError("unreachable: _spans without a last day never ends")

    def between(self, start: datetime, end: datetime) -> int:
        """Working seconds in [start, end) (whole seconds, rounded down); 0 if end <= start."""
        begin = _as_utc(start, "start")
        finish = _as_utc(end, "end")
        if finish <= begin:
            return 0
        if self._always_open:
            return (finish - begin) // _ONE_SECOND
        first_day = begin.astimezone(self._zone).date() - _ONE_DAY
        # Intervals starting after the local date of `end` start after `end` itself.
        last_day = finish.astimezone(self._zone).date()
        total = timedelta()
        for span_start, span_end in self._spans(first_day, last_day):
            overlap = min(span_end, finish) - max(span_start, begin)
            if overlap > timedelta():
                total += overlap
        return total // _ONE_SECOND

    def _spans(self, first_day: date, last_day: date | None) -> Iterator[Interval]:
        """The union of the intervals starting on `first_day` onwards as disjoint sorted
        spans. Overnight hours can overlap the next day's hours, so each interval is cut
        to begin where the previous one ended. Without `last_day` it runs until
        MAX_IDLE_DAYS days in a row start no working time (then ValueError)."""
        reached: datetime | None = None
        idle = 0
        day = first_day
        while last_day is None or day <= last_day:
            intervals = self.intervals_on(day)
            if intervals:
                idle = 0
            else:
                idle += 1
                if last_day is None and idle > MAX_IDLE_DAYS:
                    raise ValueError(
                        f"the calendar has no working time in {MAX_IDLE_DAYS} days after {day - timedelta(days=idle)}"
                    )
            for start, end in intervals:
                if reached is not None:
                    if end <= reached:
                        continue
                    start = max(start, reached)
                yield start, end
                reached = end
            day += _ONE_DAY


def _as_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment}")
    return moment.astimezone(UTC)


def _local_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time as a UTC instant. A repeated wall time (fall back) is
    its first occurrence; a wall time in a DST gap is the instant the clock jumps."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # In a gap, fold=0 reads the wall time with the offset before the jump and fold=1
    # with the one after, so the jump lies between the two readings: bisect on seconds.
    before = min(wall.replace(tzinfo=zone, fold=1).astimezone(UTC), instant)
    after_offset = instant.astimezone(zone).utcoffset()
    low, high = 0, (instant - before) // _ONE_SECOND
    while low < high:
        mid = (low + high) // 2
        if (before + mid * _ONE_SECOND).astimezone(zone).utcoffset() == after_offset:
            high = mid
        else:
            low = mid + 1
    return before + low * _ONE_SECOND


def parse_clock(text: str, field: str) -> int:
    """Minute of the day of an "HH:MM" clock time ("08:30" -> 510). "24:00" gives 1440,
    valid only as the end of working hours (make_calendar refuses it as a start)."""
    if text == "24:00":
        return MINUTES_PER_DAY
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise BadUserInput(
            f"{text!r} is not a clock time HH:MM (00:00-23:59, or 24:00 as an end)", field=field
        )
    return int(match.group(1)) * 60 + int(match.group(2))


@cache
def _known_zones() -> frozenset[str]:
    # available_timezones() walks the zoneinfo directory: expensive, hence cached.
    return frozenset(available_timezones()) - _NOT_ZONES


def make_calendar(
    timezone: str,
    hours: Iterable[tuple[int, str, str]],
    days: Iterable[CalendarDay] = (),
) -> BusinessCalendar:
    """Validate user input into a calendar. `hours` are (weekday 1..7, "HH:MM" start,
    "HH:MM" end); an end at or before the start runs overnight. Raises BadUserInput with
    field "timezone", "hours" or "days"."""
    if timezone not in _known_zones():
        raise BadUserInput(f"unknown timezone {timezone!r}", field="timezone")

    parsed: list[WorkingHours] = []
    for weekday, start_text, end_text in hours:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 1 <= weekday <= 7:
            raise BadUserInput(
                f"weekday must be 1 (Monday) .. 7 (Sunday), got {weekday!r}", field="hours"
            )
        start = parse_clock(start_text, "hours")
        end = parse_clock(end_text, "hours")
        if start == MINUTES_PER_DAY:
            raise BadUserInput("24:00 can only end working hours", field="hours")
        if start == end:
            raise BadUserInput(
                f"{start_text}-{end_text} is empty (a whole day is 00:00-24:00)", field="hours"
            )
        parsed.append(WorkingHours(weekday, start, end))
    if not parsed:
        raise BadUserInput("the calendar needs at least one working interval", field="hours")

    parsed.sort(key=lambda h: (h.weekday, h.start))
    for previous, following in pairwise(parsed):
        if previous.weekday == following.weekday and following.start < previous.end_offset:
            raise BadUserInput(
                f"working hours overlap on weekday {following.weekday}: "
                f"{_clock(previous.start)}-{_clock(previous.end)} and "
                f"{_clock(following.start)}-{_clock(following.end)}",
                field="hours",
            )

    overrides: dict[date, bool] = {}
    for day in days:
        if day.date in overrides:
            raise BadUserInput(f"{day.date.isoformat()} is listed twice", field="days")
        overrides[day.date] = day.working

    return BusinessCalendar(timezone, tuple(parsed), MappingProxyType(overrides))


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


ALWAYS_OPEN = BusinessCalendar(
    "UTC", tuple(WorkingHours(weekday, 0, MINUTES_PER_DAY) for weekday in range(1, 8))
)
