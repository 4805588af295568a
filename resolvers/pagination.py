"""Keyset pagination over any select: one COUNT and one page query, whatever the size."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from domain.errors import BadUserInput
from persistence.paging import page
from resolvers.ids import MAX_PK, PK_PATTERN
from schema.pagination import Connection, Edge, PageInfo

if TYPE_CHECKING:
    from resolvers.context import Context
    from settings import Settings


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"after:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        prefix, _, pk = raw.partition(":")
        if prefix == "after" and PK_PATTERN.fullmatch(pk) and int(pk) <= MAX_PK:
            return int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadUserInput("is not a cursor from this list", field="after")


def page_size(first: int | None, settings: Settings) -> int:
    if first is None:
        return settings.default_page_size
    if first < 0:
        raise BadUserInput("must not be negative", field="first")
    if first > settings.max_page_size:
        raise BadUserInput(f"must be at most {settings.max_page_size}", field="first")
    return first


async def paginate(
    ctx: Context,
    stmt: Any,
    id_column: Any,
    *,
    first: int | None,
    after: str | None,
    newest_first: bool = False,
    sort_column: Any | None = None,
) -> Connection[Any]:
    """A connection of `stmt` (a select of one entity, built by a query function of
    persistence/queries), in `id_column` order, read in a session of its own."""
    limit = page_size(first, ctx.settings)
    after_pk = None if after is None else decode_cursor(after)
    async with ctx.read() as session:
        found = await page(
            session,
            stmt,
            id_column,
            limit=limit,
            after_pk=after_pk,
            newest_first=newest_first,
            sort_column=sort_column,
        )
    edges = [Edge(cursor=encode_cursor(row.id), node=row) for row in found.rows]
    return Connection(
        total_count=found.total,
        page_info=PageInfo(
            has_next_page=found.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        edges=edges,
    )
