"""Root fields of attachments (merged into the Mutation root)."""

from __future__ import annotations

import strawberry
from strawberry import ID
from strawberry.file_uploads import Upload

from domain.attachments.files import AttachmentKind as DomainAttachmentKind
from resolvers.attachments import uploads
from resolvers.context import Info
from schema.attachments.types import Attachment, AttachmentKind
from schema.tickets.types import Ticket


@strawberry.type
class AttachmentMutations:
    @strawberry.mutation(
        description="Puts a file on a ticket (GraphQL multipart request; the header "
        "Apollo-Require-Preflight or X-Requested-With is required). Its type is sniffed "
        "from the content; size, count and types are limited (BAD_USER_INPUT naming the "
        "file and why). Photos are served without their EXIF (when and where they were "
        "taken is kept as takenAt, latitude, longitude) and get a thumbnail. The ticket's "
        "engineer, the office, and its customer's users; a new ticket version."
    )
    async def upload_attachment(
        self,
        info: Info,
        ticket_id: ID,
        file: Upload,
        kind: AttachmentKind,
        note: str | None = None,
        work_record_id: ID | None = None,
    ) -> Attachment:
        return await uploads.upload_attachment(  # type: ignore[return-value]
            info.context,
            ticket_id,
            file,
            DomainAttachmentKind(kind.value),
            note,
            work_record_id,
        )

    @strawberry.mutation(
        description="Takes a file off its ticket (who uploaded it, or the office); it is "
        "kept on record and served to nobody. A signature stays."
    )
    async def remove_attachment(self, info: Info, id: ID) -> Ticket:
        return await uploads.remove_attachment(info.context, id)
