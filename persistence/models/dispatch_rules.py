"""Automatic dispatch: engineers' dispatch profiles and the rules that pick one."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, Tracked


class EngineerProfile(Tracked, Base):
    """What an engineer can do and where; the row is also what an automatic dispatch
    locks, so concurrent dispatches never take one engineer over `max_open_tickets`."""

    __tablename__ = "engineer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    region_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    max_open_tickets: Mapped[int | None] = mapped_column(Integer)


class DispatchRule(Tracked, Base):
    """Conditions (empty: any) and a strategy; `last_engineer_id` is where round robin
    stands."""

    __tablename__ = "dispatch_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    priority: Mapped[int] = mapped_column(Integer, index=True)
    strategy: Mapped[str] = mapped_column(String(20))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    severities: Mapped[list[int]] = mapped_column(JSON, default=list)
    region_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    brands: Mapped[list[str]] = mapped_column(JSON, default=list)
    engineer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_engineer_id: Mapped[int | None] = mapped_column(Integer)
