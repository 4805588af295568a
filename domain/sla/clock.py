"""A ticket's SLA clock: its targets, when each is due and warns, what a move meets,
and the state the board shows.

Deadlines count business time of the ticket's calendar from its creation; time on hold
does not count, so each deadline is "creation + target + the business time spent on
hold", recomputed when a hold ends. A target warns `warn_before` business minutes
before it is due. Warnings and breaches are raised once each, by the job runner; the
state summarises what was raised and met, so it changes with the events announcing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import BadUserInput
from domain.sla.calendar import BusinessCalendar
from domain.tickets.lifecycle import Move


class SlaTarget(StrEnum):
    RESPONSE = "RESPONSE"  # the engineer acknowledged
    ON_SITE = "ON_SITE"  # the first check-in
    RESOLUTION = "RESOLUTION"  # the close was requested


class SlaState(StrEnum):
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    BREACHED = "BREACHED"
    MET = "MET"


class HoldReason(StrEnum):
    WAITING_PARTS = "WAITING_PARTS"
    WAITING_CUSTOMER = "WAITING_CUSTOMER"
    WAITING_THIRD_PARTY = "WAITING_THIRD_PARTY"


# The move that meets each target; a rejected close makes the resolution unmet again.
MET_BY: dict[Move, SlaTarget] = {
    Move.ACKNOWLEDGE: SlaTarget.RESPONSE,
    Move.CHECK_IN: SlaTarget.ON_SITE,
    Move.REQUEST_CLOSE: SlaTarget.RESOLUTION,
}
UNMET_BY: dict[Move, SlaTarget] = {Move.REJECT_CLOSE: SlaTarget.RESOLUTION}
# Moves that stop the clock for good.
STOPPED_BY: frozenset[Move] = frozenset({Move.FINALIZE_CLOSE, Move.CANCEL})


@dataclass(frozen=True, slots=True)
class Deadline:
    due_at: datetime
    warn_at: datetime


def deadline(
    calendar: BusinessCalendar,
    started_at: datetime,
    minutes: int,
    warn_before_minutes: int,
    paused_business_seconds: int = 0,
) -> Deadline:
    """When a target of `minutes` business minutes is due, and when it warns."""
    due = calendar.add(started_at, minutes * 60 + paused_business_seconds)
    warn_seconds = max(0, minutes - warn_before_minutes) * 60 + paused_business_seconds
    return Deadline(due_at=due, warn_at=calendar.add(started_at, warn_seconds))


@dataclass(frozen=True, slots=True)
class TargetClock:
    """One target of one ticket as stored: what the state is made of."""

    target: SlaTarget
    due_at: datetime
    met_at: datetime | None
    warned: bool
    breached: bool

    @property
    def met_late(self) -> bool:
        return self.met_at is not None and self.met_at > self.due_at


def state_of(targets: list[TargetClock], *, stopped: bool) -> SlaState:
    """BREACHED once any target was missed (raised, or met after its due time); MET when
    every target is met or the ticket is finished; AT_RISK while a warned target is
    unmet; ON_TRACK otherwise."""
    if any(t.breached or t.met_late for t in targets):
        return SlaState.BREACHED
    if stopped or all(t.met_at is not None for t in targets):
        return SlaState.MET
    if any(t.warned and t.met_at is None for t in targets):
        return SlaState.AT_RISK
    return SlaState.ON_TRACK


def check_minutes(value: int | None, field: str) -> int | None:
    """A target of at least one minute and at most a year of business time."""
    if value is None:
        return None
    if not 1 <= value <= 525_600:
        raise BadUserInput("must be between 1 and 525600 minutes", field=field)
    return value
