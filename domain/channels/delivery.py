"""How a delivery goes: who gets which event by which channel, how long to wait before
trying again, when to give up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.channels.config import ChannelKind, DeliveryStatus

BACKOFF_BASE = timedelta(seconds=1)
# A receiver that comes back is caught up within this; with DEFAULT_MAX_ATTEMPTS a
# stream keeps trying for some 80 minutes (an endpoint down for an hour loses nothing).
BACKOFF_CAP = timedelta(minutes=5)
# Each wait is drawn within ±JITTER of its nominal value, so that receivers that were
# down together are not hammered together when they come back.
JITTER = 0.2


def backoff(
    attempts: int, rng: random.Random | None = None, base: timedelta = BACKOFF_BASE
) -> timedelta:
    """The wait after the `attempts`-th failed try: 1 s, 2 s, 4 s ... capped, jittered."""
    nominal = min(BACKOFF_CAP, base * (2 ** max(0, attempts - 1)))
    factor: float = 1 + (rng or random).uniform(-JITTER, JITTER)
    wait: timedelta = nominal * factor
    return wait


class Outcome(StrEnum):
    SENT = "SENT"
    RETRY = "RETRY"  # a passing failure: try again later
    GIVE_UP = "GIVE_UP"  # trying again cannot help (a wrong address, a refused IP)


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    detail: str = ""
    # The receiver asked for at least this long before the next try (rate limits).
    retry_after: timedelta | None = None


def status_after(result: Result, attempts: int, max_attempts: int) -> DeliveryStatus:
    """The delivery's status once its `attempts`-th try ended with `result`."""
    if result.outcome is Outcome.SENT:
        return DeliveryStatus.SENT
    if result.outcome is Outcome.GIVE_UP or attempts >= max_attempts:
        return DeliveryStatus.GAVE_UP
    return DeliveryStatus.FAILED


def wanted(channel_kinds: list[str], user_kinds: list[str] | None, notification_kind: str) -> bool:
    """A notification goes out by a channel when the channel carries its kind and its
    recipient wants it outside the app (empty lists: every kind)."""
    if channel_kinds and notification_kind not in channel_kinds:
        return False
    return not user_kinds or notification_kind in user_kinds


def address_of(kind: ChannelKind, wecom_user_id: str | None, email: str | None) -> str | None:
    """Where a user is reached by a channel of `kind` (None: not reachable by it)."""
    if kind is ChannelKind.WECOM:
        return wecom_user_id
    if kind is ChannelKind.EMAIL:
        return email
    return None
