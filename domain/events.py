"""Events: every type, the shape of its payload, and the facts that decide who gets it.

One `EventType` per kind of change. Each has one payload shape (a TypedDict below,
checked when the event is emitted, see `check_payload`), and each event carries the
same `EventFacts` (what decides who may receive it: the ticket's kind, customer, the
customer's agent, the assignee, the engineer who just lost it, or the one recipient),
declared once here and stored as columns of the event table, so replays filter in SQL.

`tests/integration/test_event_shapes.py` makes every type happen and checks every stored
payload against its shape, as Zulip checks every event it sends.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired from real annotations.
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, get_type_hints


class EventType(StrEnum):
    # Changes of a ticket: on its history and live on `ticketEvents`.
    TICKET_CREATED = "TICKET_CREATED"
    TICKET_DISPATCHED = "TICKET_DISPATCHED"
    TICKET_REASSIGNED = "TICKET_REASSIGNED"
    TICKET_ACKNOWLEDGED = "TICKET_ACKNOWLEDGED"
    TICKET_DECLINED = "TICKET_DECLINED"
    TICKET_CHECKED_IN = "TICKET_CHECKED_IN"
    TICKET_WORK_RECORDED = "TICKET_WORK_RECORDED"
    TICKET_DIAGNOSED = "TICKET_DIAGNOSED"
    TICKET_CLOSE_REQUESTED = "TICKET_CLOSE_REQUESTED"
    TICKET_CLOSE_CONFIRMED = "TICKET_CLOSE_CONFIRMED"
    TICKET_CLOSE_REJECTED = "TICKET_CLOSE_REJECTED"
    TICKET_CLOSED = "TICKET_CLOSED"
    TICKET_CANCELLED = "TICKET_CANCELLED"
    PARTS_USED = "PARTS_USED"
    PARTS_RETURNED = "PARTS_RETURNED"
    # The company's own logistics on a ticket: staff see them, its customer and agent not.
    OUTING_REQUESTED = "OUTING_REQUESTED"
    OUTING_APPROVED = "OUTING_APPROVED"
    OUTING_REJECTED = "OUTING_REJECTED"
    OUTING_CANCELLED = "OUTING_CANCELLED"
    # The time engine: holds pause the SLA clock; warnings and breaches are raised by the
    # job runner (staff only); an unanswered close request is confirmed by rule.
    TICKET_UPDATED = "TICKET_UPDATED"
    TICKET_DEPOT_STEP = "TICKET_DEPOT_STEP"
    TICKET_HELD = "TICKET_HELD"
    TICKET_RESUMED = "TICKET_RESUMED"
    SLA_WARNING = "SLA_WARNING"
    SLA_BREACHED = "SLA_BREACHED"
    TICKET_AUTO_CLOSED = "TICKET_AUTO_CLOSED"
    # Field evidence and money: files, the customer's signature, the office's charge
    # lines, the estimate sent and answered, a device due for replacement.
    TICKET_ATTACHMENT_ADDED = "TICKET_ATTACHMENT_ADDED"
    TICKET_ATTACHMENT_REMOVED = "TICKET_ATTACHMENT_REMOVED"
    TICKET_SIGNED = "TICKET_SIGNED"
    TICKET_CHARGE_ADDED = "TICKET_CHARGE_ADDED"
    TICKET_CHARGE_REMOVED = "TICKET_CHARGE_REMOVED"
    ESTIMATE_SENT = "ESTIMATE_SENT"
    ESTIMATE_ANSWERED = "ESTIMATE_ANSWERED"
    # To one user: a notification (new or handled), or news about their account.
    NOTIFICATION = "NOTIFICATION"
    ACCOUNT_REVOKED = "ACCOUNT_REVOKED"
    # To one user, or to every user of a role: their ticket-kind limits changed.
    KIND_LIMITS_CHANGED = "KIND_LIMITS_CHANGED"


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What decides who may receive an event (the columns of the event table)."""

    ticket_id: int | None = None
    kind: str | None = None
    customer_id: int | None = None
    customer_agent_id: int | None = None
    assignee_id: int | None = None
    # Set on the event that takes a ticket away: its former engineer still receives it.
    previous_assignee_id: int | None = None
    # An event for one user only (a notification, an account's news).
    recipient_id: int | None = None


# -- payloads ----------------------------------------------------------------------


class TicketState(TypedDict):
    """The ticket right after the change (every ticket event starts with it)."""

    status: str
    version: int
    assigneeId: int | None


class TicketCreated(TicketState):
    number: str


class TicketDispatched(TicketState):
    note: NotRequired[str]


class TicketReassigned(TicketState):
    previousAssignee: str
    note: NotRequired[str]


class TicketDeclined(TicketState):
    previousAssignee: str
    reason: str


class TicketCheckedIn(TicketState):
    latitude: float
    longitude: float
    note: NotRequired[str]
    # Set when the phone says it happened earlier (made offline, sent later).
    occurredAt: NotRequired[str]


class TicketCloseRequested(TicketState):
    summary: str


class TicketCloseConfirmed(TicketState):
    onBehalfOfCustomer: NotRequired[bool]


class TicketCloseRejected(TicketState):
    reason: str
    onBehalfOfCustomer: NotRequired[bool]


class TicketCancelled(TicketState):
    reason: str


class PartsMoved(TicketState):
    """Parts used on a ticket, or returned from it: one entry per part."""

    parts: list[dict[str, Any]]


class TicketUpdated(TicketState):
    """Staff corrected the ticket: the names of the fields that changed."""

    fields: list[str]


