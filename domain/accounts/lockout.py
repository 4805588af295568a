"""Login throttling (NIST SP 800-63B 5.2.2): limits on failed logins that nobody can
turn into a permanent lock of someone else's account.

Per login name: `limit` failed logins in a row make the name wait; the first wait
lasts `base`, each further one twice as long as the one before (at most a day); a
successful login forgets both the failures and the waits. The throttle is kept per
*name*, not per account, so an unknown name behaves exactly as a known one (the same
answers, the same counts, the same waits): a login never tells whether a name exists.

Per address: at most `limit` failed logins per window (`base`), whatever the names,
so one address cannot spray a guess at many names.

An attempt is reserved (counted as failed) *before* its password is checked and
given back if it succeeds: parallel or aliased attempts can never check more
passwords than the limits allow. These functions only decide; the rows are kept by
`persistence.queries.accounts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# The longest a name ever waits, however often it was locked.
MAX_LOCKOUT = timedelta(hours=24)
# Longer names exist nowhere (usernames have at most 50 characters); a longer key
# would only let one request make a big row.
NAME_KEY_LENGTH = 64


def name_key(username: str) -> str:
    """The key a login name is throttled and looked up by: `Demo-Admin `, `demo-admin`
    and `DEMO-ADMIN` are one name."""
    return username.strip().casefold()[:NAME_KEY_LENGTH]


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds to wait for `moment`, rounded up, at least 1."""
    return max(1, math.ceil((moment - now).total_seconds()))


def lockout_length(lockouts: int, base: timedelta) -> timedelta:
    """How long the `lockouts`-th lock in a row (1 = the first) lasts: `base`, doubled
    for each one before it, at most `MAX_LOCKOUT`."""
    if lockouts < 1:
        raise ValueError("lockouts counts from 1")
    # Past 2**20 the product would only overflow: the cap applies long before.
    length = base * (1 << min(lockouts - 1, 20))
    return min(length, MAX_LOCKOUT)


@dataclass(frozen=True, slots=True)
class NameThrottle:
    """What is kept of a login name: failures since its last lock (or success), how
    many locks in a row it had, and until when it waits (None: not locked yet)."""

    failures: int = 0
    lockouts: int = 0
    locked_until: datetime | None = None

    def waiting(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True, slots=True)
class NameReservation:
    """`allowed`: a password may be checked; `state`: what to keep now; `locked_until`:
    when the name may try again, set when it is locked (refused, or this attempt locks
    it should the password be wrong)."""

    allowed: bool
    state: NameThrottle
    locked_until: datetime | None


def reserve_name(
    state: NameThrottle, now: datetime, *, limit: int, base: timedelta
) -> NameReservation:
    """An attempt at a name, counted as failed before the password is checked.

    While the name waits, nothing is checked. The attempt that reaches the limit locks
    the name at once (parallel attempts wait from then on); its own password is still
    checked, and a success lifts the lock (`after_success`)."""
    if limit < 1:
        raise ValueError("the limit is at least 1")
    if state.waiting(now):
        return NameReservation(allowed=False, state=state, locked_until=state.locked_until)
    # A wait that is over starts a new count; the number of locks stays (it doubles).
    failures = (0 if state.locked_until is not None else state.failures) + 1
    if failures < limit:
        kept = NameThrottle(failures=failures, lockouts=state.lockouts)
        return NameReservation(allowed=True, state=kept, locked_until=None)
    lockouts = state.lockouts + 1
    until = now + lockout_length(lockouts, base)
    kept = NameThrottle(failures=failures, lockouts=lockouts, locked_until=until)
    return NameReservation(allowed=True, state=kept, locked_until=until)


def after_success(_state: NameThrottle) -> NameThrottle:
    """A successful login forgets the failures and the locks before it."""
    return NameThrottle()


@dataclass(frozen=True, slots=True)
class AddressWindow:
    """Failed logins from one address in the window that started at `started_at`."""

    failures: int = 0
    started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AddressReservation:
    """`allowed`: the attempt may go on; `state`: what to keep; `retry_after`: seconds
    until the address may try again, when refused."""

    allowed: bool
    state: AddressWindow
    retry_after: int | None


def reserve_address(
    state: AddressWindow, now: datetime, *, limit: int, window: timedelta
) -> AddressReservation:
    """An attempt from an address, counted as failed before anything is checked.

    The window starts at the first failure and lasts `window`; within it at most
    `limit` attempts are counted, the rest refused until it ends."""
    if limit < 1:
        raise ValueError("the limit is at least 1")
    if state.started_at is None or now >= state.started_at + window:
        state = AddressWindow(failures=0, started_at=now)
    assert state.started_at is not None
    if state.failures >= limit:
        wait = seconds_until(state.started_at + window, now)
        return AddressReservation(allowed=False, state=state, retry_after=wait)
    counted = replace(state, failures=state.failures + 1)
    return AddressReservation(allowed=True, state=counted, retry_after=None)


def give_back(state: AddressWindow) -> AddressWindow:
    """A reserved attempt that did not fail (the password was right, or no password
    was checked because the name waits) is not a failed login of the address."""
    return replace(state, failures=max(state.failures - 1, 0))
