"""The event table (outbox): written with every change, read by the relay and replays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base
from persistence.types import UTCDateTime


class Event(Base):
    """The outbox and the source of truth for live sync. `sequence` is assigned at one
    serialisation point just before commit, so sequence order is commit order."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_ticket_sequence", "ticket_id", "sequence"),)

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    # What decides who may see the event, kept as columns so replay can filter in SQL.
    kind: Mapped[str | None] = mapped_column(String(20))
    customer_id: Mapped[int | None] = mapped_column(Integer)
    customer_agent_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    previous_assignee_id: Mapped[int | None] = mapped_column(Integer)
    # A notification event goes to one user only.
    recipient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
