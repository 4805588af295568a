"""Output types of channels outside the app, users' preferences, the delivery log."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.access import ANYONE, TRACKING
from domain.channels.config import ChannelKind as DomainChannelKind
from domain.channels.config import DeliveryStatus as DomainDeliveryStatus
from resolvers import visibility
from resolvers.context import Info
from resolvers.ids import encode_id
from schema.accounts.types import User
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked

ChannelKind = strawberry.enum(DomainChannelKind, name="ChannelKind")
DeliveryStatus = strawberry.enum(DomainDeliveryStatus, name="DeliveryStatus")


@strawberry.type(description="A way notifications leave the app (ADMIN).")
class Channel(Tracked):
    __read__ = ReadRule(
        rows=visibility.ADMIN_ROWS,
        fields={
            ANYONE: (
                "id",
                "kind",
                "name",
                "enabled",
                "config",
                "secret_set",
                "notification_kinds",
                "max_attempts",
                *TRACKING,
            )
        },
    )

    kind: ChannelKind
    name: str
    enabled: bool
    config: JSON = strawberry.field(description="Its configuration without the secrets.")
    notification_kinds: list[str] = strawberry.field(
        description="The notification kinds it carries; empty: every kind."
    )
    max_attempts: int

    @strawberry.field(description="Whether its secrets are set (they are never shown).")
    def secret_set(self) -> bool:
        return bool(self.secrets)  # type: ignore[attr-defined]


@strawberry.type(description="A user's addresses outside the app and the kinds they want.")
class ChannelPreferences:
    __read__ = ReadRule(
        rows=visibility.CHANNEL_PREFERENCES,
        fields={ANYONE: ("wecom_user_id", "email", "kinds", "user")},
    )

    wecom_user_id: str | None
    email: str | None
    kinds: list[str] = strawberry.field(description="Empty: every kind the channels carry.")

    user: User | None = relation("user", key="user_id")


@strawberry.type(description="What a test message through a channel did.")
class ChannelTestResult:
    __read__ = ReadRule(rows=visibility.ADMIN_ROWS, fields={ANYONE: ("ok", "status", "detail")})

    ok: bool
    status: str = strawberry.field(description="SENT, FAILED (passing) or GAVE_UP.")
    detail: str


@strawberry.type(description="The notification a delivery carries.")
class DeliveredNotification:
    __read__ = ReadRule(part_of=("Delivery",), fields={ANYONE: ("id", "kind", "message")})

    id: strawberry.ID
    kind: str
    message: str


@strawberry.type(description="One event to one recipient by one channel, and how it went.")
class Delivery:
    __read__ = ReadRule(
        rows=visibility.ADMIN_ROWS,
        fields={
            ANYONE: (
                "id",
                "channel",
                "status",
                "attempts",
                "last_error",
                "sent_at",
                "created_at",
                "next_attempt_at",
                "event_type",
                "event_sequence",
                "recipient",
                "address",
                "notification",
                "ticket_id",
            )
        },
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Delivery", self.id))  # type: ignore[attr-defined]

    status: DeliveryStatus
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    next_attempt_at: datetime
    event_type: str
    event_sequence: int
    address: str | None = strawberry.field(
        description="Where it went (a WeChat Work id, an e-mail)."
    )

    channel: Channel | None = relation("channel", key="channel_id")

    @strawberry.field(description="The user it went to; null for a webhook.")
    async def recipient(self, info: Info) -> User | None:
        pk = self.recipient_key  # type: ignore[attr-defined]
        return await info.context.loaders.user.load(pk) if pk else None

    @strawberry.field
    async def notification(self, info: Info) -> DeliveredNotification | None:
        pk = self.notification_id  # type: ignore[attr-defined]
        row = None if pk is None else await info.context.loaders.notification.load(pk)
        if row is None:
            return None
        return DeliveredNotification(
            id=strawberry.ID(encode_id("Notification", row.id)), kind=row.kind, message=row.message
        )

    @strawberry.field
    def ticket_id(self) -> strawberry.ID | None:
        pk = self.ticket_id  # type: ignore[attr-defined]
        return None if pk is None else strawberry.ID(encode_id("Ticket", pk))
