"""One transaction per mutation: stamps who/when on every tracked row, writes the
audit entry in the same transaction, and commits all of it or none of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from domain.errors import BadUserInput
from persistence.db import write_options
from persistence.events import NewEvent, append_events
from persistence.models import AuditEntry, Event, Tracked
from persistence.types import utcnow


@dataclass
class UnitOfWork:
    session: AsyncSession
    actor_id: int | None
    record_ids: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    events: list[NewEvent] = field(default_factory=list)
    # Filled at commit: the stored events, for the relay to announce.
    written: list[Event] = field(default_factory=list)

    # What `record_ids` holds, for constant-time checks (an import touches thousands).
    _seen: set[str] = field(default_factory=set)
    # Lookups worth making once per unit of work (e.g. who receives stock alarms).
    cache: dict[str, Any] = field(default_factory=dict)

    def touched(self, global_id: str) -> None:
        """Names a record this operation changed, for the audit log."""
        if global_id not in self._seen:
            self._seen.add(global_id)
            self.record_ids.append(global_id)

    def emit(self, event: NewEvent) -> None:
        """Queues an event; it is numbered and stored just before this unit commits."""
        self.events.append(event)


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    actor_id: int | None,
    operation: str,
    ip: str | None,
    before_commit: Callable[[], None] | None = None,
    audit_if_empty: bool = True,
) -> AsyncIterator[UnitOfWork]:
    """`before_commit` is called when everything is written and only COMMIT is left:
    from then on the outcome must be waited for, never cut short. A job passes
    `audit_if_empty=False`: a pass that changed nothing leaves no audit entry."""
    async with sessionmaker(execution_options=write_options()) as session:
        session.info["actor_id"] = actor_id
        work = UnitOfWork(session=session, actor_id=actor_id)
        try:
            async with session.begin():
                yield work
                # Last, so the lock that numbers events is held for as short as possible.
                work.written = await append_events(session, work.events)
                if audit_if_empty or work.record_ids or work.events:
                    session.add(
                        AuditEntry(
                            actor_id=actor_id,
                            ip=ip,
                            operation=operation,
                            record_ids=work.record_ids,
                            detail=work.detail or None,
                        )
                    )
                await session.flush()
                if before_commit is not None:
                    before_commit()
        except IntegrityError as exc:
            # A uniqueness race lost at commit time; the rows were checked before.
            raise BadUserInput("conflicts with an existing record; reload and retry") from exc


@event.listens_for(Session, "before_flush")
def _stamp_tracked_rows(session: Session, _context: Any, _instances: Any) -> None:
    actor_id = session.info.get("actor_id")
    now = utcnow()
    for row in session.new:
        if isinstance(row, Tracked):
            row.created_at = row.created_at or now
            row.updated_at = now
            row.created_by_id = row.created_by_id or actor_id
            row.updated_by_id = actor_id
    for row in session.dirty:
        if isinstance(row, Tracked) and session.is_modified(row, include_collections=False):
            row.updated_at = now
            row.updated_by_id = actor_id
