"""Reading a parts file exported from the Kingdee K3 ERP (or written by hand): which
column is which field, each row parsed and checked like `createPart` input, and every
bad row named by its spreadsheet row number (the header is row 1).

Pure: bytes or text in, typed rows or (row, reason) errors out. The field checks are
the catalogue's own converters (`resolvers.parts.catalogue.CONVERTERS`), handed in by the caller,
so a file row is refused exactly where the same value typed into `createPart` would be.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from domain.errors import BadUserInput
from domain.parts import stock as rules
from domain.parts.import_files import blank_row, cell_text
from domain.parts.stock import Prices

# A field's converter takes text, a Decimal or an int by the column's kind: Any in.
Converters = Mapping[str, Callable[[Any], object]]
# Cells are whatever the reader gives (str from CSV; str, numbers, dates... from XLSX).
Table = Sequence[Sequence[object]]

_T = TypeVar("_T")

# How many row errors a refusal lists (the count says how many there were in all).
MAX_ERRORS = 100
# How many errors the message itself names; the rest are in `extensions.rows`.
ERRORS_IN_MESSAGE = 3

OPENING_REASON = "opening stock (import)"
STOCKTAKE_REASON = "stocktake (import)"
DEFAULT_UNIT = "pcs"


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # as the API names it (the reasons name it too)
    attribute: str | None  # the Part column; None for the stock quantity
    kind: str  # "text", "money" or "count"
    aliases: tuple[str, ...]
    required: bool = False


# Headers as Kingdee K3 (WISE and Cloud) exports them, and in English; matched without
# case, spaces, underscores, dashes, "*" marks or a trailing unit such as "(元)".
COLUMNS: tuple[Column, ...] = (
    Column("partNumber", "part_number", "text", ("物料代码", "物料编码", "代码", "partNumber", "partNo"), required=True),
    Column("name", "name", "text", ("物料名称", "名称", "name", "partName"), required=True),
    Column("spec", "spec", "text", ("规格型号", "规格", "spec", "specification")),
    Column("unit", "unit", "text", ("计量单位", "单位", "unit", "uom")),
    Column("brand", "brand", "text", ("品牌", "brand")),
    Column("model", "model", "text", ("适用型号", "型号", "model")),
    Column("costPrice", "cost_price", "money", ("成本价", "单价", "采购单价", "costPrice", "cost")),
    Column("listPrice", "list_price", "money", ("销售单价", "销售价", "零售价", "listPrice", "salePrice", "retailPrice")),
    Column("minimumPrice", "minimum_price", "money", ("最低售价", "最低价", "minimumPrice", "minPrice")),
    Column("alarmThreshold", "alarm_threshold", "count", ("安全库存", "报警数量", "库存下限", "alarmThreshold", "threshold", "safetyStock")),
    Column("quantity", None, "count", ("库存数量", "期初数量", "数量", "quantity", "qty", "openingStock", "onHand")),
)  # fmt: skip

_UNIT_SUFFIX = re.compile(r"[(（][^()（）]*[)）]\s*$")
_IGNORED_IN_HEADERS = re.compile(r"[\s_\-*:：]+")


def normalize_header(value: object) -> str:
    """The comparable form of a header: "* 物料代码", "Part_Number", "单价(元)" → their core."""
    text = (cell_text(value) or "").replace("\ufeff", "")
    text = _UNIT_SUFFIX.sub("", text)
    return _IGNORED_IN_HEADERS.sub("", text).lower()


@dataclass(frozen=True, order=True, slots=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is 1, the first data row 2
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One good row: the part number, the catalogue fields the row gives (Part column
    names, values checked) and the stock wanted (None when the row gives none)."""

    row: int
    part_number: str
    fields: dict[str, Any]  # Part column -> value of its own type, as Part(**fields) takes
    quantity: int | None


@dataclass(frozen=True, slots=True)
class Header:
    row: int
    columns: dict[str, int]  # field -> column index
    titles: dict[str, str]  # field -> the header as written
    ignored: list[str]  # headers that are no field (Kingdee exports many)


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header: Header | None = None
    data_rows: int = 0  # rows under the header that are neither blank nor a total


# -- cells and numbers ------------------------------------------------------------


_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Thousands separators only in threes, so "12,5" (a decimal comma) is refused, not 125.
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_NOT_PART_OF_NUMBER = re.compile(r"[\s¥￥$]+")


