"""A ticket's SLA clock (domain.sla.clock): the state the board shows, deadlines in
business time, target bounds and which moves meet, unmeet or stop a target.

Expected instants are worked out by hand. The office calendar works Monday to Friday,
09:00-18:00 Asia/Shanghai (UTC+8, no DST); 2026-12-03 is a Thursday, 12-04 a Friday,
12-05/06 the weekend and 12-07 the Monday after.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import BadUserInput
from domain.sla.calendar import ALWAYS_OPEN, make_calendar
from domain.sla.clock import (
    MET_BY,
    STOPPED_BY,
    UNMET_BY,
    Deadline,
    SlaState,
    SlaTarget,
    TargetClock,
    check_minutes,
    deadline,
    state_of,
)
from domain.tickets.lifecycle import Move

SH = ZoneInfo("Asia/Shanghai")
OFFICE = make_calendar("Asia/Shanghai", [(d, "09:00", "18:00") for d in range(1, 6)])


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in Asia/Shanghai on a day of December 2026."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SH)


# --- state_of ---------------------------------------------------------------------------

DUE = sh(4, 12)
EARLY = sh(4, 11)
LATE = sh(4, 13)


def clock(
    target: SlaTarget = SlaTarget.RESPONSE,
    *,
    met_at: datetime | None = None,
    warned: bool = False,
    breached: bool = False,
    due_at: datetime = DUE,
) -> TargetClock:
    return TargetClock(
        target=target, due_at=due_at, met_at=met_at, warned=warned, breached=breached
    )


def test_nothing_met_nor_warned_is_on_track() -> None:
    targets = [clock(SlaTarget.RESPONSE), clock(SlaTarget.RESOLUTION, due_at=sh(7, 12))]
    assert state_of(targets, stopped=False) is SlaState.ON_TRACK


def test_some_met_in_time_rest_unwarned_is_on_track() -> None:
    targets = [clock(SlaTarget.RESPONSE, met_at=EARLY), clock(SlaTarget.RESOLUTION)]
    assert state_of(targets, stopped=False) is SlaState.ON_TRACK


def test_a_warned_unmet_target_is_at_risk() -> None:
    targets = [clock(SlaTarget.RESPONSE, met_at=EARLY), clock(SlaTarget.ON_SITE, warned=True)]
    assert state_of(targets, stopped=False) is SlaState.AT_RISK


def test_a_warned_target_met_in_time_is_no_longer_at_risk() -> None:
    targets = [
        clock(SlaTarget.RESPONSE, met_at=EARLY, warned=True),
        clock(SlaTarget.RESOLUTION, due_at=sh(7, 12)),
    ]
    assert state_of(targets, stopped=False) is SlaState.ON_TRACK


def test_all_met_in_time_is_met() -> None:
    targets = [
        clock(SlaTarget.RESPONSE, met_at=EARLY, warned=True),
        clock(SlaTarget.RESOLUTION, met_at=DUE),  # met exactly at the due time: in time
    ]
    assert state_of(targets, stopped=False) is SlaState.MET


def test_stopped_is_met_even_with_unmet_or_warned_targets() -> None:
    targets = [clock(SlaTarget.RESPONSE, met_at=EARLY), clock(SlaTarget.RESOLUTION, warned=True)]
    assert state_of(targets, stopped=True) is SlaState.MET
    assert state_of([clock()], stopped=True) is SlaState.MET


def test_a_raised_breach_is_breached() -> None:
    targets = [clock(SlaTarget.RESPONSE, warned=True, breached=True), clock(SlaTarget.ON_SITE)]
    assert state_of(targets, stopped=False) is SlaState.BREACHED


def test_met_after_its_due_time_is_breached_without_the_flag() -> None:
    targets = [clock(SlaTarget.RESPONSE, met_at=LATE)]
    assert targets[0].met_late is True
    assert state_of(targets, stopped=False) is SlaState.BREACHED


def test_met_one_second_late_is_late() -> None:
    late = clock(met_at=DUE + timedelta(seconds=1))
    assert late.met_late is True
    assert clock(met_at=DUE).met_late is False
    assert clock().met_late is False


def test_met_late_is_compared_as_instants_across_zones() -> None:
    # 11:30 in Shanghai is 03:30 UTC: before the 12:00 Shanghai due time.
    in_time = clock(met_at=datetime(2026, 12, 4, 3, 30, tzinfo=UTC))
    assert in_time.met_late is False
    assert state_of([in_time], stopped=False) is SlaState.MET


@pytest.mark.parametrize("stopped", [False, True])
def test_breached_wins_over_met_and_stopped(stopped: bool) -> None:
    all_met_one_late = [
        clock(SlaTarget.RESPONSE, met_at=EARLY),
        clock(SlaTarget.RESOLUTION, met_at=LATE),
    ]
    assert state_of(all_met_one_late, stopped=stopped) is SlaState.BREACHED
    met_but_flagged = [clock(SlaTarget.RESPONSE, met_at=EARLY, breached=True)]
    assert state_of(met_but_flagged, stopped=stopped) is SlaState.BREACHED


def test_breached_wins_over_at_risk() -> None:
    targets = [clock(SlaTarget.RESPONSE, breached=True), clock(SlaTarget.ON_SITE, warned=True)]
    assert state_of(targets, stopped=False) is SlaState.BREACHED


@pytest.mark.parametrize("stopped", [False, True])
def test_an_empty_target_list_is_met(stopped: bool) -> None:
    # "MET when every target is met": vacuously true without targets.
    assert state_of([], stopped=stopped) is SlaState.MET


# --- deadline: ALWAYS_OPEN --------------------------------------------------------------


def test_always_open_deadline_is_plain_arithmetic() -> None:
    assert deadline(ALWAYS_OPEN, sh(4, 17), 90, 30) == Deadline(
        due_at=sh(4, 18, 30), warn_at=sh(4, 18)
    )


def test_always_open_runs_through_the_weekend() -> None:
    # Two days (2880 minutes) from Friday 17:00; warn 10 hours (600 min) before.
    result = deadline(ALWAYS_OPEN, sh(4, 17), 2880, 600)
    assert result.due_at == sh(6, 17)
    assert result.warn_at == sh(6, 7)


def test_always_open_paused_seconds_shift_both() -> None:
    result = deadline(ALWAYS_OPEN, sh(4, 17), 90, 30, paused_business_seconds=600)
    assert result.due_at == sh(4, 18, 40)
    assert result.warn_at == sh(4, 18, 10)


def test_always_open_warn_before_zero_warns_at_the_due_time() -> None:
    result = deadline(ALWAYS_OPEN, sh(4, 17), 45, 0)
    assert result.due_at == sh(4, 17, 45)
    assert result.warn_at == sh(4, 17, 45)


def test_always_open_returns_the_same_instant_in_utc() -> None:
    result = deadline(ALWAYS_OPEN, datetime(2026, 12, 4, 9, 0, tzinfo=UTC), 60, 15)
    assert result.due_at == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert result.warn_at == datetime(2026, 12, 4, 9, 45, tzinfo=UTC)
    assert result.due_at == sh(4, 18)


# --- deadline: office hours -------------------------------------------------------------


def test_office_deadline_within_one_day() -> None:
    # Thursday 10:00 + 2 h = 12:00; warn 30 min before: 11:30.
    assert deadline(OFFICE, sh(3, 10), 120, 30) == Deadline(due_at=sh(3, 12), warn_at=sh(3, 11, 30))


def test_office_deadline_crossing_a_night() -> None:
    # Thursday 17:00: 1 h until 18:00, then 3 h from Friday 09:00 -> Friday 12:00.
    # Warning at 180 min: 1 h Thursday + 2 h Friday -> Friday 11:00.
    result = deadline(OFFICE, sh(3, 17), 240, 60)
    assert result.due_at == sh(4, 12)
    assert result.warn_at == sh(4, 11)


def test_office_deadline_crossing_a_night_and_a_weekend() -> None:
    # Friday 17:00: 1 h on Friday, the weekend does not count, 7 h from Monday 09:00
    # -> Monday 16:00. Warning at 360 min: 1 h Friday + 5 h Monday -> Monday 14:00.
    result = deadline(OFFICE, sh(4, 17), 480, 120)
    assert result.due_at == sh(7, 16)
    assert result.warn_at == sh(7, 14)


def test_office_warning_before_the_weekend_deadline_after_it() -> None:
    # Warning at 480 - 450 = 30 min: Friday 17:30; due Monday 16:00 as above.
    result = deadline(OFFICE, sh(4, 17), 480, 450)
    assert result.due_at == sh(7, 16)
    assert result.warn_at == sh(4, 17, 30)


def test_office_deadline_ending_at_closing_time_stays_there() -> None:
    # Friday 17:00 + 60 min reaches 18:00 exactly: due then, not Monday 09:00.
    result = deadline(OFFICE, sh(4, 17), 60, 0)
    assert result.due_at == sh(4, 18)
    assert result.warn_at == sh(4, 18)


def test_office_deadline_started_at_the_weekend_counts_from_monday() -> None:
    # Saturday 10:00: the count starts Monday 09:00 -> due 10:30, warns 10:00.
    result = deadline(OFFICE, sh(5, 10), 90, 30)
    assert result.due_at == sh(7, 10, 30)
    assert result.warn_at == sh(7, 10)


def test_office_deadline_started_in_the_night() -> None:
    # Thursday 20:00: nothing counts until Friday 09:00 -> due 09:45, warns 09:30.
    result = deadline(OFFICE, sh(3, 20), 45, 15)
    assert result.due_at == sh(4, 9, 45)
    assert result.warn_at == sh(4, 9, 30)


@pytest.mark.parametrize("warn_before", [30, 31, 120])
def test_warn_before_not_shorter_than_the_target_warns_at_the_start(warn_before: int) -> None:
    # Thursday 10:00 + 30 min = 10:30; the warning cannot come before the start.
    result = deadline(OFFICE, sh(3, 10), 30, warn_before)
    assert result.due_at == sh(3, 10, 30)
    assert result.warn_at == sh(3, 10)


def test_warn_at_start_is_the_start_itself_even_outside_working_hours() -> None:
    # Zero warning seconds add nothing: the warning instant is the (Saturday) start.
    result = deadline(OFFICE, sh(5, 10), 60, 90)
    assert result.due_at == sh(7, 10)
    assert result.warn_at == sh(5, 10)


def test_office_paused_seconds_shift_both() -> None:
    # As the weekend case plus 1 h on hold: due at 9 h of work -> Monday 17:00,
    # warning at 7 h of work -> Monday 15:00.
    result = deadline(OFFICE, sh(4, 17), 480, 120, paused_business_seconds=3600)
    assert result.due_at == sh(7, 17)
    assert result.warn_at == sh(7, 15)


def test_office_paused_seconds_can_push_across_the_weekend() -> None:
    # Friday 16:00 + 60 min = 17:00; with 2 h on hold the due time is 3 h of work
    # later: 2 h Friday + 1 h Monday -> Monday 10:00; warning at 30 min + 2 h -> 2.5 h:
    # 2 h Friday + 30 min Monday -> Monday 09:30.
    result = deadline(OFFICE, sh(4, 16), 60, 30, paused_business_seconds=7200)
    assert result.due_at == sh(7, 10)
    assert result.warn_at == sh(7, 9, 30)


def test_office_paused_seconds_shift_a_warning_at_the_start() -> None:
    # warn_before 45 > 30: the warning would be at the start; 30 min on hold move it
    # to 10:30 and the due time to 11:00.
    result = deadline(OFFICE, sh(3, 10), 30, 45, paused_business_seconds=1800)
    assert result.due_at == sh(3, 11)
    assert result.warn_at == sh(3, 10, 30)


# --- check_minutes ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 60, 525_600])
def test_check_minutes_accepts_one_minute_to_a_year(value: int) -> None:
    assert check_minutes(value, "responseMinutes") == value


def test_check_minutes_none_is_no_target() -> None:
    assert check_minutes(None, "onSiteMinutes") is None


@pytest.mark.parametrize("value", [0, -1, 525_601])
@pytest.mark.parametrize("field", ["responseMinutes", "onSiteMinutes", "resolutionMinutes"])
def test_check_minutes_refuses_out_of_range(value: int, field: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        check_minutes(value, field)
    assert caught.value.extensions["field"] == field
    assert caught.value.message == f"{field}: must be between 1 and 525600 minutes"


# --- the moves that meet, unmeet and stop targets ---------------------------------------


def test_met_by_names_the_meeting_moves() -> None:
    assert {move.value: target.value for move, target in MET_BY.items()} == {
        "ACKNOWLEDGE": "RESPONSE",
        "CHECK_IN": "ON_SITE",
        "REQUEST_CLOSE": "RESOLUTION",
    }


def test_unmet_by_a_rejected_close_reopens_the_resolution() -> None:
    assert {move.value: target.value for move, target in UNMET_BY.items()} == {
        "REJECT_CLOSE": "RESOLUTION"
    }


def test_stopped_by_final_close_and_cancel() -> None:
    assert {move.value for move in STOPPED_BY} == {"FINALIZE_CLOSE", "CANCEL"}


def test_the_maps_use_lifecycle_moves() -> None:
    assert all(isinstance(move, Move) for move in [*MET_BY, *UNMET_BY, *STOPPED_BY])
    assert MET_BY[Move.ACKNOWLEDGE] is SlaTarget.RESPONSE
    assert MET_BY[Move.CHECK_IN] is SlaTarget.ON_SITE
    assert MET_BY[Move.REQUEST_CLOSE] is SlaTarget.RESOLUTION
    assert UNMET_BY[Move.REJECT_CLOSE] is SlaTarget.RESOLUTION


@pytest.mark.parametrize(
    "move",
    ["DISPATCH", "DECLINE", "RECORD_WORK", "CONFIRM_CLOSE", "HOLD", "RESUME", "USE_PARTS"],
)
def test_other_moves_neither_meet_unmeet_nor_stop(move: str) -> None:
    assert Move(move) not in MET_BY
    assert Move(move) not in UNMET_BY
    assert Move(move) not in STOPPED_BY
