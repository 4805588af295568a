"""Importing parts and opening stock from an ERP export: the one application service
behind `aftersales import-parts` and the `importParts` mutation.

The whole file is one unit of work audited once as "importParts": every row is checked
first (the file's own checks, then the prices of the parts that already exist), and
only a file without a single bad row is applied. A new part number creates the part
and gives it its opening stock; a known one updates the catalogue fields the row gives
and, when the row gives a quantity, is counted to it (a stocktake). Stock moves only
through `resolvers.stock.move`, as ADJUSTMENT movements.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from domain import policy
from domain.errors import BadUserInput
from domain.parts import import_files
from domain.parts import imports as reader
from domain.parts.import_files import FileFormat
from domain.parts.imports import ImportRow, RowError
from domain.parts.stock import MovementKind
from domain.policy import Action
from persistence.models import Part
from persistence.queries import parts as part_rows
from resolvers.ids import encode_id
from resolvers.parts.catalogue import CONVERTERS, prices_of
from resolvers.parts.stock import lock_parts, move, sync_alarm

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractAsyncContextManager

    from domain.roles import Actor
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context

OPERATION = "importParts"
# Rows per file: the command line takes a whole catalogue, the API a small file.
MAX_ROWS_CLI = 20_000
MAX_ROWS_API = 2_000
# Characters of the mutation's `content` (CSV text or base64 of an .xlsx).
MAX_CONTENT = 2 * 1024 * 1024
# Part numbers per IN (...) list: well under every driver's bound-parameter limit.
_CHUNK = 500


class Writer(Protocol):
    """What opens the import's unit of work: the request `Context`, or the command
    line's own (same signature as `Context.write`)."""

    def write(
        self, operation: str, *, actor: Actor | None
    ) -> AbstractAsyncContextManager[UnitOfWork]: ...


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int  # data rows read
    created: int  # new parts
    updated: int  # existing parts whose catalogue fields changed
    unchanged: int  # existing parts the row left as they were (stock aside)
    stock_adjusted: int  # movements written (opening stock and stocktakes)
    dry_run: bool = False


class _DryRunDone(Exception):
    """Leaves a dry run's unit of work so that it rolls back, carrying its summary."""

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


async def import_parts(
    writer: Writer,
    actor: Actor,
    table: reader.Table,
    *,
    max_rows: int,
    dry_run: bool = False,
    source: str | None = None,
) -> ImportSummary:
    """Applies the file's rows (as `domain.parts.import_files.read_file` gives them) or none of
    them: any bad row raises BAD_USER_INPUT listing every bad row, nothing written."""
    policy.require(actor, Action.PART_MANAGE)
    parsed = reader.parse_table(table, CONVERTERS, max_rows=max_rows)
    errors: list[RowError] = list(parsed.errors)
    try:
        async with writer.write(OPERATION, actor=actor) as work:
            existing = await _lock_existing(work, [row.part_number for row in parsed.rows])
            for row in parsed.rows:
                current = existing.get(row.part_number)
                error = reader.check_row_prices(row, prices_of(current) if current else None)
                if error is not None:
                    errors.append(error)
            if errors:
                raise reader.refusal(errors)
            summary = await _apply(work, parsed.rows, existing, parsed.data_rows, dry_run)
            work.detail = {
                "rows": summary.rows,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "stockAdjusted": summary.stock_adjusted,
            }
            if source:
                work.detail["source"] = source[:200]
            if dry_run:
                raise _DryRunDone(summary)
    except _DryRunDone as done:
        return done.summary
    return summary


async def import_content(
    ctx: Context, content: str, format: FileFormat, dry_run: bool = False
) -> ImportSummary:
    """The mutation: `content` is the CSV text, or the .xlsx file in base64."""
    actor = await ctx.actor()
    policy.require(actor, Action.PART_MANAGE)
    if len(content) > MAX_CONTENT:
        raise BadUserInput(
            f"must be at most {MAX_CONTENT} characters; import bigger files with "
            "`aftersales import-parts`",
            field="content",
        )
    if format is FileFormat.XLSX:
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise BadUserInput(
                "is not base64 (an XLSX file is sent in base64)", field="content"
            ) from None
        table = import_files.read_xlsx(data, max_rows=MAX_ROWS_API)
    else:
        table = import_files.read_csv(content, max_rows=MAX_ROWS_API)
    return await import_parts(ctx, actor, table, max_rows=MAX_ROWS_API, dry_run=dry_run)


async def import_columns(ctx: Context) -> tuple[reader.Column, ...]:
    policy.require(await ctx.actor(), Action.PART_MANAGE)
    return reader.COLUMNS


async def _lock_existing(work: UnitOfWork, numbers: Sequence[str]) -> dict[str, Part]:
    """The live parts carrying these numbers, locked in id order (as `lock_parts` does
    for every stock operation), by part number."""
    ids: list[int] = []
    for chunk in reader.chunks(numbers, _CHUNK):
        ids.extend(await part_rows.live_part_ids_numbered(work.session, chunk))
    locked: dict[int, Part] = {}
    for chunk in reader.chunks(sorted(ids), _CHUNK):
        locked.update(await lock_parts(work, chunk, field="partNumber"))
    return {part.part_number: part for part in locked.values()}


async def _apply(
    work: UnitOfWork,
    rows: list[ImportRow],
    existing: dict[str, Part],
    data_rows: int,
    dry_run: bool,
) -> ImportSummary:
    created: list[tuple[ImportRow, Part]] = []
    updated = unchanged = adjusted = 0
    # Settling alarms queries notifications per part; the pending rows of this import
    # play no part in those queries, so they are flushed once, not before each query.
    with work.session.no_autoflush:
        for row in rows:
            part = existing.get(row.part_number)
            if part is None:
                part = Part(**reader.new_part_fields(row), on_hand=0)
                work.session.add(part)
                created.append((row, part))
                continue
            if await _update(work, part, row):
                updated += 1
            else:
                unchanged += 1
            change = reader.stock_change(part.on_hand, row.quantity)
            if change:
                await move(
                    work,
                    part,
                    MovementKind.ADJUSTMENT,
                    warehouse=change,
                    reason=reader.STOCKTAKE_REASON,
                )
                adjusted += 1
    await work.session.flush()  # the new parts' ids, for their movements
    with work.session.no_autoflush:
        for row, part in created:
            work.touched(encode_id("Part", part.id))
            if row.quantity:
                await move(
                    work,
                    part,
                    MovementKind.ADJUSTMENT,
                    warehouse=row.quantity,
                    reason=reader.OPENING_REASON,
                )
                adjusted += 1
    return ImportSummary(
        rows=data_rows,
        created=len(created),
        updated=updated,
        unchanged=unchanged,
        stock_adjusted=adjusted,
        dry_run=dry_run,
    )


async def _update(work: UnitOfWork, part: Part, row: ImportRow) -> bool:
    """Sets the catalogue fields the row gives; whether any changed."""
    fields = reader.update_fields(row, prices_of(part))
    changes = {name: value for name, value in fields.items() if getattr(part, name) != value}
    if not changes:
        return False
    threshold_before = part.alarm_threshold
    for name, value in changes.items():
        setattr(part, name, value)
    work.touched(encode_id("Part", part.id))
    # A new threshold may raise or clear the alarm without any stock moving.
    await sync_alarm(work, part, part.on_hand, threshold_before)
    return True
