"""The unit of work of a job: like a mutation's, audited under the job's name with no
person acting; once it commits, the relay is told about its events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from persistence.unit_of_work import UnitOfWork, unit_of_work

if TYPE_CHECKING:
    from resolvers.context import Services


@asynccontextmanager
async def job_write(services: Services, job: str) -> AsyncIterator[UnitOfWork]:
    async with unit_of_work(
        services.sessionmaker, actor_id=None, operation=f"job:{job}", ip=None, audit_if_empty=False
    ) as work:
        yield work
    if work.written and services.relay is not None:
        services.relay.announce(work.written[-1].sequence)
