"""Input types of channels."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from schema.channels.types import ChannelKind, DeliveryStatus


@strawberry.input(
    description="A channel. To create: kind, name and config are required. To update: "
    "fields left out keep their value, and so do secrets left out of config (they "
    "cannot be read back). Config per kind: WECOM {corpId corpSecret agentId apiBase}; "
    "WEBHOOK {url secret}; EMAIL {host port startTls username password from}."
)
class ChannelInput:
    kind: ChannelKind | None = UNSET
    name: str | None = UNSET
    enabled: bool | None = UNSET
    config: JSON | None = UNSET
    notification_kinds: list[str] | None = strawberry.field(
        default=UNSET, description="Empty: every kind."
    )
    max_attempts: int | None = strawberry.field(
        default=UNSET, description="Default 24 (about 80 minutes of tries)."
    )


@strawberry.input(description="Fields left out keep their value; null clears an address.")
class ChannelPreferencesInput:
    wecom_user_id: str | None = UNSET
    email: str | None = UNSET
    kinds: list[str] | None = strawberry.field(
        default=UNSET, description="The kinds wanted outside the app; empty: every kind."
    )


@strawberry.input
class DeliveryFilter:
    channel_id: strawberry.ID | None = None
    status: list[DeliveryStatus] | None = None
    notification_id: strawberry.ID | None = None