def parse_number(value: object, field: str) -> Decimal | None:
    """A number from a cell: "1,234.50", "¥ 80", 12.5; None when blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadUserInput("is not a number", field=field)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadUserInput("is not a number", field=field)
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise BadUserInput("is not a number", field=field)
        return value
    text = _NOT_PART_OF_NUMBER.sub("", str(value))
    if not text:
        return None
    if _PLAIN_NUMBER.match(text) or _GROUPED_NUMBER.match(text):
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the patterns admit only numbers
            pass
    raise BadUserInput(f"{cell_text(value)!r} is not a number", field=field)


def parse_whole(value: object, field: str) -> int | None:
    """A whole number from a cell ("1,200", "10.000", 3.0); None when blank."""
    number = parse_number(value, field)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise BadUserInput("must be a whole number", field=field)
    if abs(number) > Decimal(10) ** 12:  # before int(): no giant integers from "1E+99999"
        raise BadUserInput("is too large", field=field)
    return int(number)


def stock_quantity(value: int, field: str = "quantity") -> int:
    """The stock a row wants: zero or more (zero empties it on a stocktake)."""
    if value < 0 or value > rules.MAX_QUANTITY:
        raise BadUserInput(f"must be between 0 and {rules.MAX_QUANTITY}", field=field)
    return value


# -- headers and rows --------------------------------------------------------------

_BY_HEADER: dict[str, Column] = {
    normalize_header(alias): column for column in COLUMNS for alias in column.aliases
}
_BY_FIELD: dict[str, Column] = {column.field: column for column in COLUMNS}
# Words of the total line Kingdee appends under the rows (see `_is_total`).
_TOTAL_WORDS = frozenset({"合计", "总计", "小计", "total"})


def column_letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA": how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_header(row_number: int, cells: Sequence[object]) -> tuple[Header, list[RowError]]:
    """Which column holds which field; errors for a missing required column or two
    columns meaning the same field."""
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        title = (cell_text(cell) or "").removeprefix("\ufeff")
        if not title:
            continue
        column = _BY_HEADER.get(normalize_header(title))
        if column is None:
            ignored.append(title)
        elif column.field in columns:
            first = columns[column.field]
            errors.append(
                RowError(
                    row_number,
                    f"columns {column_letter(first)} ({titles[column.field]}) and "
                    f"{column_letter(index)} ({title}) both mean {column.field}; keep one",
                )
            )
        else:
            columns[column.field] = index
            titles[column.field] = title
    for column in COLUMNS:
        if column.required and column.field not in columns:
            names = " / ".join(dict.fromkeys((*column.aliases[:3], column.field)))
            errors.append(RowError(row_number, f"no {column.field} column ({names})"))
    return Header(row_number, columns, titles, ignored), errors


def read_row(
    row_number: int, cells: Sequence[object], header: Header, converters: Converters
) -> tuple[ImportRow | None, list[RowError]]:
    """One data row checked field by field: the row, or every reason it is refused."""
    values: dict[str, Any] = {}
    quantity: int | None = None
    errors: list[RowError] = []
    for name, index in header.columns.items():
        column = _BY_FIELD[name]
        raw = cells[index] if index < len(cells) else None
        try:
            if column.kind == "text":
                text = cell_text(raw)
                if text is None and not column.required:
                    continue  # blank: the default for a new part, unchanged otherwise
                values[_attribute(column)] = converters[_attribute(column)](text or "")
            elif column.kind == "money":
                number = parse_number(raw, name)
                if number is not None:
                    values[_attribute(column)] = converters[_attribute(column)](number)
            else:
                count = parse_whole(raw, name)
                if count is None:
                    continue
                if column.attribute is None:
                    quantity = stock_quantity(count, name)
                else:
                    values[column.attribute] = converters[column.attribute](count)
        except BadUserInput as exc:
            errors.append(RowError(row_number, exc.message))
    if errors:
        return None, errors
    part_number = values.pop("part_number")
    return ImportRow(row_number, part_number, values, quantity), []


def _attribute(column: Column) -> str:
    assert column.attribute is not None
    return column.attribute


def parse_table(table: Table, converters: Converters, *, max_rows: int) -> ParsedFile:
    """The rows of a file (as `read_file` gives them) as good rows and row errors.

    The header is the first row with something in it; blank rows and Kingdee's total
    line are skipped; a part number given twice is an error of the later row."""
    numbered = ((number, row) for number, row in enumerate(table, start=1) if not blank_row(row))
    header_number, header_cells = next(numbered, (0, []))
    if not header_number:
        raise BadUserInput("the file is empty")
    header, errors = read_header(header_number, header_cells)
    parsed = ParsedFile(errors=errors, header=header)
    if errors:
        return parsed
    data = [(number, row) for number, row in numbered if not _is_total(row, header)]
    parsed.data_rows = len(data)
    if not data:
        raise BadUserInput("the file has no rows under its header row")
    if len(data) > max_rows:
        raise BadUserInput(
            f"the file has more than {max_rows} rows; import at most {max_rows} at once"
        )
    first_seen: dict[str, int] = {}
    for number, cells in data:
        row, row_errors = read_row(number, cells, header, converters)
        parsed.errors.extend(row_errors)
        if row is None:
            continue
        earlier = first_seen.setdefault(row.part_number, number)
        if earlier != number:
            parsed.errors.append(
                RowError(number, f"partNumber: {row.part_number} is already on row {earlier}")
            )
            continue
        parsed.rows.append(row)
    return parsed


def _is_total(row: Sequence[object], header: Header) -> bool:
    """Kingdee's total line: "合计" in some cell (often the first), no part number."""
    index = header.columns["partNumber"]
    number = normalize_header(row[index]) if index < len(row) else ""
    if number and number not in _TOTAL_WORDS:
        return False
    return any(normalize_header(cell) in _TOTAL_WORDS for cell in row)


