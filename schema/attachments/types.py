"""Output types of the files on tickets."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access import ANYONE, TRACKING
from domain.attachments.files import AttachmentKind as DomainAttachmentKind
from resolvers import visibility
from resolvers.ids import encode_id
from schema.accounts.types import User
from schema.relations import relation
from schema.rules import ReadRule
from schema.tracking import Tracked

AttachmentKind = strawberry.enum(DomainAttachmentKind, name="AttachmentKind")


def file_url(pk: int) -> str:
    return f"/files/{encode_id('Attachment', pk)}"


@strawberry.type(
    description="A file on a ticket (a photo, a document, a signature). `url` serves it "
    "to whoever may see the ticket, with a bearer token."
)
class Attachment(Tracked):
    __read__ = ReadRule(
        rows=visibility.ATTACHMENTS,
        fields={
            ANYONE: (
                "id",
                "kind",
                "file_name",
                "content_type",
                "size",
                "url",
                "thumbnail_url",
                "uploaded_at",
                "uploaded_by",
                "taken_at",
                "latitude",
                "longitude",
                "note",
                "sha256",
                "work_record_id",
                *TRACKING,
            )
        },
    )

    kind: AttachmentKind
    file_name: str
    content_type: str = strawberry.field(description="As sniffed from the content.")
    size: int = strawberry.field(description="Bytes served (a photo as stripped of EXIF).")
    sha256: str
    taken_at: datetime | None = strawberry.field(
        description="When the photo was taken (its EXIF, read before it was stripped)."
    )
    latitude: float | None = strawberry.field(description="Where the photo was taken (EXIF).")
    longitude: float | None
    note: str | None

    @strawberry.field
    def url(self) -> str:
        return file_url(self.id)  # type: ignore[attr-defined]

    @strawberry.field(description="A small JPEG of an image; null for other files.")
    def thumbnail_url(self) -> str | None:
        if self.thumbnail_key is None:  # type: ignore[attr-defined]
            return None
        return f"{file_url(self.id)}/thumbnail"  # type: ignore[attr-defined]

    @strawberry.field(description="When the server received it.")
    def uploaded_at(self) -> datetime:
        return self.created_at

    uploaded_by: User | None = relation("user", key="created_by_id")

    @strawberry.field(description="The work record it documents, if any.")
    def work_record_id(self) -> strawberry.ID | None:
        pk = self.work_record_id  # type: ignore[attr-defined]
        return None if pk is None else strawberry.ID(encode_id("WorkRecord", pk))
