"""Root fields of imports (merged into the Query and Mutation roots)."""

from __future__ import annotations

from dataclasses import asdict

import strawberry

from domain.parts.import_files import FileFormat
from resolvers.context import Info
from resolvers.parts import imports as part_import
from schema.parts.import_types import ImportColumn, ImportFormat, ImportResult


@strawberry.type
class ImportQueries:
    @strawberry.field(description="The columns `importParts` reads, for a template or a hint.")
    async def import_columns(self, info: Info) -> list[ImportColumn]:
        return [
            ImportColumn(field=column.field, required=column.required, headers=list(column.aliases))
            for column in await part_import.import_columns(info.context)
        ]


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description="Parts and opening stock from an ERP export (Kingdee K3 headers in "
        "Chinese, or English), at most 2,000 rows and 2 MB: new part numbers create parts "
        "with their stock, known ones are updated and counted to the quantity given. All "
        "rows or none: any bad row is a BAD_USER_INPUT error whose `extensions.rows` lists "
        "every bad row as {row, reason} (the header is row 1). ADMIN and BACK_OFFICE."
    )
    async def import_parts(
        self,
        info: Info,
        content: str,
        format: ImportFormat | None = ImportFormat.CSV,
        dry_run: bool | None = False,
    ) -> ImportResult:
        # Both optional arguments take an explicit null as their default.
        summary = await part_import.import_content(
            info.context, content, format or FileFormat.CSV, bool(dry_run)
        )
        return ImportResult(**asdict(summary))
