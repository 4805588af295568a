"""The lockout rule (domain.lockout): five wrong passwords in a row lock the account."""

from __future__ import annotations

import pytest

from domain.accounts.lockout import AttemptOutcome, after_failure, is_locked


@pytest.mark.parametrize(
    ("failures", "remaining"),
    [(1, 4), (2, 3), (3, 2), (4, 1)],
)
def test_counts_down_before_the_limit(failures: int, remaining: int) -> None:
    assert after_failure(failures, 5) == AttemptOutcome(locked=False, remaining=remaining)


def test_locks_at_the_limit() -> None:
    assert after_failure(5, 5) == AttemptOutcome(locked=True, remaining=0)


def test_stays_locked_past_the_limit() -> None:
    assert after_failure(6, 5) == AttemptOutcome(locked=True, remaining=0)
    assert after_failure(50, 5).remaining == 0


def test_limit_of_one_locks_at_the_first_failure() -> None:
    assert after_failure(1, 1) == AttemptOutcome(locked=True, remaining=0)


def test_other_limits() -> None:
    assert after_failure(1, 3) == AttemptOutcome(locked=False, remaining=2)
    assert after_failure(3, 3) == AttemptOutcome(locked=True, remaining=0)


@pytest.mark.parametrize(("failures", "locked"), [(0, False), (4, False), (5, True), (9, True)])
def test_is_locked(failures: int, locked: bool) -> None:
    assert is_locked(failures, 5) is locked


@pytest.mark.parametrize("limit", [1, 3, 5, 10])
def test_after_failure_and_is_locked_agree(limit: int) -> None:
    for failures in range(1, limit + 3):
        outcome = after_failure(failures, limit)
        assert outcome.locked is is_locked(failures, limit)
        assert outcome.remaining == max(limit - failures, 0)
