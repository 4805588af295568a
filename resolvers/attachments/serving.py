"""Files served over plain HTTP (GET /files/{id}, /files/{id}/thumbnail): only to a
reader with a bearer token who may see the ticket the file belongs to, by the same
row rule as every GraphQL path (resolvers.visibility.ATTACHMENTS). Everyone else, and
every removed file, gets the same NOT_FOUND: nothing tells a stranger a file exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.attachments.files import AttachmentKind
from domain.errors import DomainError, NotFound
from resolvers import visibility
from resolvers.attachments.uploads import storage_of
from resolvers.ids import decode_id

if TYPE_CHECKING:
    from persistence.models import Attachment
    from resolvers.context import Context


@dataclass(frozen=True, slots=True)
class Download:
    file_name: str
    content_type: str
    size: int | None
    chunks: AsyncIterator[bytes]


async def admitted(ctx: Context, rule: visibility.Rows, row: Any) -> bool:
    actor = await ctx.actor()
    verdict = rule.admits(ctx, actor, row)
    return verdict if isinstance(verdict, bool) else await verdict


async def signature_of(ctx: Context, ticket: Any) -> Attachment | None:
    """The image of a ticket's signature: its newest attachment of kind SIGNATURE."""
    if ticket.signed_at is None:
        return None
    files = await ctx.loaders.ticket_attachments.load(ticket.id)
    signatures = [row for row in files if row.kind == AttachmentKind.SIGNATURE.value]
    return signatures[-1] if signatures else None


async def readable_attachment(ctx: Context, attachment_id: str) -> Attachment:
    try:
        await ctx.actor()
        pk = decode_id(attachment_id, "Attachment")
    except DomainError:
        raise NotFound("file not found") from None
    row = await ctx.loaders.attachment.load(pk)
    if row is None or row.deleted_at is not None:
        raise NotFound("file not found")
    if not await admitted(ctx, visibility.ATTACHMENTS, row):
        raise NotFound("file not found")
    return row


async def opened(ctx: Context, key: str) -> AsyncIterator[bytes]:
    """The stored bytes, the first chunk read already: a missing object is known before
    anything is answered."""
    chunks = storage_of(ctx.services).stream(key)
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    except FileNotFoundError:
        raise NotFound("file not found") from None

    async def rest() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return rest()


async def download(ctx: Context, attachment_id: str, *, thumbnail: bool) -> Download:
    row = await readable_attachment(ctx, attachment_id)
    if thumbnail:
        if row.thumbnail_key is None:
            raise NotFound("this file has no thumbnail")
        return Download(
            f"thumbnail-{row.file_name}.jpg",
            "image/jpeg",
            None,
            await opened(ctx, row.thumbnail_key),
        )
    return Download(row.file_name, row.content_type, row.size, await opened(ctx, row.storage_key))


async def read_whole(ctx: Context, key: str) -> bytes:
    """A small stored object (a signature image) whole."""
    return b"".join([chunk async for chunk in await opened(ctx, key)])
