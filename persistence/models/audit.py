"""The audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base
from persistence.types import UTCDateTime, utcnow


class AuditEntry(Base):
    """Every change: who, from which address, which operation, which records, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(100), index=True)
    record_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
