"""Reading a parts file (domain.parts.imports, domain.parts.import_files): Kingdee and English headers, numbers as
spreadsheets write them, UTF-8/GBK CSV and XLSX, every row error with its spreadsheet
row number, the catalogue's own checks, prices of new and existing parts, refusals."""

from __future__ import annotations

import codecs
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from domain.errors import BadUserInput
from domain.parts import import_files as files
from domain.parts import imports as pi
from domain.parts.import_files import FileFormat
from domain.parts.imports import ImportRow, RowError
from domain.parts.stock import MAX_QUANTITY, Prices
from resolvers.parts.catalogue import CONVERTERS

D = Decimal
DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = ["物料代码", "物料名称", "销售单价", "最低售价", "数量"]


def parse(rows: list[list[Any]], *, max_rows: int = 100) -> pi.ParsedFile:
    return pi.parse_table(rows, CONVERTERS, max_rows=max_rows)


def reasons(parsed: pi.ParsedFile) -> list[str]:
    return [str(error) for error in parsed.errors]


def one_row(header: list[str], cells: list[Any]) -> ImportRow:
    parsed = parse([header, cells])
    assert parsed.errors == [], reasons(parsed)
    assert len(parsed.rows) == 1
    return parsed.rows[0]


def row_errors(cells: dict[str, Any]) -> list[str]:
    """The errors of one data row given as {header: value}, under a part number and a
    name unless those are given."""
    cells = dict(cells)
    number, name = cells.pop("代码", "P-1"), cells.pop("名称", "Bearing")
    return reasons(parse([["代码", "名称", *cells], [number, name, *cells.values()]]))


# -- headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("物料代码", "partNumber"),
        ("物料编码", "partNumber"),
        ("代码", "partNumber"),
        ("物料名称", "name"),
        ("名称", "name"),
        ("规格型号", "spec"),
        ("规格", "spec"),
        ("计量单位", "unit"),
        ("单位", "unit"),
        ("品牌", "brand"),
        ("适用型号", "model"),
        ("型号", "model"),
        ("成本价", "costPrice"),
        ("单价", "costPrice"),
        ("采购单价", "costPrice"),
        ("销售单价", "listPrice"),
        ("销售价", "listPrice"),
        ("零售价", "listPrice"),
        ("最低售价", "minimumPrice"),
        ("最低价", "minimumPrice"),
        ("安全库存", "alarmThreshold"),
        ("报警数量", "alarmThreshold"),
        ("库存下限", "alarmThreshold"),
        ("库存数量", "quantity"),
        ("期初数量", "quantity"),
        ("数量", "quantity"),
        # English, without regard to case, spaces, underscores or dashes
        ("partNumber", "partNumber"),
        ("Part Number", "partNumber"),
        ("PART_NUMBER", "partNumber"),
        ("name", "name"),
        ("Spec", "spec"),
        ("unit", "unit"),
        ("Brand", "brand"),
        ("MODEL", "model"),
        ("cost price", "costPrice"),
        ("list-price", "listPrice"),
        ("Minimum Price", "minimumPrice"),
        ("alarm threshold", "alarmThreshold"),
        ("Quantity", "quantity"),
        # Kingdee's marks: a "*" on required columns, a unit after the title
        ("*物料代码", "partNumber"),
        ("单价(元)", "costPrice"),
        ("销售单价（元）", "listPrice"),
        (" 数 量 ", "quantity"),
        ("\ufeff物料代码", "partNumber"),
    ],
)
def test_each_header_names_its_field(title: str, field: str) -> None:
    header, _ = pi.read_header(1, [title])
    assert header.columns == {field: 0}
    assert header.titles == {field: title.strip().removeprefix("\ufeff")}


def test_a_kingdee_header_row_maps_every_column_and_ignores_the_others() -> None:
    cells = [
        "物料编码",
        "物料名称",
        "规格型号",
        "辅助属性",
        "计量单位",
        "销售单价",
        "库存数量",
        None,
    ]
    header, errors = pi.read_header(1, cells)
    assert errors == []
    assert header.columns == {
        "partNumber": 0,
        "name": 1,
        "spec": 2,
        "unit": 4,
        "listPrice": 5,
        "quantity": 6,
    }
    assert header.ignored == ["辅助属性"]


