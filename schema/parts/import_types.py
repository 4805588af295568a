"""Types of imports: the file formats and what an import did."""

from __future__ import annotations

import strawberry

from domain.access import ANYONE
from domain.parts.import_files import FileFormat
from resolvers import visibility
from schema.rules import ReadRule

ImportFormat = strawberry.enum(
    FileFormat,
    name="ImportFormat",
    description="CSV: `content` is the text. XLSX: `content` is the .xlsx file in base64.",
)


@strawberry.type(description="What an import did (or, on a dry run, would do).")
class ImportResult:
    __read__ = ReadRule(
        rows=visibility.MANAGER_ROWS,
        fields={ANYONE: ("rows", "created", "updated", "unchanged", "stock_adjusted", "dry_run")},
    )

    rows: int = strawberry.field(description="Data rows read (blank and total lines aside).")
    created: int = strawberry.field(description="New parts.")
    updated: int = strawberry.field(description="Existing parts whose catalogue fields changed.")
    unchanged: int = strawberry.field(description="Existing parts whose fields were already so.")
    stock_adjusted: int = strawberry.field(
        description="ADJUSTMENT movements written: opening stock and stocktakes."
    )
    dry_run: bool = strawberry.field(description="Checked only: nothing was written.")


@strawberry.type(description="A column an import recognises, by any of its headers.")
class ImportColumn:
    __read__ = ReadRule(
        rows=visibility.MANAGER_ROWS, fields={ANYONE: ("field", "required", "headers")}
    )

    field: str = strawberry.field(description="The part's field (quantity: the stock wanted).")
    required: bool
    headers: list[str] = strawberry.field(
        description="Headers that name it, matched without case, spaces, underscores or a "
        "trailing unit such as (元)."
    )
