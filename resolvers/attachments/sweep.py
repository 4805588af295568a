"""The orphan sweep: bytes stored for an upload whose row never came (the process
died between the two, or the move failed and its clean-up did too) are deleted once
they are older than GRACE, by the `files_sweep` job. Listing a whole bucket is not
free: it runs in the first tick of each hour; a missed hour waits for the next."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from persistence.queries import attachments as attachment_rows
from resolvers.automation.runner import Outcome

if TYPE_CHECKING:
    from resolvers.context import Services

# Longer than any upload's request may take (REQUEST_TIMEOUT_SECONDS): a file stored
# by an upload still running is never an orphan.
GRACE = timedelta(hours=1)
SWEEP_EVERY = timedelta(hours=1)
BATCH = 500


def _due(services: Services, now: datetime) -> bool:
    interval = services.settings.job_interval_seconds
    return now.timestamp() % SWEEP_EVERY.total_seconds() < interval


async def sweep_orphan_files(services: Services, now: datetime, *, force: bool = False) -> Outcome:
    storage = services.storage
    if storage is None or not (force or _due(services, now)):
        return Outcome()
    deleted = 0
    batch: list[str] = []

    async def settle(keys: list[str]) -> int:
        async with services.sessionmaker() as session:
            named = await attachment_rows.named_keys(session, keys)
        orphans = [key for key in keys if key not in named]
        for key in orphans:
            await storage.delete(key)
        return len(orphans)

    async for key in storage.keys_older_than(now - GRACE):
        batch.append(key)
        if len(batch) >= BATCH:
            deleted += await settle(batch)
            batch = []
    if batch:
        deleted += await settle(batch)
    return Outcome(processed=deleted, detail=f"{deleted} orphan files deleted" if deleted else None)
