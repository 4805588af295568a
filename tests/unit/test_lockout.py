"""Login throttling rules (domain.accounts.lockout), with a clock of our own: per name,
LOGIN_ATTEMPTS failures in a row make the name wait LOCKOUT_MINUTES, doubled on each
repeat up to a day, and a success forgets it all; per address, at most
LOGIN_IP_ATTEMPTS failures per window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.accounts.lockout import (
    MAX_LOCKOUT,
    AddressWindow,
    NameThrottle,
    after_success,
    give_back,
    lockout_length,
    name_key,
    reserve_address,
    reserve_name,
    seconds_until,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BASE = timedelta(minutes=15)


def fail(state: NameThrottle, now: datetime, limit: int = 5) -> NameThrottle:
    """One wrong password at `now`: the reservation, kept (the password was wrong)."""
    reservation = reserve_name(state, now, limit=limit, base=BASE)
    assert reservation.allowed, "a password was refused a check it should have had"
    return reservation.state


def fail_until_locked(state: NameThrottle, now: datetime, limit: int = 5) -> NameThrottle:
    for _ in range(limit):
        state = fail(state, now, limit)
    assert state.waiting(now)
    return state


# -- the name key ----------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["demo-admin", "Demo-Admin", "DEMO-ADMIN", "  demo-admin "])
def test_names_are_one_whatever_the_case_and_spaces(spelling: str) -> None:
    assert name_key(spelling) == "demo-admin"


def test_name_keys_are_bounded() -> None:
    assert len(name_key("x" * 10_000)) == 64
    assert name_key("a" * 50) == "a" * 50  # every real username fits whole


# -- per name ---------------------------------------------------------------------------


def test_failures_below_the_limit_do_not_lock() -> None:
    state = NameThrottle()
    for count in range(1, 5):
        reservation = reserve_name(state, T0, limit=5, base=BASE)
        assert reservation.allowed
        assert reservation.locked_until is None
        state = reservation.state
        assert state == NameThrottle(failures=count, lockouts=0, locked_until=None)
        assert not state.waiting(T0)


def test_the_attempt_reaching_the_limit_locks_at_once() -> None:
    """The 5th attempt is still checked, but the name waits from its reservation on:
    parallel attempts are refused without a check."""
    state = NameThrottle(failures=4)
    reservation = reserve_name(state, T0, limit=5, base=BASE)
    assert reservation.allowed
    assert reservation.locked_until == T0 + BASE
    assert reservation.state == NameThrottle(failures=5, lockouts=1, locked_until=T0 + BASE)


def test_while_waiting_nothing_is_checked_and_nothing_changes() -> None:
    locked = fail_until_locked(NameThrottle(), T0)
    for later in (T0, T0 + timedelta(minutes=1), T0 + BASE - timedelta(microseconds=1)):
        reservation = reserve_name(locked, later, limit=5, base=BASE)
        assert not reservation.allowed
        assert reservation.state == locked
        assert reservation.locked_until == T0 + BASE


def test_the_lock_expires_and_the_count_starts_over() -> None:
    locked = fail_until_locked(NameThrottle(), T0)
    after = T0 + BASE
    assert not locked.waiting(after)
    reservation = reserve_name(locked, after, limit=5, base=BASE)
    assert reservation.allowed
    assert reservation.locked_until is None
    # A fresh count of failures; the lock is remembered for the next one's length.
    assert reservation.state == NameThrottle(failures=1, lockouts=1, locked_until=None)


def test_each_repeat_doubles_the_wait() -> None:
    state, now = NameThrottle(), T0
    waits = []
    for _ in range(4):
        state = fail_until_locked(state, now)
        assert state.locked_until is not None
        waits.append(state.locked_until - now)
        now = state.locked_until  # the moment it expires
    assert waits == [BASE, 2 * BASE, 4 * BASE, 8 * BASE]


def test_the_wait_is_capped_at_a_day() -> None:
    assert lockout_length(1, BASE) == BASE
    assert lockout_length(7, BASE) == 64 * BASE  # 16 hours
    assert lockout_length(8, BASE) == MAX_LOCKOUT == timedelta(hours=24)
    assert lockout_length(10_000, BASE) == MAX_LOCKOUT
    assert lockout_length(3, timedelta(days=2)) == MAX_LOCKOUT
    state = NameThrottle(failures=0, lockouts=40, locked_until=T0 - timedelta(seconds=1))
    state = fail_until_locked(state, T0)
    assert state.locked_until == T0 + MAX_LOCKOUT


def test_lockouts_count_from_one() -> None:
    with pytest.raises(ValueError):
        lockout_length(0, BASE)


def test_a_success_forgets_failures_and_repeats() -> None:
    state = fail_until_locked(NameThrottle(), T0)
    state = fail_until_locked(state, T0 + BASE)
    assert state.lockouts == 2
    forgotten = after_success(state)
    assert forgotten == NameThrottle()
    # So the next lock is a first one again.
    again = fail_until_locked(forgotten, T0 + 4 * BASE)
    assert again.locked_until == T0 + 5 * BASE


def test_a_success_before_the_limit_resets_the_count() -> None:
    state = fail(fail(fail(NameThrottle(), T0), T0), T0)
    state = after_success(state)
    for _ in range(4):
        state = fail(state, T0)
    assert not state.waiting(T0)


@pytest.mark.parametrize("limit", [1, 3, 5, 10])
def test_exactly_limit_checks_before_the_wait(limit: int) -> None:
    """However many attempts come, `limit` passwords are checked, then none."""
    state, checked = NameThrottle(), 0
    for _ in range(limit * 3):
        reservation = reserve_name(state, T0, limit=limit, base=BASE)
        checked += reservation.allowed
        state = reservation.state
    assert checked == limit
    assert state.waiting(T0)


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        reserve_name(NameThrottle(), T0, limit=0, base=BASE)
    with pytest.raises(ValueError):
        reserve_address(AddressWindow(), T0, limit=0, window=BASE)


# -- per address ------------------------------------------------------------------------


def test_an_address_gets_limit_attempts_per_window() -> None:
    state = AddressWindow()
    for count in range(1, 4):
        reservation = reserve_address(state, T0 + timedelta(seconds=count), limit=3, window=BASE)
        assert reservation.allowed and reservation.retry_after is None
        state = reservation.state
        assert state == AddressWindow(failures=count, started_at=T0 + timedelta(seconds=1))
    refused = reserve_address(state, T0 + timedelta(minutes=5), limit=3, window=BASE)
    assert not refused.allowed
    assert refused.state == state
    # The window started at the first failure (T0 + 1 s) and lasts 15 minutes.
    assert refused.retry_after == 10 * 60 + 1


def test_the_address_window_starts_over_when_it_ends() -> None:
    state = AddressWindow(failures=3, started_at=T0)
    assert not reserve_address(
        state, T0 + BASE - timedelta(seconds=1), limit=3, window=BASE
    ).allowed
    reservation = reserve_address(state, T0 + BASE, limit=3, window=BASE)
    assert reservation.allowed
    assert reservation.state == AddressWindow(failures=1, started_at=T0 + BASE)


def test_giving_back_uncounts_one_attempt() -> None:
    state = AddressWindow(failures=3, started_at=T0)
    assert give_back(state) == AddressWindow(failures=2, started_at=T0)
    assert give_back(AddressWindow(failures=0, started_at=T0)).failures == 0
    # Given back, the address may try again within the same window.
    assert reserve_address(give_back(state), T0, limit=3, window=BASE).allowed


def test_seconds_until_rounds_up_and_is_never_zero() -> None:
    assert seconds_until(T0 + timedelta(seconds=10), T0) == 10
    assert seconds_until(T0 + timedelta(seconds=10, microseconds=1), T0) == 11
    assert seconds_until(T0, T0) == 1
    assert seconds_until(T0 - timedelta(hours=1), T0) == 1
