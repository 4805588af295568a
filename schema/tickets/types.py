"""Output types of tickets, their events and notifications."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import ID
from strawberry.scalars import JSON

from domain.access import ANYONE, STAFF_ONLY, TRACKING
from domain.events import TicketEventType as DomainTicketEventType
from domain.tickets.depot import DepotStep as DomainDepotStep
from resolvers import visibility
from resolvers.attachments.serving import signature_of
from resolvers.charges.statement import is_free, statement_for
from resolvers.context import Info
from resolvers.ids import encode_id
from resolvers.tickets.snapshots import ticket_as_of
from schema.accounts.types import Role, User
from schema.assets.types import Device
from schema.attachments.types import Attachment, file_url
from schema.charges.types import ChargeKind, ChargeLine, Estimate, EstimateStatus, TicketCharges
from schema.directory.types import Customer
from schema.parts.types import PartUsage
from schema.relations import relation
from schema.rules import ReadRule
from schema.tickets.inputs import TicketKind, TicketSource, TicketStatus
from schema.tracking import Tracked

if TYPE_CHECKING:
    from schema.dispatch_rules.types import DispatchRule
    from schema.sla.types import TicketHold, TicketSla


TicketEventType = strawberry.enum(DomainTicketEventType, name="TicketEventType")

SNAPSHOT_KEYS = {"status", "version", "assigneeId", "notificationId", "kind", "handled", "message"}


async def _user(info: Info, pk: int | None) -> User | None:
    return None if pk is None else await info.context.loaders.user.load(pk)


@strawberry.type
class CheckIn(Tracked):
    __read__ = ReadRule(
        part_of=("Ticket",),
        fields={ANYONE: ("id", "at", "latitude", "longitude", "note", "engineer", *TRACKING)},
    )

    at: datetime
    latitude: float
    longitude: float
    note: str | None

    engineer: User | None = relation("user", key="engineer_id")


@strawberry.type
class WorkRecord(Tracked):
    __read__ = ReadRule(
        part_of=("Ticket",),
        fields={
            ANYONE: (
                "id",
                "started_at",
                "ended_at",
                "method",
                "place",
                "details",
                "issues_left",
                "engineer",
                *TRACKING,
            )
        },
    )

    started_at: datetime
    ended_at: datetime
    method: str | None
    place: str | None
    details: str
    issues_left: str | None

    engineer: User | None = relation("user", key="engineer_id")


DepotStep = strawberry.enum(DomainDepotStep, name="DepotStep")


@strawberry.type(description="One hand-over of a depot repair.")
class DepotStepEntry:
    __read__ = ReadRule(
        part_of=("TicketDepot",),
        fields={ANYONE: ("step", "at", "actor", "note", "tracking_number")},
    )

    step: DepotStep
    at: datetime
    note: str | None
    tracking_number: str | None
    actor_id: strawberry.Private[int]

    actor: User | None = relation("user", key="actor_id")


@strawberry.type(description="A depot repair: where the unit is, and how it got there.")
class TicketDepot:
    __read__ = ReadRule(part_of=("Ticket",), fields={ANYONE: ("step", "history")})

    step: DepotStep
    history: list[DepotStepEntry]


@strawberry.type(description="The customer's signature, given when the close was asked.")
class TicketSignature:
    __read__ = ReadRule(part_of=("Ticket",), fields={ANYONE: ("signer_name", "signed_at", "url")})

    signer_name: str
    signed_at: datetime = strawberry.field(description="As the phone said (bounded).")
    url: str


@strawberry.type
class Rating:
    __read__ = ReadRule(
        part_of=("Ticket",),
        fields={
            ANYONE: (
                "communication",
                "quality",
                "solved",
                "comment",
                "at",
                "on_behalf_of_customer",
                "rated_by",
            )
        },
    )

    communication: int
    quality: int
    solved: bool | None
    comment: str | None
    at: datetime | None
    on_behalf_of_customer: bool = strawberry.field(
        description="Given by staff for a customer without an account."
    )
    rated_by_id: strawberry.Private[int | None]

    rated_by: User | None = relation("user", key="rated_by_id")


TICKET_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "severity",
    "source",
    "version",
    "description",
    "contact_name",
    "contact_phone",
    "remote_diagnosis",
    "under_warranty",
    "dispatched_at",
    "dispatch_note",
    "accepted_at",
    "started_at",
    "close_summary",
    "close_requested_at",
    "confirmed_at",
    "confirmed_by_rule",
    "closed_at",
    "cancelled_at",
    "cancel_reason",
    "customer",
    "device",
    "assignee",
    "dispatched_by",
    "rating",
    "check_ins",
    "work_records",
    "parts_used",
    "parts_charge",
    "history",
    "on_hold",
    "dispatch_rule",
    "depot",
    "attachments",
    "signature",
    "report_url",
    "charges",
    "defect_code",
    "warranty_extended_days",
    *TRACKING,
)


@strawberry.type
class Ticket(Tracked):
    __read__ = ReadRule(
        rows=visibility.TICKETS, fields={ANYONE: TICKET_FIELDS, STAFF_ONLY: ("sla",)}
    )

    number: str | None
    kind: TicketKind
    status: TicketStatus
    severity: int
    source: TicketSource
    version: int
    description: str
    contact_name: str | None
    contact_phone: str | None
    remote_diagnosis: str | None
    under_warranty: bool
    dispatched_at: datetime | None
    dispatch_note: str | None
    accepted_at: datetime | None
    started_at: datetime | None
    close_summary: str | None
    close_requested_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by_rule: bool = strawberry.field(
        description="The customer left the close request unanswered: confirmed by rule "
        "(autoCloseAfterMinutes), without a rating."
    )
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    defect_code: str | None = strawberry.field(
        description="The defect repaired, as the office codes it (三包 repeat failures)."
    )
    warranty_extended_days: int | None = strawberry.field(
        description="Days this repair under warranty added to the device's warranty."
    )

    attachments: list[Attachment] = relation(
        "ticket_attachments",
        key="id",
        description="Its files (photos, documents, signatures), oldest first.",
    )

    @strawberry.field(description="The customer's signature; null until signed.")
    async def signature(self, info: Info) -> TicketSignature | None:
        row: Any = self
        image = await signature_of(info.context, row)
        if image is None:
            return None
        return TicketSignature(
            signer_name=row.signer_name, signed_at=row.signed_at, url=file_url(image.id)
        )

    @strawberry.field(
        description="The service report (服务单) as PDF, served to whoever may see the "
        "ticket, with a bearer token."
    )
    def report_url(self) -> str:
        return f"/tickets/{encode_id('Ticket', self.id)}/report.pdf"  # type: ignore[attr-defined]

    @strawberry.field(
        description="Its statement: labour, travel, parts and the office's lines, waived "
        "under warranty; the estimate; the total the customer confirmed."
    )
    async def charges(self, info: Info) -> TicketCharges:
        row: Any = self
        statement = await statement_for(info.context, row)
        estimate = None
        if row.estimate_status is not None:
            estimate = Estimate(
                amount=row.estimate_amount,
                note=row.estimate_note,
                status=EstimateStatus(row.estimate_status),
                sent_at=row.estimate_sent_at,
                answered_at=row.estimate_answered_at,
                on_behalf_of_customer=row.estimate_on_behalf,
            )
        return TicketCharges(
            lines=[
                ChargeLine(
                    id=None
                    if line.ref is None
                    else strawberry.ID(encode_id("ChargeLine", line.ref)),
                    kind=ChargeKind(line.kind.value),
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=line.amount,
                    waived=line.waived,
                )
                for line in statement.lines
            ],
            total=statement.total,
            estimate=estimate,
            confirmed_total=row.charges_confirmed_total,
            free_of_charge=is_free(row),
        )

    customer: Customer | None = relation(
        "customer",
        key="customer_id",
        description="Null only where the reader may not see it: in the answer to the "
        "reader's own change that took the ticket from them (declining it).",
    )
    device: Device | None = relation("device", key="device_id")
    sla: Annotated[TicketSla, strawberry.lazy("schema.sla.types")] | None = relation(
        "ticket_sla",
        key="id",
        description="Its SLA clock (staff): null when no policy applied at its creation.",
    )
    dispatch_rule: (
        Annotated[DispatchRule, strawberry.lazy("schema.dispatch_rules.types")] | None
    ) = relation(
        "dispatch_rule",
        key="dispatch_rule_id",
        description="The rule that dispatched it automatically; null when a person did.",
    )

    @strawberry.field(
        description="Its depot repair (返厂维修): the last step and every hand-over; "
        "null when the unit never left the customer."
    )
    async def depot(self, info: Info) -> TicketDepot | None:
        steps = await info.context.loaders.ticket_depot_steps.load(self.id)  # type: ignore[attr-defined]
        if not steps:
            return None
        return TicketDepot(
            step=DepotStep(steps[-1].step),
            history=[
                DepotStepEntry(
                    step=DepotStep(s.step),
                    at=s.at,
                    note=s.note,
                    tracking_number=s.tracking_number,
                    actor_id=s.actor_id,
                )
                for s in steps
            ],
        )

    @strawberry.field(description="Set while the ticket waits (its SLA clock paused).")
    def on_hold(self) -> Annotated[TicketHold, strawberry.lazy("schema.sla.types")] | None:
        since = self.hold_since  # type: ignore[attr-defined]
        if since is None:
            return None
        from schema.sla.types import TicketHold

        return TicketHold(reason=self.hold_reason, since=since, note=self.hold_note)  # type: ignore[attr-defined]

    assignee: User | None = relation(
        "user", key="assignee_id", description="The engineer the ticket is assigned to."
    )
    dispatched_by: User | None = relation("user", key="dispatched_by_id")

    @strawberry.field
    def rating(self) -> Rating | None:
        row: Any = self
        if row.rating_communication is None:
            return None
        return Rating(
            communication=row.rating_communication,
            quality=row.rating_quality,
            solved=row.rating_solved,
            comment=row.rating_comment,
            at=row.confirmed_at,
            on_behalf_of_customer=row.rated_on_behalf,
            rated_by_id=row.rated_by_id,
        )

    check_ins: list[CheckIn] = relation("ticket_check_ins", key="id")
    work_records: list[WorkRecord] = relation("ticket_work_records", key="id")
    parts_used: list[PartUsage] = relation(
        "ticket_parts", key="id", description="Spare parts used on the ticket, one line per part."
    )

    @strawberry.field(description="What the parts used cost the customer (0 under warranty).")
    async def parts_charge(self, info: Info) -> Decimal:
        lines = await info.context.loaders.ticket_parts.load(self.id)  # type: ignore[arg-type]
        return sum((line.charge for line in lines), Decimal("0.00"))

    history: list[TicketEvent] = relation(
        "ticket_history",
        key="id",
        description="Every event of the ticket, in order, with actor and time.",
    )


@strawberry.type(
    description="One change of a ticket. `ticket` shows its state right after the change, "
    "or null when the reader may no longer see the ticket (it was reassigned, or its "
    "customer moved to another agent); `ticketId` always names it."
)
class TicketEvent:
    __read__ = ReadRule(
        rows=visibility.TICKET_EVENTS,
        fields={
            ANYONE: (
                "sequence",
                "type",
                "at",
                "actor",
                "ticket_id",
                "ticket_version",
                "ticket",
                "data",
            )
        },
    )

    sequence: int
    type: TicketEventType
    at: datetime

    @strawberry.field(description="The ticket the event is about.")
    def ticket_id(self) -> ID:
        return ID(encode_id("Ticket", self.facts.ticket_id))  # type: ignore[attr-defined]

    @strawberry.field(
        description="The ticket's version right after this event, also when `ticket` is "
        "null: a client orders what it is told against what it has."
    )
    def ticket_version(self) -> int | None:
        return self.payload.get("version")  # type: ignore[attr-defined]

    actor: User | None = relation("user", key="actor_id")

    @strawberry.field
    async def ticket(self, info: Info) -> Ticket | None:
        row = await info.context.loaders.ticket.load(self.facts.ticket_id)  # type: ignore[attr-defined]
        return None if row is None else ticket_as_of(row, self.payload)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="What else the event records (reason, note, location...).")
    def data(self) -> JSON:
        payload: dict[str, Any] = self.payload  # type: ignore[attr-defined]
        return {k: v for k, v in payload.items() if k not in SNAPSHOT_KEYS}


@strawberry.type(description="Ticket kinds a role, or one user, is limited to.")
class KindRestriction:
    __read__ = ReadRule(rows=visibility.ADMIN_ROWS, fields={ANYONE: ("role", "kinds", "user")})

    role: Role | None
    user_id: strawberry.Private[int | None]
    kinds: list[TicketKind]

    @classmethod
    def from_row(cls, row: Any) -> KindRestriction:
        return cls(role=row.role, user_id=row.user_id, kinds=row.kinds)

    user: User | None = relation("user", key="user_id")
