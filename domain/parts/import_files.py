"""Reading a parts file: CSV (UTF-8 or GBK, as Kingdee K3 exports it) or .xlsx, into
rows of cells, bounded in rows, columns and unpacked size. What the rows mean is
domain.parts.imports's business.

Pure: bytes or text in, rows of cells out (or BAD_USER_INPUT naming the file).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from enum import StrEnum

from domain.errors import BadUserInput

# Columns read per row: Kingdee exports carry a few dozen; a guard against junk sheets.
MAX_COLUMNS = 200
# Rows of a file, blank ones included: as many as a spreadsheet can hold.
MAX_LINES = 1_048_576
# Bytes an .xlsx may unpack to (20,000 rows of a Kingdee export unpack to a few MB).
MAX_XLSX_UNPACKED = 256 * 1024 * 1024


class FileFormat(StrEnum):
    CSV = "CSV"
    XLSX = "XLSX"


# -- reading files ----------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def sniff_format(data: bytes) -> FileFormat:
    if data.startswith(_ZIP_MAGIC):
        return FileFormat.XLSX
    if data.startswith(_OLE_MAGIC):
        raise BadUserInput(
            "is an old Excel .xls workbook: save it as .xlsx or CSV first", field="file"
        )
    return FileFormat.CSV


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without a BOM), UTF-16 with a BOM, else GBK
    (read as GB18030, its superset), which Kingdee writes on Chinese Windows."""
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadUserInput("is neither UTF-8 nor GBK text", field="file")


def read_csv(text: str, *, max_rows: int) -> list[Sequence[object]]:
    """The rows of CSV text (comma, semicolon or tab separated, as the first line
    says); stops reading a little past `max_rows` rows with something in them."""
    text = text.removeprefix("\ufeff")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _capped((row[:MAX_COLUMNS] for row in reader), max_rows)
    except csv.Error as exc:
        raise BadUserInput(f"is not readable CSV ({exc})", field="file") from None


def read_xlsx(data: bytes, *, max_rows: int) -> list[Sequence[object]]:
    """The rows of the first sheet of an .xlsx workbook (cached values, not formulas)."""
    import openpyxl  # only an XLSX import pays for loading it

    if not data.startswith(_ZIP_MAGIC):
        sniff_format(data)  # names an old .xls
        raise BadUserInput("is not an .xlsx workbook", field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile reads no more than a member's declared size: this bounds the unpacking.
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            raise BadUserInput("unpacks to too much data for a parts list", field="file")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError):
        # openpyxl reports a damaged or foreign zip in many ways; each means the same.
        raise BadUserInput("is not a readable .xlsx workbook", field="file") from None
    try:
        if not workbook.worksheets:
            raise BadUserInput("has no sheet", field="file")
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        return _capped(rows, max_rows)
    finally:
        workbook.close()


def read_file(
    data: bytes, *, max_rows: int, format: FileFormat | None = None
) -> list[Sequence[object]]:
    """A file's rows, its format told or found by its first bytes."""
    format = format or sniff_format(data)
    if format is FileFormat.XLSX:
        return read_xlsx(data, max_rows=max_rows)
    return read_csv(decode_text(data), max_rows=max_rows)


def _capped(rows: Iterable[Sequence[object]], max_rows: int) -> list[Sequence[object]]:
    """The rows, read until more than `max_rows` + a header have something in them:
    enough for `parse_table` to refuse the file without reading all of a huge one.
    Blank rows are kept as () only, to keep the numbering: a sheet whose one cell sits
    at row 1,048,576 costs a list of references, not a million rows of cells."""
    kept: list[Sequence[object]] = []
    filled = 0
    for row in rows:
        if len(kept) >= MAX_LINES:
            raise BadUserInput(f"has more than {MAX_LINES} rows, blank ones included", field="file")
        if blank_row(row):
            kept.append(())
            continue
        kept.append(list(row))
        filled += 1
        if filled > max_rows + 1:
            break
    return kept


def cell_text(value: object) -> str | None:
    """A cell as trimmed text (None when blank); integral numbers without ".0"."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = str(value).upper()
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def blank_row(row: Sequence[object]) -> bool:
    if row.count(None) == len(row):  # the fast way past a sheet's padding rows
        return True
    return all(cell_text(cell) is None for cell in row)
