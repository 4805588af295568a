"""Channels outside the app, users' addresses for them, and the delivery log.

A channel reads the event table from its own `cursor` (the last event sequence it has
turned into deliveries); each delivery is one event to one recipient (a user, or the
channel's endpoint for a webhook), tried until SENT or GAVE_UP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime


class Channel(Tracked, Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # What may be shown of the configuration; the secrets apart, encrypted.
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[str | None] = mapped_column(Text)
    notification_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_attempts: Mapped[int] = mapped_column(Integer)
    # The last event sequence turned into deliveries (events before the channel was
    # made are not its business: it starts at the sequence of its creation).
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)


class ChannelPreference(Base):
    """A user's addresses outside the app and the kinds they want there."""

    __tablename__ = "channel_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    wecom_user_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        # One delivery per event, channel and recipient, whatever process made it.
        Index("uq_deliveries_event", "channel_id", "event_sequence", "recipient_key", unique=True),
        # The head of each open stream of a channel: only open deliveries are indexed,
        # so finding the heads costs the open rows, never the whole log.
        Index(
            "ix_deliveries_open",
            "channel_id",
            "stream",
            "id",
            postgresql_where=text("status IN ('PENDING', 'FAILED')"),
            sqlite_where=text("status IN ('PENDING', 'FAILED')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    event_sequence: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(40))
    # The recipient user (0 for a webhook's endpoint), and where it was reached.
    recipient_key: Mapped[int] = mapped_column(Integer)
    # What is kept in order: a user's messages ("user:7"); for a webhook, each ticket's
    # changes ("ticket:12"), so tickets go out side by side, each in order.
    stream: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(254))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Lease(Base):
    """Work one process at a time does continuously (the deliveries): the holder renews
    it; when it stops renewing, another process takes over once it expires."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
