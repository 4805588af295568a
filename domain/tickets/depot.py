"""Depot repair (返厂维修): the unit leaves the customer and comes back, each hand-over
recorded in order: RECEIVED_FROM_CUSTOMER, SENT_TO_VENDOR, BACK_FROM_VENDOR,
RETURNED_TO_CUSTOMER. Once returned, a new trip may start. The back office (and the
admin) records every step; the ticket's engineer only the hand-overs with the customer.
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import Conflict, Forbidden
from domain.roles import Role


class DepotStep(StrEnum):
    RECEIVED_FROM_CUSTOMER = "RECEIVED_FROM_CUSTOMER"
    SENT_TO_VENDOR = "SENT_TO_VENDOR"
    BACK_FROM_VENDOR = "BACK_FROM_VENDOR"
    RETURNED_TO_CUSTOMER = "RETURNED_TO_CUSTOMER"


ORDER: tuple[DepotStep, ...] = tuple(DepotStep)
# What the engineer at the customer's site hands over or takes back.
ENGINEER_STEPS = frozenset({DepotStep.RECEIVED_FROM_CUSTOMER, DepotStep.RETURNED_TO_CUSTOMER})


def next_step(current: DepotStep | None) -> DepotStep:
    """The only step that may follow `current` (None: no trip yet)."""
    if current is None or current is DepotStep.RETURNED_TO_CUSTOMER:
        return DepotStep.RECEIVED_FROM_CUSTOMER
    return ORDER[ORDER.index(current) + 1]


def check_step(current: DepotStep | None, step: DepotStep, role: Role) -> None:
    """FORBIDDEN for an engineer recording the vendor's steps; CONFLICT out of order."""
    if role is Role.ENGINEER and step not in ENGINEER_STEPS:
        raise Forbidden("the back office records the vendor's steps")
    expected = next_step(current)
    if step is not expected:
        now = current.value if current else "no depot step yet"
        raise Conflict(f"the next depot step is {expected.value} (now: {now})")
