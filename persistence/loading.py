"""Batch loads for DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from persistence.models import Base

M = TypeVar("M", bound=Base)


async def rows_by_id(
    sessionmaker: async_sessionmaker[AsyncSession], model: type[M], ids: Sequence[int]
) -> list[M | None]:
    # A session of its own: sibling resolvers run concurrently and must not share one.
    async with sessionmaker() as session:
        rows = (await session.scalars(select(model).where(model.id.in_(ids)))).all()  # type: ignore[attr-defined]
    by_id = {row.id: row for row in rows}  # type: ignore[attr-defined]
    return [by_id.get(pk) for pk in ids]


async def live_rows_by_parent(
    sessionmaker: async_sessionmaker[AsyncSession],
    model: type[M],
    parent_column: Any,
    parent_ids: Sequence[int],
    *,
    order_by: Sequence[Any] = (),
) -> list[list[M]]:
    """Live child rows per parent, in `order_by` order (default: by id)."""
    async with sessionmaker() as session:
        rows = (
            await session.scalars(
                select(model)
                .where(parent_column.in_(parent_ids), model.deleted_at.is_(None))  # type: ignore[attr-defined]
                .order_by(*(order_by or (model.id,)))  # type: ignore[attr-defined]
            )
        ).all()
    grouped: dict[int, list[M]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, parent_column.key)].append(row)
    return [grouped.get(pk, []) for pk in parent_ids]
