"""Notifications, one row per recipient."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked
from persistence.types import UTCDateTime


class Notification(Tracked, Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # What else a notification may be about (a stock alarm names its part).
    part_id: Mapped[int | None] = mapped_column(ForeignKey("parts.id"), index=True)
    outing_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("outing_requests.id"), index=True
    )
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"), index=True)
    message: Mapped[str] = mapped_column(String(300))
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