@pytest.mark.parametrize(
    ("cells", "missing"),
    [
        (["名称", "数量"], "partNumber"),
        (["物料代码", "数量"], "name"),
    ],
)
def test_a_missing_required_column_is_an_error_of_row_one(cells: list[str], missing: str) -> None:
    parsed = parse([cells, ["P-1", "x"]])
    assert parsed.rows == []
    assert len(parsed.errors) == 1
    assert parsed.errors[0].row == 1
    assert parsed.errors[0].reason.startswith(f"no {missing} column")


def test_both_required_columns_missing_are_both_reported() -> None:
    parsed = parse([["规格", "数量"], ["x", 1]])
    assert reasons(parsed) == [
        "row 1: no partNumber column (物料代码 / 物料编码 / 代码 / partNumber)",
        "row 1: no name column (物料名称 / 名称 / name)",
    ]


def test_two_columns_meaning_one_field_are_refused_by_letter() -> None:
    parsed = parse([["代码", "名称", "库存数量", "数量"], ["P-1", "x", 1, 2]])
    assert reasons(parsed) == [
        "row 1: columns C (库存数量) and D (数量) both mean quantity; keep one"
    ]
    assert parsed.rows == []


def test_the_header_is_the_first_row_with_something_in_it() -> None:
    parsed = parse([[], [None, " "], ["代码", "名称"], ["P-1", "Bearing"], [], ["P-1", ""]])
    assert parsed.header is not None and parsed.header.row == 3
    # Rows keep the numbers the spreadsheet shows: blank rows count.
    assert [row.row for row in parsed.rows] == [4]
    assert reasons(parsed) == ["row 6: name: is required"]


@pytest.mark.parametrize("index", [0, 25, 26, 51, 52, 701, 702])
def test_column_letters(index: int) -> None:
    expected = {0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"}
    assert pi.column_letter(index) == expected[index]


# -- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("35", D("35")),
        ("35.50", D("35.50")),
        (".5", D("0.5")),
        ("1,280.00", D("1280.00")),
        ("1,234,567.5", D("1234567.5")),
        ("-1,000", D("-1000")),
        (" ¥ 80 ", D("80")),
        ("￥1,050.00", D("1050.00")),
        ("$12", D("12")),
        (12, D("12")),
        (12.5, D("12.5")),
        (0.1, D("0.1")),
        (D("7.25"), D("7.25")),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_numbers_as_spreadsheets_write_them(value: Any, expected: Decimal | None) -> None:
    assert pi.parse_number(value, "listPrice") == expected


@pytest.mark.parametrize(
    "value",
    ["abc", "12,5", "1,23,456", "1,2345", "1.2.3", "1e5", "--1", "12-", True, float("nan"),
     float("inf"), D("NaN")],
)  # fmt: skip
def test_what_is_not_a_number_is_refused(value: Any) -> None:
    with pytest.raises(BadUserInput) as info:
        pi.parse_number(value, "listPrice")
    assert info.value.extensions["field"] == "listPrice"
    assert "is not a number" in info.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10", 10), ("10.000", 10), ("1,200", 1200), (3.0, 3), (7, 7), ("0", 0), (None, None)],
)
def test_whole_numbers(value: Any, expected: int | None) -> None:
    assert pi.parse_whole(value, "quantity") == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [("2.5", "must be a whole number"), (0.5, "must be a whole number"),
     ("1E+30", "'1E+30' is not a number"), ("9" * 20, "is too large")],
)  # fmt: skip
def test_whole_numbers_refused(value: Any, reason: str) -> None:
    with pytest.raises(BadUserInput) as info:
        pi.parse_whole(value, "quantity")
    assert info.value.message == f"quantity: {reason}"


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, None), ("  x ", "x"), ("", None), (1001, "1001"), (1001.0, "1001"), (1.5, "1.5")],
)
def test_cells_as_text(value: Any, text: str | None) -> None:
    assert files.cell_text(value) == text


# -- rows ----------------------------------------------------------------------------


def test_a_full_row_gives_every_field_checked() -> None:
    header = ["物料代码", "物料名称", "规格型号", "计量单位", "品牌", "适用型号", "成本价",
              "销售单价", "最低售价", "安全库存", "库存数量"]  # fmt: skip
    cells = [" K3.01.0002 ", " 主轴皮带 ", "XPZ-1250", "条", "Gates", "LX-200", "1,280",
             "2,150.00", "1,900.5", "2", "1,008"]  # fmt: skip
    row = one_row(header, cells)
    assert row == ImportRow(
        row=2,
        part_number="K3.01.0002",
        fields={
            "name": "主轴皮带",
            "spec": "XPZ-1250",
            "unit": "条",
            "brand": "Gates",
            "model": "LX-200",
            "cost_price": D("1280.00"),
            "list_price": D("2150.00"),
            "minimum_price": D("1900.50"),
            "alarm_threshold": 2,
        },
        quantity=1008,
    )


