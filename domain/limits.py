"""Rate limits as token buckets: a sustained rate and a burst.

Pure arithmetic on a clock the caller passes in (`time.monotonic()` in the server, plain
numbers in tests), so the rule is tested without sleeping and shared by every limiter:
websocket messages per connection, websocket connections per address, HTTP requests.
"""

from __future__ import annotations

from collections import OrderedDict


class TokenBucket:
    """`burst` tokens at most, refilled at `rate` per second; each allowed event takes one.

    A new bucket is full: a client may send `burst` events at once, then `rate` a second.
    """

    __slots__ = ("_stamp", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp: float | None = None

    def take(self, now: float, cost: float = 1.0) -> float:
        """0.0 if the event is allowed (and counted), else the seconds until it would be.

        A refused event takes nothing: a client that keeps sending while refused is
        refused until it slows down, not forever."""
        self._refill(now)
        if self._tokens >= cost:
            self._tokens -= cost
            return 0.0
        return (cost - self._tokens) / self.rate

    def is_full(self, now: float) -> bool:
        """True when the bucket is as a new one would be (it can be forgotten)."""
        self._refill(now)
        return self._tokens >= self.burst

    def _refill(self, now: float) -> None:
        if self._stamp is not None and now > self._stamp:
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        # A clock that went backwards (or the first call) refills nothing.
        if self._stamp is None or now > self._stamp:
            self._stamp = now


class KeyedBuckets:
    """One `TokenBucket` per key (an address, a user), in bounded memory.

    Past `max_keys` keys, buckets that have refilled (a new one would be the same) are
    forgotten first, then the least recently used: memory stays bounded whatever the
    number of addresses an attacker uses."""

    def __init__(self, rate: float, burst: int, max_keys: int = 10_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        TokenBucket(rate, burst)  # the same checks on rate and burst
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str, now: float, cost: float = 1.0) -> float:
        """As `TokenBucket.take`, on the bucket of `key`."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._shrink(now)
            bucket = TokenBucket(self.rate, self.burst)
            self._buckets[key] = bucket
        else:
            self._buckets.move_to_end(key)
        return bucket.take(now, cost)

    def __len__(self) -> int:
        return len(self._buckets)

    def _shrink(self, now: float) -> None:
        # Down to 90% so that the O(n) sweep runs once per max_keys/10 new keys at most.
        target = self.max_keys * 9 // 10
        for key in [k for k, b in self._buckets.items() if b.is_full(now)]:
            del self._buckets[key]
        while len(self._buckets) > target:
            self._buckets.popitem(last=False)
