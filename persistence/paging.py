"""Keyset pagination over any select: one COUNT and one page query, whatever the size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    total: int
    has_next: bool


async def page(
    session: AsyncSession,
    stmt: Select[Any],
    id_column: Any,
    *,
    limit: int,
    after_pk: int | None,
    newest_first: bool = False,
    sort_column: Any | None = None,
) -> Page:
    """Up to `limit` rows of `stmt` (a select of one entity) after `after_pk`, in
    `id_column` order (or `sort_column` order, ties by id: the cursor still names only
    the row, whose sort value is looked up), with the total count and whether more
    follow."""
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if sort_column is not None:
        page_stmt = stmt.order_by(sort_column, id_column)
        if after_pk is not None:
            mark = select(sort_column).where(id_column == after_pk).scalar_subquery()
            page_stmt = page_stmt.where(tuple_(sort_column, id_column) > tuple_(mark, after_pk))
        rows = list((await session.scalars(page_stmt.limit(limit + 1))).all()) if limit else []
        return Page(rows=rows[:limit], total=total or 0, has_next=len(rows) > limit)
    page_stmt = stmt.order_by(id_column.desc() if newest_first else id_column)
    if after_pk is not None:
        page_stmt = page_stmt.where(id_column < after_pk if newest_first else id_column > after_pk)
    rows = list((await session.scalars(page_stmt.limit(limit + 1))).all()) if limit else []
    return Page(rows=rows[:limit], total=total or 0, has_next=len(rows) > limit)