def test_blank_cells_are_not_given() -> None:
    header = ["代码", "名称", "规格", "单位", "成本价", "安全库存", "数量"]
    row = one_row(header, ["P-1", "Bearing", "", None, " ", "", ""])
    assert row.fields == {"name": "Bearing"}
    assert row.quantity is None


def test_a_short_row_leaves_the_missing_cells_blank() -> None:
    row = one_row(["代码", "名称", "销售单价", "数量"], ["P-1", "Bearing"])
    assert row.fields == {"name": "Bearing"}
    assert row.quantity is None


def test_a_zero_quantity_is_given() -> None:
    assert one_row(["代码", "名称", "数量"], ["P-1", "x", "0"]).quantity == 0


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"代码": ""}, "partNumber: is required"),
        ({"代码": None}, "partNumber: is required"),
        ({"代码": "has space"}, "partNumber: may hold only letters, digits and . _ - / (starting with a letter or digit)"),
        ({"代码": "-P1"}, "partNumber: may hold only letters, digits and . _ - / (starting with a letter or digit)"),
        ({"代码": "轴承"}, "partNumber: may hold only letters, digits and . _ - / (starting with a letter or digit)"),
        ({"代码": "P" * 51}, "partNumber: must be at most 50 characters"),
        ({"名称": " "}, "name: is required"),
        ({"名称": "x" * 201}, "name: must be at most 200 characters"),
        ({"规格": "x" * 201}, "spec: must be at most 200 characters"),
        ({"单位": "x" * 21}, "unit: must be at most 20 characters"),
        ({"品牌": "x" * 101}, "brand: must be at most 100 characters"),
        ({"型号": "x" * 101}, "model: must be at most 100 characters"),
        ({"成本价": "-1"}, "costPrice: must be zero or more"),
        ({"成本价": "cheap"}, "costPrice: 'cheap' is not a number"),
        ({"销售单价": "-0.01"}, "listPrice: must be zero or more"),
        ({"销售单价": "12,5"}, "listPrice: '12,5' is not a number"),
        ({"销售单价": "10,000,000,000"}, "listPrice: must be at most 9999999999.99"),
        ({"最低售价": "-5"}, "minimumPrice: must be zero or more"),
        ({"安全库存": "-1"}, "alarmThreshold: must be between 0 and 1000000"),
        ({"安全库存": "1,000,001"}, "alarmThreshold: must be between 0 and 1000000"),
        ({"安全库存": "1.5"}, "alarmThreshold: must be a whole number"),
        ({"数量": "-3"}, f"quantity: must be between 0 and {MAX_QUANTITY}"),
        ({"数量": str(MAX_QUANTITY + 1)}, f"quantity: must be between 0 and {MAX_QUANTITY}"),
        ({"数量": "2.5"}, "quantity: must be a whole number"),
        ({"数量": "many"}, "quantity: 'many' is not a number"),
    ],
)  # fmt: skip
def test_every_row_error_names_the_row_and_the_field(cells: dict[str, Any], reason: str) -> None:
    assert row_errors(cells) == [f"row 2: {reason}"]


def test_the_row_checks_are_the_catalogue_converters() -> None:
    """A file row is refused with the very words createPart's converters use."""
    with pytest.raises(BadUserInput) as info:
        CONVERTERS["list_price"](D("-1"))
    assert row_errors({"销售单价": "-1"}) == [f"row 2: {info.value.message}"]
    with pytest.raises(BadUserInput) as info:
        CONVERTERS["alarm_threshold"](-1)
    assert row_errors({"安全库存": "-1"}) == [f"row 2: {info.value.message}"]


def test_every_error_of_a_row_is_reported_in_column_order() -> None:
    header = ["代码", "名称", "成本价", "数量"]
    parsed = parse([header, ["P 1", "", "x", "-1"]])
    assert reasons(parsed) == [
        "row 2: partNumber: may hold only letters, digits and . _ - / (starting with a letter or digit)",
        "row 2: name: is required",
        "row 2: costPrice: 'x' is not a number",
        "row 2: quantity: must be between 0 and 1000000",
    ]
    assert parsed.rows == []


