"""The job runner: inside every server process (and `aftersales run-jobs --once`), it
wakes at each tick of JOB_INTERVAL_SECONDS and runs the jobs that process claims.

Exactly one process acts per job and tick, on any database: the run's row is the
claim (`job_runs` is unique on job and tick; an INSERT ... ON CONFLICT DO NOTHING
either returns the new row or nothing), so two or ten processes never both run a job
for one tick. Every job is also idempotent on its own (each item it acts on is claimed
by a compare-and-swap UPDATE or a unique row), so a run cut short by a crash is simply
finished by the next tick, and a process that was down catches up at its first tick:
jobs look for everything due up to now, not for what fell due since the last run.

Why not a scheduler library: APScheduler 3 has no coordination between processes and 4
is still a pre-release; procrastinate needs PostgreSQL and a worker of its own, and the
embedded default is SQLite in one process. What we need from a scheduler is "every N
seconds, once across processes", which is the one unique INSERT above.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge

from persistence.queries import automation as rows
from persistence.types import utcnow

if TYPE_CHECKING:
    from resolvers.context import Services

log = logging.getLogger("aftersales.jobs")

RUNS = Counter("aftersales_job_runs_total", "Job runs by job and outcome", ["job", "outcome"])
FAILURES = Counter("aftersales_job_failures_total", "Job runs that failed", ["job"])
LAG = Gauge(
    "aftersales_job_lag_seconds",
    "Seconds between a tick falling due and its run starting (last run of each job)",
    ["job"],
)
DURATION = Gauge("aftersales_job_duration_seconds", "Duration of the last run", ["job"])
PROCESSED = Counter("aftersales_job_processed_total", "Items a job acted on", ["job"])
LAST_SUCCESS = Gauge(
    "aftersales_job_last_success_timestamp_seconds", "When a job last ran well", ["job"]
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run did: how many items it acted on, and a line about it."""

    processed: int = 0
    detail: str | None = None


JobFunction = Callable[["Services", datetime], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    run: JobFunction


@dataclass(frozen=True, slots=True)
class RunReport:
    job: str
    tick: int
    ran: bool  # False: another process had claimed this tick
    ok: bool = True
    processed: int = 0
    detail: str | None = None


def tick_of(moment: datetime, interval: float) -> int:
    return math.floor(moment.timestamp() / interval)


def tick_start(tick: int, interval: float) -> datetime:
    return datetime.fromtimestamp(tick * interval, UTC)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class JobRunner:
    def __init__(self, services: Services, jobs: Sequence[Job], interval: float) -> None:
        self.services = services
        self.jobs = list(jobs)
        self.interval = interval
        self.process = process_name()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="job-runner")

    async def stop(self) -> None:
        # The loop also ends on `_stopping` (a cancel swallowed by a driver's timeout
        # handling must not keep the server from shutting down).
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        # A first pass at start: what fell due while no process ran is caught up now.
        while not self._stopping:
            try:
                await self.run_tick(tick_of(utcnow(), self.interval))
            except asyncio.CancelledError:
                raise
            except Exception:
                # The claim itself failed (the database is away): the next tick retries.
                log.warning("job tick failed", exc_info=True)
            await asyncio.sleep(self._until_next_tick())

    def _until_next_tick(self) -> float:
        now = time.time()
        next_start = (math.floor(now / self.interval) + 1) * self.interval
        return max(0.01, next_start - now)

    async def run_tick(self, tick: int) -> list[RunReport]:
        """Runs every job this process claims for `tick`, one after another."""
        return [await self.run_job(job, tick) for job in self.jobs]

    async def run_job(self, job: Job, tick: int) -> RunReport:
        due_at = tick_start(tick, self.interval)
        started = utcnow()
        async with self.services.sessionmaker() as session, session.begin():
            run_id = await rows.claim_tick(session, job.name, tick, due_at, started, self.process)
        if run_id is None:
            return RunReport(job.name, tick, ran=False)
        LAG.labels(job.name).set(max(0.0, (started - due_at).total_seconds()))
        clock = time.perf_counter()
        try:
            outcome = await job.run(self.services, started)
            ok, processed, detail = True, outcome.processed, outcome.detail
        except Exception as exc:
            log.exception("job %s failed", job.name)
            # Kept short and free of internals: the class of what went wrong.
            ok, processed, detail = False, 0, f"failed: {type(exc).__name__}"
            FAILURES.labels(job.name).inc()
        DURATION.labels(job.name).set(time.perf_counter() - clock)
        RUNS.labels(job.name, "ok" if ok else "failed").inc()
        PROCESSED.labels(job.name).inc(processed)
        if ok:
            LAST_SUCCESS.labels(job.name).set(time.time())
        try:
            async with self.services.sessionmaker() as session, session.begin():
                await rows.finish_run(
                    session,
                    run_id,
                    finished_at=utcnow(),
                    ok=ok,
                    processed=processed,
                    detail=detail,
                )
        except Exception:
            log.warning("could not record the end of job %s", job.name, exc_info=True)
        return RunReport(job.name, tick, ran=True, ok=ok, processed=processed, detail=detail)

    async def run_once(self, *, wait: float | None = None) -> list[RunReport]:
        """One pass of every job (the command line): at the current tick, or, for each
        job whose tick another process holds, at the next ticks until `wait` seconds."""
        deadline = time.monotonic() + (self.interval if wait is None else wait)
        reports = []
        for job in self.jobs:
            while True:
                report = await self.run_job(job, tick_of(utcnow(), self.interval))
                if report.ran or time.monotonic() + self._until_next_tick() > deadline:
                    reports.append(report)
                    break
                await asyncio.sleep(self._until_next_tick())
        return reports


async def prune_job_runs(services: Services, now: datetime) -> Outcome:
    """Job runs that did nothing are kept a day, the others 30 days."""
    async with services.sessionmaker() as session, session.begin():
        gone = await rows.prune_runs(
            session, idle_before=now - timedelta(days=1), before=now - timedelta(days=30)
        )
    return Outcome(processed=gone)
