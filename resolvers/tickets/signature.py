"""The customer's signature (签字确认), given on the engineer's phone once the close is
asked: an image (stored as an attachment of kind SIGNATURE), the signer's name and the
time it was signed as the phone says (not in the future, not before the dispatch).
The newest SIGNATURE attachment is the one shown; a former one stays on record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import validation
from domain.attachments.files import AttachmentKind
from domain.events import EventType
from domain.tickets.lifecycle import Move, check_occurred_at
from persistence.types import utcnow
from resolvers.attachments.uploads import storage_of, store_upload
from resolvers.ids import decode_id
from resolvers.tickets.events import emit_ticket_event
from resolvers.tickets.moves import Change, flush_version, move_ticket

if TYPE_CHECKING:
    from resolvers.context import Context


async def record_signature(
    ctx: Context,
    ticket_id: str,
    signer_name: str,
    image: Any,
    signed_at: datetime | None,
    expected_version: int | None,
) -> Any:
    await ctx.actor()
    name = validation.text(signer_name, "signerName", max_length=100)
    decode_id(ticket_id, "Ticket", field="ticketId")
    stored = await store_upload(ctx.services, image, AttachmentKind.SIGNATURE, "image")

    async def apply(change: Change) -> None:
        row = change.ticket
        now = utcnow()
        at = (
            now
            if signed_at is None
            else check_occurred_at(signed_at, now, row.dispatched_at, "signedAt")
        )
        attachment = stored.row(row.id, AttachmentKind.SIGNATURE, change.actor.user_id)
        attachment.taken_at = at
        change.session.add(attachment)
        row.signer_name, row.signed_at = name, at
        await flush_version(change)
        emit_ticket_event(
            change.work,
            EventType.TICKET_SIGNED,
            row,
            change.customer,
            signerName=name,
            signedAt=at.isoformat(),
        )

    try:
        return await move_ticket(
            ctx,
            operation="recordSignature",
            move=Move.SIGN,
            ticket_id=ticket_id,
            expected_version=expected_version,
            apply=apply,
        )
    except BaseException:
        await stored.discard(storage_of(ctx.services))
        raise