def test_a_part_number_given_twice_is_an_error_of_the_later_row() -> None:
    parsed = parse([["代码", "名称"], ["P-1", "a"], ["P-2", "b"], ["P-1", "c"], ["P-1", "d"]])
    assert [row.part_number for row in parsed.rows] == ["P-1", "P-2"]
    assert reasons(parsed) == [
        "row 4: partNumber: P-1 is already on row 2",
        "row 5: partNumber: P-1 is already on row 2",
    ]


def test_good_rows_are_kept_beside_bad_ones_and_rows_are_counted() -> None:
    parsed = parse([HEADER, ["P-1", "a", "1", "", "1"], ["P-2", "", "1", "", ""], ["P-3", "c"]])
    assert [row.part_number for row in parsed.rows] == ["P-1", "P-3"]
    assert reasons(parsed) == ["row 3: name: is required"]
    assert parsed.data_rows == 3


@pytest.mark.parametrize(
    "total",
    [
        ["合计", "", "", "", "128"],
        ["", "合计", "", "", "128"],
        [None, None, None, "总计", 128],
        ["Total", None, None, None, 9],
    ],
)
def test_kingdee_total_lines_are_skipped(total: list[Any]) -> None:
    parsed = parse([HEADER, ["P-1", "a", "1", "", "1"], total])
    assert parsed.errors == []
    assert [row.part_number for row in parsed.rows] == ["P-1"]
    assert parsed.data_rows == 1


def test_a_part_named_like_a_total_is_no_total() -> None:
    parsed = parse([HEADER, ["P-1", "合计", "1", "", "1"]])
    assert [row.fields["name"] for row in parsed.rows] == ["合计"]


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(BadUserInput, match="empty"):
        parse([])
    with pytest.raises(BadUserInput, match="empty"):
        parse([[None, ""], []])


def test_a_header_without_rows_is_refused() -> None:
    with pytest.raises(BadUserInput, match="no rows under its header"):
        parse([HEADER, [], ["", None]])


def test_more_rows_than_allowed_are_refused() -> None:
    rows = [HEADER] + [[f"P-{i}", "x"] for i in range(6)]
    assert len(parse(rows, max_rows=6).rows) == 6
    with pytest.raises(BadUserInput, match="more than 5 rows"):
        parse(rows, max_rows=5)


# -- files ---------------------------------------------------------------------------