# -- prices and refusals -------------------------------------------------------------


def new_part_fields(row: ImportRow) -> dict[str, Any]:
    """A new part's columns: what the row gives over createPart's defaults (prices 0,
    the minimum price the list price, unit "pcs", no alarm threshold)."""
    fields: dict[str, Any] = {
        "part_number": row.part_number,
        "unit": DEFAULT_UNIT,
        "spec": None,
        "brand": None,
        "model": None,
        "cost_price": Decimal("0.00"),
        "list_price": Decimal("0.00"),
        "alarm_threshold": 0,
    }
    fields.update(row.fields)
    fields.setdefault("minimum_price", fields["list_price"])
    return fields


def update_fields(row: ImportRow, current: Prices) -> dict[str, Any]:
    """What a row sets on an existing part: the fields it gives. Kingdee exports carry
    no minimum price, so where a part's minimum is its list price (no discount
    allowed) a new list price takes the minimum with it; a lower minimum set on
    purpose stays, and a list price below it is refused."""
    fields = dict(row.fields)
    if "list_price" in fields and "minimum_price" not in fields and current.minimum == current.list:
        fields["minimum_price"] = fields["list_price"]
    return fields


def prices_after(row: ImportRow, current: Prices | None) -> Prices:
    """A part's prices once the row is applied (to a new part when `current` is None)."""
    fields = new_part_fields(row) if current is None else update_fields(row, current)
    if current is None:
        return Prices(fields["cost_price"], fields["list_price"], fields["minimum_price"])
    return Prices(
        cost=fields.get("cost_price", current.cost),
        list=fields.get("list_price", current.list),
        minimum=fields.get("minimum_price", current.minimum),
    )


def check_row_prices(row: ImportRow, current: Prices | None) -> RowError | None:
    """The catalogue's price rule (minimum not above list) on the part as the row leaves
    it; an existing part keeps the prices the row does not give."""
    try:
        rules.check_prices(prices_after(row, current))
    except BadUserInput as exc:
        reason = exc.message
        if current is not None and "minimum_price" not in row.fields:
            reason += f" (the part's minimum price is {current.minimum}; give the minimum too)"
        return RowError(row.row, reason)
    return None


def stock_change(on_hand: int, wanted: int | None) -> int:
    """The adjustment that brings stock to what a row says (0: nothing to move)."""
    return 0 if wanted is None else wanted - on_hand


def refusal(errors: Iterable[RowError]) -> BadUserInput:
    """The error refusing a file: its message names the first few bad rows, its
    extensions list them (up to MAX_ERRORS) with `errorCount` for all of them."""
    ordered = sorted(errors, key=lambda error: error.row)  # a row's own stay in column order
    named = "; ".join(str(error) for error in ordered[:ERRORS_IN_MESSAGE])
    more = len(ordered) - ERRORS_IN_MESSAGE
    suffix = f"; and {more} more" if more > 0 else ""
    noun = "error" if len(ordered) == 1 else "errors"
    return BadUserInput(
        f"nothing imported, {len(ordered)} {noun}: {named}{suffix}",
        rows=[{"row": error.row, "reason": error.reason} for error in ordered[:MAX_ERRORS]],
        errorCount=len(ordered),
    )


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
