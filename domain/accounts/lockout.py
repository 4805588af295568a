"""The login lockout rule: N wrong passwords in a row lock the account.

The counter lives on the account row and an attempt is counted *before* the
password is checked (see `persistence.users.reserve_login_attempt`), so aliased
or parallel login attempts cannot test more passwords than the limit allows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    locked: bool
    remaining: int


def after_failure(failures_so_far: int, limit: int) -> AttemptOutcome:
    """State after a wrong password, given the failures counted including this one."""
    remaining = max(limit - failures_so_far, 0)
    return AttemptOutcome(locked=remaining == 0, remaining=remaining)


def is_locked(failures: int, limit: int) -> bool:
    return failures >= limit
