"""Token buckets (domain.limits): burst, sustained rate, waits, bounded memory."""

from __future__ import annotations

import pytest

from domain.limits import KeyedBuckets, TokenBucket


def test_a_new_bucket_allows_its_burst_at_once_then_refuses() -> None:
    bucket = TokenBucket(rate=2.0, burst=5)
    assert [bucket.take(100.0) for _ in range(5)] == [0.0] * 5
    assert bucket.take(100.0) == pytest.approx(0.5)


def test_the_wait_is_the_time_until_one_token_is_back() -> None:
    bucket = TokenBucket(rate=4.0, burst=1)
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == pytest.approx(0.25)
    assert bucket.take(0.1) == pytest.approx(0.15)
    assert bucket.take(0.25) == 0.0


def test_refills_at_the_rate_up_to_the_burst() -> None:
    bucket = TokenBucket(rate=10.0, burst=3)
    for _ in range(3):
        bucket.take(0.0)
    assert bucket.take(0.0) > 0
    # 0.2 s at 10/s is two tokens.
    assert bucket.take(0.2) == 0.0
    assert bucket.take(0.2) == 0.0
    assert bucket.take(0.2) > 0
    # A long pause refills to the burst, never beyond it.
    allowed = sum(bucket.take(1000.0) == 0.0 for _ in range(10))
    assert allowed == 3


def test_sustained_rate_is_the_rate() -> None:
    bucket = TokenBucket(rate=10.0, burst=5)
    # A client sending 100 a second for 10 seconds gets the burst plus 10 a second.
    allowed = sum(bucket.take(i / 100) == 0.0 for i in range(1000))
    assert 5 + 99 <= allowed <= 5 + 100


def test_a_refused_event_takes_nothing() -> None:
    bucket = TokenBucket(rate=1.0, burst=1)
    bucket.take(0.0)
    for _ in range(50):
        assert bucket.take(0.5) > 0
    assert bucket.take(1.0) == 0.0


def test_a_clock_going_backwards_refills_nothing() -> None:
    bucket = TokenBucket(rate=1.0, burst=2)
    bucket.take(10.0)
    bucket.take(10.0)
    assert bucket.take(5.0) > 0
    assert bucket.take(10.5) > 0
    assert bucket.take(11.0) == 0.0


def test_cost_above_one() -> None:
    bucket = TokenBucket(rate=1.0, burst=10)
    assert bucket.take(0.0, cost=8) == 0.0
    assert bucket.take(0.0, cost=8) == pytest.approx(6.0)


def test_is_full() -> None:
    bucket = TokenBucket(rate=1.0, burst=2)
    assert bucket.is_full(0.0)
    bucket.take(0.0)
    assert not bucket.is_full(0.5)
    assert bucket.is_full(1.0)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_refuses_a_bucket_that_allows_nothing(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate, burst)
    with pytest.raises(ValueError):
        KeyedBuckets(rate, burst)


def test_keys_have_buckets_of_their_own() -> None:
    buckets = KeyedBuckets(rate=1.0, burst=2)
    assert buckets.take("a", 0.0) == 0.0
    assert buckets.take("a", 0.0) == 0.0
    assert buckets.take("a", 0.0) > 0
    assert buckets.take("b", 0.0) == 0.0


def test_memory_stays_bounded() -> None:
    buckets = KeyedBuckets(rate=1.0, burst=2, max_keys=100)
    for i in range(1000):
        buckets.take(f"k{i}", 0.0)
        assert len(buckets) <= 100


def test_refilled_buckets_are_forgotten_before_throttled_ones() -> None:
    buckets = KeyedBuckets(rate=1.0, burst=2, max_keys=10)
    for i in range(9):
        buckets.take(f"idle{i}", 0.0)
    # Oldest but one: a key still throttled at t=50.
    buckets.take("busy", 50.0)
    buckets.take("busy", 50.0)
    # The tenth key finds the table full: the nine refilled ones go, not "busy".
    for i in range(8):
        buckets.take(f"new{i}", 50.0)
    assert len(buckets) == 9
    assert buckets.take("busy", 50.0) > 0


def test_under_pressure_the_least_recently_used_goes() -> None:
    buckets = KeyedBuckets(rate=1.0, burst=1, max_keys=10)
    for i in range(10):
        buckets.take(f"k{i}", 0.0)
    buckets.take("k0", 0.0)  # used again: now the most recent
    buckets.take("new", 0.0)
    assert buckets.take("k0", 0.0) > 0  # kept, still throttled
    assert buckets.take("k1", 0.0) == 0.0  # forgotten: a new bucket


def test_a_single_key_limit() -> None:
    buckets = KeyedBuckets(rate=1.0, burst=1, max_keys=1)
    assert buckets.take("a", 0.0) == 0.0
    assert buckets.take("a", 0.0) > 0
    assert buckets.take("b", 0.0) == 0.0
    assert len(buckets) == 1
