"""Attachment queries: a ticket's count, one live attachment, which stored keys rows
still name (the orphan sweep)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import Attachment


async def count_on_ticket(session: AsyncSession, ticket_id: int) -> int:
    stmt = select(func.count()).where(
        Attachment.ticket_id == ticket_id, Attachment.deleted_at.is_(None)
    )
    return int(await session.scalar(stmt) or 0)


async def live_attachment(session: AsyncSession, pk: int) -> Attachment | None:
    stmt = select(Attachment).where(Attachment.id == pk, Attachment.deleted_at.is_(None))
    return await session.scalar(stmt)


async def named_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """The keys among `keys` that a row (deleted ones too: their files are kept for the
    record) names as its file or thumbnail."""
    wanted = list(keys)
    if not wanted:
        return set()
    stmt = select(Attachment.storage_key, Attachment.thumbnail_key).where(
        or_(Attachment.storage_key.in_(wanted), Attachment.thumbnail_key.in_(wanted))
    )
    named: set[str] = set()
    for storage_key, thumbnail_key in (await session.execute(stmt)).all():
        named.add(storage_key)
        if thumbnail_key:
            named.add(thumbnail_key)
    return named
