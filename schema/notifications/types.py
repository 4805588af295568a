"""Notifications: one per recipient, the same on every open session of theirs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import ID

from domain.access import ANYONE
from resolvers import visibility
from resolvers.context import Info
from resolvers.ids import encode_id
from resolvers.tickets.snapshots import ticket_as_of
from schema.parts.types import Part
from schema.relations import relation
from schema.rules import ReadRule
from schema.tickets.types import Ticket

if TYPE_CHECKING:
    from schema.outings.types import OutingRequest

LazyOutingRequest = Annotated["OutingRequest", strawberry.lazy("schema.outings.types")]


@strawberry.type(
    description="A notification to this user; the same on every open session. `ticket` "
    "is null when the user may no longer see the ticket; `ticketId` still names it."
)
class Notification:
    __read__ = ReadRule(
        rows=visibility.NOTIFICATIONS,
        fields={
            ANYONE: (
                "sequence",
                "id",
                "kind",
                "handled",
                "message",
                "at",
                "ticket_id",
                "ticket",
                "part",
                "outing_request",
            )
        },
    )

    sequence: int | None = strawberry.field(description="The event that delivered it (live).")
    notification_id: strawberry.Private[int]
    recipient_id: strawberry.Private[int]
    kind: str
    handled: bool
    message: str
    at: datetime
    ticket_pk: strawberry.Private[int | None]
    part_id: strawberry.Private[int | None]
    outing_request_id: strawberry.Private[int | None]
    snapshot: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def id(self) -> ID:
        return ID(encode_id("Notification", self.notification_id))

    @strawberry.field(description="The ticket it is about, if any.")
    def ticket_id(self) -> ID | None:
        return None if self.ticket_pk is None else ID(encode_id("Ticket", self.ticket_pk))

    @classmethod
    def from_event(cls, event: Any) -> Notification:
        payload = event.payload
        return cls(
            sequence=event.sequence,
            notification_id=payload["notificationId"],
            recipient_id=event.facts.recipient_id,
            kind=payload["kind"],
            handled=payload["handled"],
            message=payload.get("message", ""),
            at=event.at,
            ticket_pk=event.facts.ticket_id,
            part_id=payload.get("partId"),
            outing_request_id=payload.get("outingRequestId"),
            snapshot=payload,
        )

    @classmethod
    def from_row(cls, row: Any) -> Notification:
        return cls(
            sequence=None,
            notification_id=row.id,
            recipient_id=row.user_id,
            kind=row.kind,
            handled=row.handled,
            message=row.message,
            at=row.created_at,
            ticket_pk=row.ticket_id,
            part_id=row.part_id,
            outing_request_id=row.outing_request_id,
            snapshot={},
        )

    @strawberry.field
    async def ticket(self, info: Info) -> Ticket | None:
        if self.ticket_pk is None:
            return None
        row = await info.context.loaders.ticket.load(self.ticket_pk)
        if row is None:
            return None
        return ticket_as_of(row, self.snapshot) if self.snapshot else row  # type: ignore[return-value]

    @strawberry.field(description="The part a STOCK_ALARM is about.")
    async def part(self, info: Info) -> Part | None:
        return None if self.part_id is None else await info.context.loaders.part.load(self.part_id)

    outing_request: LazyOutingRequest | None = relation(
        "outing_request",
        key="outing_request_id",
        description="The outing request an OUTING_* notification is about.",
    )
