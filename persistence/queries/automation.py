"""Job runs (each one a claimed tick) and the service-wide automation settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import JobRun, ServiceSettings

SETTINGS_ID = 1


async def claim_tick(
    session: AsyncSession, job: str, tick: int, due_at: datetime, started_at: datetime, process: str
) -> int | None:
    """Inserts the run of `job` for `tick` unless a process already did; returns its id
    (None: another process has this tick). One statement, no exception on a lost race."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert  # type: ignore[union-attr]
    stmt = (
        insert(JobRun)
        .values(
            job=job, tick=tick, due_at=due_at, started_at=started_at, process=process, processed=0
        )
        .on_conflict_do_nothing(index_elements=["job", "tick"])
        .returning(JobRun.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def finish_run(
    session: AsyncSession,
    run_id: int,
    *,
    finished_at: datetime,
    ok: bool,
    processed: int,
    detail: str | None,
) -> None:
    await session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(finished_at=finished_at, ok=ok, processed=processed, detail=detail)
    )


async def prune_runs(session: AsyncSession, *, idle_before: datetime, before: datetime) -> int:
    """Forgets runs that did nothing and did not fail from before `idle_before`, and
    every run from before `before`."""
    idle = (JobRun.processed == 0) & JobRun.ok.is_(True) & (JobRun.started_at < idle_before)
    result = await session.execute(delete(JobRun).where(idle | (JobRun.started_at < before)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def job_runs(job: str | None = None) -> Select[Any]:
    stmt = select(JobRun)
    if job is not None:
        stmt = stmt.where(JobRun.job == job)
    return stmt


async def service_settings(session: AsyncSession) -> ServiceSettings:
    """The one settings row (seeded by migration 0005)."""
    row = await session.get(ServiceSettings, SETTINGS_ID)
    if row is None:
        raise LookupError("service_settings row 1 is missing: run the migrations")
    return row