def test_the_utf8_sample_with_a_bom_reads_as_kingdee_writes_it() -> None:
    data = (DATA / "kingdee_parts_utf8bom.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    parsed = parse(files.read_file(data, max_rows=100))
    assert parsed.errors == []
    assert parsed.header is not None and parsed.header.ignored == ["备注"]
    belt = parsed.rows[1]
    assert (belt.row, belt.part_number, belt.fields["name"]) == (3, "K3.01.0002", "主轴皮带")
    assert belt.fields["cost_price"] == D("1280.00")
    assert belt.fields["list_price"] == D("2150.00")
    assert [row.quantity for row in parsed.rows] == [120, 8, 0, 1500]
    assert "minimum_price" not in parsed.rows[2].fields  # blank: the default applies


def test_the_gbk_sample_reads_and_its_total_line_is_skipped() -> None:
    data = (DATA / "kingdee_parts_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = parse(files.read_file(data, max_rows=100))
    assert parsed.errors == []
    assert [row.part_number for row in parsed.rows] == ["K3.05.0001", "K3.05.0002", "K3.06.0001"]
    assert parsed.rows[0].fields["name"] == "冷却泵"
    assert parsed.rows[0].fields["cost_price"] == D("1050.00")  # 单价
    assert parsed.rows[0].fields["list_price"] == D("1680.00")  # 零售价
    assert [row.quantity for row in parsed.rows] == [3, 25, None]
    assert parsed.data_rows == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(encoding: str) -> None:
    text = "物料代码,物料名称,数量\r\nP-1,深沟球轴承,5\r\n"
    rows = files.read_file(text.encode(encoding), max_rows=10)
    assert rows == [["物料代码", "物料名称", "数量"], ["P-1", "深沟球轴承", "5"]]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiters_are_found_on_the_first_line(delimiter: str) -> None:
    text = delimiter.join(["代码", "名称", "销售单价"]) + "\nP-1" + delimiter + "a" + delimiter
    text += '"1,200.00"\n'
    rows = files.read_csv(text, max_rows=10)
    assert rows[1] == ["P-1", "a", "1,200.00"]


def test_a_quoted_cell_over_two_lines_is_one_row() -> None:
    rows = files.read_csv('代码,名称\nP-1,"two\nlines"\nP-2,b\n', max_rows=10)
    parsed = parse(rows)
    assert [(row.row, row.fields["name"]) for row in parsed.rows] == [(2, "two\nlines"), (3, "b")]


def test_bytes_that_are_no_text_are_refused() -> None:
    with pytest.raises(BadUserInput, match="neither UTF-8 nor GBK"):
        files.read_file(b"\x81\x20\xff\xfe\x00abc", max_rows=10, format=FileFormat.CSV)


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_workbook_reads_with_its_typed_cells_and_row_numbers() -> None:
    data = xlsx(
        [
            ["物料代码", "物料名称", "销售单价", "最低售价", "数量"],
            ["K3.01.0001", "轴承", 35, 30.5, 120],
            [],  # a blank row: still row 3 in the spreadsheet
            [10086, "数字代码", "1,280.00", None, 8.0],
            ["K3.01.0003", "坏行", -1, None, 1.5],
        ]
    )
    assert files.sniff_format(data) is FileFormat.XLSX
    parsed = parse(files.read_file(data, max_rows=10))
    assert [(row.row, row.part_number, row.quantity) for row in parsed.rows] == [
        (2, "K3.01.0001", 120),
        (4, "10086", 8),
    ]
    assert parsed.rows[0].fields["minimum_price"] == D("30.50")
    assert parsed.rows[1].fields["list_price"] == D("1280.00")
    assert reasons(parsed) == [
        "row 5: listPrice: must be zero or more",
        "row 5: quantity: must be a whole number",
    ]


def test_an_xlsx_read_stops_past_the_row_limit() -> None:
    data = xlsx([["代码", "名称"]] + [[f"P-{i}", "x"] for i in range(50)])
    rows = files.read_xlsx(data, max_rows=10)
    assert len(rows) == 12  # the header, the 10 allowed and one more to refuse on
    with pytest.raises(BadUserInput, match="more than 10 rows"):
        parse(rows, max_rows=10)


def test_a_far_away_row_keeps_its_number_and_costs_no_padding() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["代码", "名称", "数量"])
    for column, value in enumerate(["P-far", "far away", 3], start=1):
        workbook.active.cell(row=200_000, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = files.read_xlsx(buffer.getvalue(), max_rows=10)
    assert len(rows) == 200_000
    assert sum(1 for row in rows if row) == 2  # the blank ones are kept as () only
    parsed = parse(rows)
    assert [(row.row, row.part_number, row.quantity) for row in parsed.rows] == [
        (200_000, "P-far", 3)
    ]


def test_a_file_longer_than_a_spreadsheet_is_refused() -> None:
    with pytest.raises(BadUserInput, match="more than 1048576 rows, blank ones included"):
        files.read_csv("代码,名称\n" + "\n" * files.MAX_LINES, max_rows=10)


def test_what_is_no_xlsx_is_refused() -> None:
    with pytest.raises(BadUserInput, match=r"not an \.xlsx workbook"):
        files.read_xlsx(b"code,name\n", max_rows=10)
    with pytest.raises(BadUserInput, match=r"not a readable \.xlsx"):
        files.read_xlsx(b"PK\x03\x04 this is no zip", max_rows=10)


def test_an_xlsx_unpacking_to_too_much_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    data = xlsx([["代码", "名称"], ["P-1", "x"]])
    monkeypatch.setattr(files, "MAX_XLSX_UNPACKED", 1000)
    with pytest.raises(BadUserInput, match="unpacks to too much"):
        files.read_xlsx(data, max_rows=10)


def test_an_old_xls_workbook_is_refused_with_the_way_out() -> None:
    old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    with pytest.raises(BadUserInput, match=r"old Excel \.xls.*\.xlsx or CSV"):
        files.read_file(old, max_rows=10)


# -- prices, stock, refusals ----------------------------------------------------------


def test_a_new_part_gets_createparts_defaults() -> None:
    row = ImportRow(2, "P-1", {"name": "x", "list_price": D("50.00")}, None)
    assert pi.new_part_fields(row) == {
        "part_number": "P-1",
        "name": "x",
        "unit": "pcs",
        "spec": None,
        "brand": None,
        "model": None,
        "cost_price": D("0.00"),
        "list_price": D("50.00"),
        "minimum_price": D("50.00"),  # the list price
        "alarm_threshold": 0,
    }


def test_a_new_part_minimum_above_its_list_price_is_a_row_error() -> None:
    row = ImportRow(7, "P-1", {"name": "x", "minimum_price": D("10.00")}, None)
    error = pi.check_row_prices(row, None)  # the list price defaults to 0
    assert error == RowError(7, "minimumPrice: must not be above the list price")
    row = ImportRow(7, "P-1", {"name": "x", "list_price": D("10"), "minimum_price": D("10")}, 1)
    assert pi.check_row_prices(row, None) is None


CURRENT = Prices(cost=D("60.00"), list=D("100.00"), minimum=D("80.00"))


def test_an_existing_part_keeps_the_prices_the_row_does_not_give() -> None:
    row = ImportRow(3, "P-1", {"name": "x", "cost_price": D("65.00")}, None)
    assert pi.prices_after(row, CURRENT) == Prices(D("65.00"), D("100.00"), D("80.00"))
    assert pi.check_row_prices(row, CURRENT) is None


def test_a_list_price_under_the_parts_minimum_names_the_minimum() -> None:
    row = ImportRow(3, "P-1", {"name": "x", "list_price": D("70.00")}, None)
    error = pi.check_row_prices(row, CURRENT)
    assert error is not None and error.row == 3
    assert error.reason.startswith("minimumPrice: must not be above the list price")
    assert "80.00" in error.reason
    lowered = ImportRow(3, "P-1", {"list_price": D("70"), "minimum_price": D("60")}, None)
    assert pi.check_row_prices(lowered, CURRENT) is None


NO_DISCOUNT = Prices(cost=D("60.00"), list=D("100.00"), minimum=D("100.00"))


@pytest.mark.parametrize("new_list", ["70.00", "130.00"])
def test_a_minimum_equal_to_the_list_price_follows_a_new_list_price(new_list: str) -> None:
    row = ImportRow(3, "P-1", {"list_price": D(new_list)}, None)
    assert pi.update_fields(row, NO_DISCOUNT) == {
        "list_price": D(new_list),
        "minimum_price": D(new_list),
    }
    assert pi.prices_after(row, NO_DISCOUNT) == Prices(D("60.00"), D(new_list), D(new_list))
    assert pi.check_row_prices(row, NO_DISCOUNT) is None


def test_a_minimum_set_apart_from_the_list_price_stays() -> None:
    raised = ImportRow(3, "P-1", {"list_price": D("130")}, None)
    assert pi.update_fields(raised, CURRENT) == {"list_price": D("130")}
    assert pi.prices_after(raised, CURRENT).minimum == D("80.00")
    given = ImportRow(3, "P-1", {"list_price": D("70"), "minimum_price": D("50")}, None)
    assert pi.update_fields(given, NO_DISCOUNT)["minimum_price"] == D("50")


@pytest.mark.parametrize(
    ("on_hand", "wanted", "change"),
    [(10, None, 0), (10, 10, 0), (10, 4, -6), (0, 7, 7), (3, 0, -3)],
)
def test_the_stock_change_brings_stock_to_the_rows_quantity(
    on_hand: int, wanted: int | None, change: int
) -> None:
    assert pi.stock_change(on_hand, wanted) == change


def test_a_refusal_names_the_first_rows_and_lists_them_all() -> None:
    errors = [
        RowError(9, "name: is required"),
        RowError(2, "b"),
        RowError(2, "a"),
        RowError(5, "c"),
    ]
    refusal = pi.refusal(errors)
    assert refusal.code == "BAD_USER_INPUT"
    assert refusal.message == "nothing imported, 4 errors: row 2: b; row 2: a; row 5: c; and 1 more"
    assert refusal.extensions == {
        "rows": [
            {"row": 2, "reason": "b"},
            {"row": 2, "reason": "a"},
            {"row": 5, "reason": "c"},
            {"row": 9, "reason": "name: is required"},
        ],
        "errorCount": 4,
    }


def test_a_refusal_of_one_row() -> None:
    refusal = pi.refusal([RowError(7, "listPrice: must be zero or more")])
    assert refusal.message == "nothing imported, 1 error: row 7: listPrice: must be zero or more"


def test_a_refusal_lists_at_most_a_hundred_rows_and_counts_them_all() -> None:
    refusal = pi.refusal([RowError(n, "bad") for n in range(2, 302)])
    assert len(refusal.extensions["rows"]) == pi.MAX_ERRORS == 100
    assert refusal.extensions["errorCount"] == 300
    assert refusal.message.endswith("; and 297 more")
