"""Files put on a ticket. The bytes are checked (type by sniffing the content, size,
pixels), photos re-encoded without their EXIF (resolvers.attachments.images), then
stored *before* the ticket's transaction opens, so no lock waits on a slow upload.
The row follows in a move of the ticket (a new version, TICKET_ATTACHMENT_ADDED live
to its readers); when the move fails the stored bytes are removed, and whatever a
crash leaves between the two is swept by the `files_sweep` job: a file never shows
without its row, and a row never names a missing file."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

import filetype

from domain import validation
from domain.attachments.files import (
    IMAGE_TYPES,
    AttachmentKind,
    check_file,
    clean_file_name,
)
from domain.errors import BadUserInput, Conflict, Forbidden, NotFound
from domain.events import EventType
from domain.roles import OFFICE, Role
from domain.tickets.lifecycle import Move
from persistence.models import Attachment, WorkRecord
from persistence.queries import attachments as attachment_rows
from persistence.types import utcnow
from resolvers.attachments.images import prepare_image
from resolvers.ids import decode_id, encode_id
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, conflict_with, flush_version, move_ticket

if TYPE_CHECKING:
    from persistence.storage import Storage
    from resolvers.context import Context, Services

OUTSIDE_THE_OFFICE = frozenset(Role) - OFFICE
# Photos decoded at once per process: a 50-megapixel photo takes some 300 MB while it
# is turned upright and re-encoded; the others wait their turn.
IMAGE_WORK = asyncio.Semaphore(2)
# Bytes read to tell the type (filetype needs at most 262).
SNIFF_BYTES = 8192
HASH_CHUNK = 1024 * 1024
# EXIF times carry no zone unless the camera wrote OffsetTimeOriginal: phones here
# keep China time.
PHOTO_CLOCK_ZONE = "Asia/Shanghai"


def storage_of(services: Services) -> Storage:
    if services.storage is None:  # pragma: no cover - set by the application's lifespan
        raise RuntimeError("no file storage configured")
    return services.storage


@dataclass
class StoredFile:
    """Bytes stored under new keys, with what the row will say of them."""

    storage_key: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    thumbnail_key: str | None = None
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    keys: list[str] = field(default_factory=list)

    def row(self, ticket_id: int, kind: AttachmentKind, actor_id: int) -> Attachment:
        return Attachment(
            ticket_id=ticket_id,
            kind=kind.value,
            file_name=self.file_name,
            content_type=self.content_type,
            size=self.size,
            sha256=self.sha256,
            storage_key=self.storage_key,
            thumbnail_key=self.thumbnail_key,
            taken_at=self.taken_at,
            latitude=self.latitude,
            longitude=self.longitude,
            created_by_id=actor_id,
            updated_by_id=actor_id,
        )

    async def discard(self, storage: Storage) -> None:
        for key in self.keys:
            with contextlib.suppress(Exception):
                await storage.delete(key)


def _source(upload: Any, field_name: str) -> tuple[BinaryIO, str | None]:
    """The spooled file of a multipart part (Starlette's UploadFile)."""
    source = getattr(upload, "file", None)
    if source is None or not hasattr(source, "read"):
        raise BadUserInput("must be a file sent as a part of a multipart request", field=field_name)
    return source, getattr(upload, "filename", None)


def _size_and_head(source: BinaryIO) -> tuple[int, bytes]:
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    return size, head


def _sha256(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    source.seek(0)
    while chunk := source.read(HASH_CHUNK):
        digest.update(chunk)
    source.seek(0)
    return digest.hexdigest()


def new_key(now: datetime) -> str:
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


async def store_upload(
    services: Services, upload: Any, kind: AttachmentKind, field_name: str = "file"
) -> StoredFile:
    """Checks a multipart upload and stores it (photos cleaned, with a thumbnail)."""
    settings = services.settings
    storage = storage_of(services)
    source, given_name = _source(upload, field_name)
    size, head = await asyncio.to_thread(_size_and_head, source)
    sniffed = filetype.guess(head)
    content_type = sniffed.mime if sniffed is not None else None
    shown = clean_file_name(given_name, content_type or "")
    content_type = check_file(
        kind,
        shown,
        content_type,
        size,
        max_bytes=settings.files_max_bytes,
        allowed=frozenset(settings.files_allowed_types),
        field=field_name,
    )
    now = utcnow()
    key = new_key(now)
    if content_type in IMAGE_TYPES:
        async with IMAGE_WORK:
            image = await asyncio.to_thread(
                prepare_image,
                source,
                content_type,
                shown,
                max_pixels=settings.files_max_image_pixels,
                zone=PHOTO_CLOCK_ZONE,
                now=now,
            )
        stored = StoredFile(
            storage_key=key,
            file_name=shown,
            content_type=content_type,
            size=len(image.data),
            sha256=hashlib.sha256(image.data).hexdigest(),
            thumbnail_key=f"{key}.thumb",
            taken_at=image.taken_at,
            latitude=image.latitude,
            longitude=image.longitude,
        )
        try:
            stored.keys.append(key)
            await storage.put_bytes(key, image.data)
            stored.keys.append(f"{key}.thumb")
            await storage.put_bytes(f"{key}.thumb", image.thumbnail)
        except BaseException:
            await stored.discard(storage)
            raise
        return stored
    digest = await asyncio.to_thread(_sha256, source)
    stored = StoredFile(
        storage_key=key, file_name=shown, content_type=content_type, size=size, sha256=digest
    )
    try:
        stored.keys.append(key)
        await storage.put_file(key, source)
    except BaseException:
        await stored.discard(storage)
        raise
    return stored


async def upload_attachment(
    ctx: Context,
    ticket_id: str,
    upload: Any,
    kind: AttachmentKind,
    note: str | None,
    work_record_id: str | None = None,
) -> Attachment:
    await ctx.actor()
    cleaned_note = validation.optional_text(note, "note", max_length=2000)
    if kind is AttachmentKind.SIGNATURE:
        raise BadUserInput("a signature is recorded with recordSignature", field="kind")
    record_pk = (
        None
        if work_record_id is None
        else decode_id(work_record_id, "WorkRecord", field="workRecordId")
    )
    decode_id(ticket_id, "Ticket", field="ticketId")
    stored = await store_upload(ctx.services, upload, kind)
    made: list[Attachment] = []

    async def before(change: Change) -> None:
        count = await attachment_rows.count_on_ticket(change.session, change.ticket.id)
        if count >= ctx.services.settings.files_max_per_ticket:
            raise conflict_with(
                Conflict(f"the ticket has {count} files, the most it may have; remove one first"),
                change.ticket,
            )
        if record_pk is not None:
            record = await change.session.get(WorkRecord, record_pk)
            if record is None or record.ticket_id != change.ticket.id or record.is_deleted:
                raise BadUserInput("no such work record on this ticket", field="workRecordId")

    async def apply(change: Change) -> None:
        row = stored.row(change.ticket.id, kind, change.actor.user_id)
        row.work_record_id = record_pk
        row.note = cleaned_note
        change.session.add(row)
        await flush_version(change)
        made.append(row)
        emit_ticket_event(
            change.work,
            EventType.TICKET_ATTACHMENT_ADDED,
            change.ticket,
            change.customer,
            attachmentId=encode_id("Attachment", row.id),
            kind=kind.value,
            fileName=row.file_name,
        )

    try:
        await move_ticket(
            ctx,
            operation="uploadAttachment",
            move=Move.ATTACH,
            ticket_id=ticket_id,
            expected_version=None,
            before=before,
            apply=apply,
        )
    except BaseException:
        await stored.discard(storage_of(ctx.services))
        raise
    return made[0]


async def remove_attachment(ctx: Context, attachment_id: str) -> Any:
    """Takes a file off its ticket (its uploader or the office). The row is kept,
    marked deleted, and the bytes with it: what was shown once stays on record; it is
    served to nobody."""
    pk = decode_id(attachment_id, "Attachment")
    actor = await ctx.actor()
    async with ctx.read() as session:
        found = await attachment_rows.live_attachment(session, pk)
    if found is None:
        raise NotFound("attachment not found")

    held: list[Attachment] = []

    async def before(change: Change) -> None:
        # Read under the ticket's lock, before the move touches the ticket.
        row = await attachment_rows.live_attachment(change.session, pk)
        if row is None or row.ticket_id != change.ticket.id:
            raise BadUserInput("no such attachment", field="attachmentId")
        if row.kind == AttachmentKind.SIGNATURE.value:
            raise BadUserInput("a signature stays on its ticket", field="attachmentId")
        if actor.role in OUTSIDE_THE_OFFICE and row.created_by_id != actor.user_id:
            raise Forbidden("only who uploaded a file (or the office) may remove it")
        held.append(row)

    async def apply(change: Change) -> None:
        row = held[0]
        row.deleted_at, row.deleted_by_id = utcnow(), change.actor.user_id
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_ATTACHMENT_REMOVED,
            change.ticket,
            change.customer,
            attachmentId=encode_id("Attachment", row.id),
            kind=row.kind,
            fileName=row.file_name,
        )

    return await move_ticket(
        ctx,
        operation="removeAttachment",
        move=Move.ATTACH,
        ticket_id=encode_id("Ticket", found.ticket_id),
        expected_version=None,
        before=before,
        apply=apply,
    )