class TicketDepotStep(TicketState):
    step: str
    trackingNumber: NotRequired[str]
    note: NotRequired[str]


class TicketHeld(TicketState):
    reason: str
    note: NotRequired[str]


class TicketResumed(TicketState):
    reason: str
    # Minutes the hold lasted (wall clock).
    heldMinutes: int


class SlaAlert(TicketState):
    """A target about to be missed (warning) or missed (breach)."""

    target: str
    dueAt: str


class AttachmentEvent(TicketState):
    attachmentId: str
    kind: str
    fileName: str


class TicketSigned(TicketState):
    signerName: str
    signedAt: str


class ChargeEvent(TicketState):
    chargeId: str
    kind: str
    description: str
    amount: str


class EstimateSent(TicketState):
    amount: str
    note: NotRequired[str]


class EstimateAnswered(TicketState):
    accepted: bool
    onBehalfOfCustomer: NotRequired[bool]


class OutingEvent(TicketState):
    outingRequestId: str


class NotificationPayload(TypedDict):
    notificationId: int
    kind: str
    handled: bool
    message: str
    # The ticket's state as of the notification, when it is about a ticket.
    status: NotRequired[str]
    version: NotRequired[int]
    assigneeId: NotRequired[int | None]
    partId: NotRequired[int]
    outingRequestId: NotRequired[int]
    reminderId: NotRequired[int]


class AccountRevoked(TypedDict):
    pass


class KindLimitsChanged(TypedDict):
    role: NotRequired[str]


SHAPES: dict[EventType, type[Any]] = {
    EventType.TICKET_CREATED: TicketCreated,
    EventType.TICKET_DISPATCHED: TicketDispatched,
    EventType.TICKET_REASSIGNED: TicketReassigned,
    EventType.TICKET_ACKNOWLEDGED: TicketState,
    EventType.TICKET_DECLINED: TicketDeclined,
    EventType.TICKET_CHECKED_IN: TicketCheckedIn,
    EventType.TICKET_WORK_RECORDED: TicketState,
    EventType.TICKET_DIAGNOSED: TicketState,
    EventType.TICKET_CLOSE_REQUESTED: TicketCloseRequested,
    EventType.TICKET_CLOSE_CONFIRMED: TicketCloseConfirmed,
    EventType.TICKET_CLOSE_REJECTED: TicketCloseRejected,
    EventType.TICKET_CLOSED: TicketState,
    EventType.TICKET_CANCELLED: TicketCancelled,
    EventType.PARTS_USED: PartsMoved,
    EventType.PARTS_RETURNED: PartsMoved,
    EventType.OUTING_REQUESTED: OutingEvent,
    EventType.OUTING_APPROVED: OutingEvent,
    EventType.OUTING_REJECTED: OutingEvent,
    EventType.OUTING_CANCELLED: OutingEvent,
    EventType.TICKET_UPDATED: TicketUpdated,
    EventType.TICKET_DEPOT_STEP: TicketDepotStep,
    EventType.TICKET_HELD: TicketHeld,
    EventType.TICKET_RESUMED: TicketResumed,
    EventType.SLA_WARNING: SlaAlert,
    EventType.SLA_BREACHED: SlaAlert,
    EventType.TICKET_AUTO_CLOSED: TicketState,
    EventType.TICKET_ATTACHMENT_ADDED: AttachmentEvent,
    EventType.TICKET_ATTACHMENT_REMOVED: AttachmentEvent,
    EventType.TICKET_SIGNED: TicketSigned,
    EventType.TICKET_CHARGE_ADDED: ChargeEvent,
    EventType.TICKET_CHARGE_REMOVED: ChargeEvent,
    EventType.ESTIMATE_SENT: EstimateSent,
    EventType.ESTIMATE_ANSWERED: EstimateAnswered,
    EventType.NOTIFICATION: NotificationPayload,
    EventType.ACCOUNT_REVOKED: AccountRevoked,
    EventType.KIND_LIMITS_CHANGED: KindLimitsChanged,
}


def _keys(shape: type[Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(required keys, all keys) of a TypedDict."""
    required: frozenset[str] = shape.__required_keys__
    every = frozenset(get_type_hints(shape))
    return required, every


# Changes of a ticket (their payload starts with the ticket's state).
TICKET_EVENTS: frozenset[EventType] = frozenset(
    t for t in EventType if "status" in _keys(SHAPES[t])[0]
)
# The types of `TicketEvent` in the schema (the same strings).
TicketEventType = StrEnum(  # type: ignore[misc]
    "TicketEventType", {t.name: t.value for t in EventType if t in TICKET_EVENTS}
)
# Ticket events about the company's own logistics (an engineer's outing request and its
# decision): staff see them on the ticket, its customer and agent do not.
STAFF_ONLY_EVENTS: frozenset[EventType] = frozenset(
    {
        EventType.OUTING_REQUESTED,
        EventType.OUTING_APPROVED,
        EventType.OUTING_REJECTED,
        EventType.OUTING_CANCELLED,
        EventType.SLA_WARNING,
        EventType.SLA_BREACHED,
    }
)


def check_payload(event_type: EventType, payload: dict[str, Any]) -> None:
    """The payload has exactly its shape's keys (the required ones, and no stranger)."""
    required, every = _keys(SHAPES[event_type])
    missing, unknown = required - payload.keys(), payload.keys() - every
    if missing or unknown:
        raise TypeError(
            f"{event_type} payload: missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
