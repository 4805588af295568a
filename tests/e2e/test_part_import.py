"""Importing parts and opening stock from a Kingdee K3 export, end to end on both
backends: through the `importParts` mutation (CSV text and base64 XLSX) and through
`aftersales import-parts` run against the server's database. New parts come with
their opening stock as ADJUSTMENT movements, known ones are updated and counted to the
file's quantity, a file with one bad row writes nothing at all (no part, no movement,
no audit entry) and names every bad row by its spreadsheet row number."""

from __future__ import annotations

import base64
import csv
import io
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from . import parts_helpers as ph
from . import ticket_helpers as th
from .client import Server, assert_error, assert_ok, run_cli, unique_name
from .ticket_helpers import TicketWorld

BAD, FORBIDDEN = "BAD_USER_INPUT", "FORBIDDEN"
DATA = Path(__file__).resolve().parents[1] / "data"
OPENING, STOCKTAKE = "opening stock (import)", "stocktake (import)"

IMPORT = """
mutation M($content: String!, $format: ImportFormat, $dryRun: Boolean) {
  importParts(content: $content, format: $format, dryRun: $dryRun) {
    rows created updated unchanged stockAdjusted dryRun
  }
}"""
AUDIT = """
query Q($filter: AuditFilter) {
  auditLog(first: 100, filter: $filter) { nodes { operation recordIds actor { id } } }
}"""
KINGDEE = ["物料编码", "物料名称", "规格型号", "计量单位", "品牌", "成本价", "销售单价", "最低售价",
           "安全库存", "库存数量"]  # fmt: skip


@pytest.fixture(scope="module")
def world(server: Server) -> TicketWorld:
    return TicketWorld.build(server)


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def prefix() -> str:
    """A part-number prefix of this test alone (the database is shared)."""
    return unique_name("IMP").upper()


def csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def xlsx_base64(rows: list[list[Any]]) -> str:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def run_import(
    server: Server,
    content: str,
    token: str | None = None,
    *,
    format: str | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    variables: dict[str, Any] = {"content": content, "format": format, "dryRun": dry_run}
    return server.gql(IMPORT, variables, token or server.admin_token)


def imported(server: Server, content: str, **kwargs: Any) -> dict[str, Any]:
    return assert_ok(run_import(server, content, **kwargs))["importParts"]


def find(server: Server, number: str) -> dict[str, Any] | None:
    """The live part with this exact number, with its movements (None when there is none)."""
    nodes = ph.list_parts(server, None, search=number)["nodes"]
    matches = [node for node in nodes if node["partNumber"] == number]
    assert len(matches) <= 1
    return ph.get_part(server, None, matches[0]["id"]) if matches else None


def movements(part: dict[str, Any]) -> list[tuple[str, int, int, str | None]]:
    """(kind, quantity, on hand after, reason), oldest first."""
    nodes = reversed(part["movements"]["nodes"])
    return [(m["kind"], m["quantity"], m["onHandAfter"], m["reason"]) for m in nodes]


def audit_entries(server: Server, **filter: Any) -> list[dict[str, Any]]:
    filter.setdefault("operation", "importParts")
    return server.admin(AUDIT, {"filter": filter})["auditLog"]["nodes"]


def rows_of(error: dict[str, Any]) -> list[tuple[int, str]]:
    return [(item["row"], item["reason"]) for item in error["extensions"]["rows"]]


# -- GraphQL: a first import --------------------------------------------------------------


def test_a_csv_import_creates_parts_with_their_opening_stock(server: Server) -> None:
    p = prefix()
    content = "\ufeff" + csv_text(
        [
            KINGDEE,
            [f"{p}.01", "深沟球轴承", "6204-2RS", "个", "SKF", "18.50", "35", "30", "10", "120"],
            [f"{p}.02", "主轴皮带", "XPZ-1250", "条", "", "1,280.00", "2,150.00", "", "2", "1,008"],
            [f"{p}.03", "液压油滤芯", "", "", "", "", "", "", "", "0"],
            [f"{p}.04", "保险丝", "", "", "", "", "8", "", "", ""],
        ]
    )
    result = imported(server, content)
    assert result == {
        "rows": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "stockAdjusted": 2,
        "dryRun": False,
    }

    bearing = find(server, f"{p}.01")
    assert bearing is not None
    assert (bearing["name"], bearing["spec"], bearing["unit"], bearing["brand"]) == (
        "深沟球轴承",
        "6204-2RS",
        "个",
        "SKF",
    )
    assert [money(bearing[k]) for k in ("costPrice", "listPrice", "minimumPrice")] == [
        Decimal("18.50"),
        Decimal("35.00"),
        Decimal("30.00"),
    ]
    assert (bearing["alarmThreshold"], bearing["onHand"], bearing["belowAlarm"]) == (10, 120, False)
    assert movements(bearing) == [("ADJUSTMENT", 120, 120, OPENING)]
    assert bearing["movements"]["nodes"][0]["actor"]["id"] == server.admin_id

    belt = find(server, f"{p}.02")
    assert belt is not None
    assert money(belt["costPrice"]) == Decimal("1280.00")  # thousands separators
    assert money(belt["minimumPrice"]) == money(belt["listPrice"]) == Decimal("2150.00")
    assert movements(belt) == [("ADJUSTMENT", 1008, 1008, OPENING)]

    # createPart's defaults; no movement for no stock.
    for number, list_price in ((f"{p}.03", "0.00"), (f"{p}.04", "8.00")):
        part = find(server, number)
        assert part is not None
        assert (part["unit"], part["onHand"], part["alarmThreshold"]) == ("pcs", 0, 0)
        assert money(part["costPrice"]) == Decimal("0.00")
        assert money(part["minimumPrice"]) == money(part["listPrice"]) == Decimal(list_price)
        assert movements(part) == []


def test_an_import_is_one_audit_entry_naming_its_parts(server: Server, world: TicketWorld) -> None:
    p = prefix()
    content = csv_text([["代码", "名称", "数量"], [f"{p}.1", "a", "3"], [f"{p}.2", "b", ""]])
    imported(server, content, token=world.back_office.token)
    ids = [find(server, f"{p}.{n}")["id"] for n in (1, 2)]  # type: ignore[index]
    for part_id in ids:
        [entry] = audit_entries(server, recordId=part_id)
        assert entry["actor"]["id"] == world.back_office.id
        assert sorted(entry["recordIds"]) == sorted(ids)
        # No audit entry of its own for the movement: it is part of the import.
        assert audit_entries(server, recordId=part_id, operation="adjustStock") == []


def test_the_gbk_and_utf8_samples_import_as_text(server: Server) -> None:
    p = prefix()
    for sample, count in (("kingdee_parts_utf8bom.csv", 4), ("kingdee_parts_gbk.csv", 3)):
        raw = (DATA / sample).read_bytes()
        text = raw.decode("utf-8-sig" if sample.endswith("utf8bom.csv") else "gbk")
        result = imported(server, text.replace("K3.", f"{p}."))
        assert (result["rows"], result["created"]) == (count, count)
    pump = find(server, f"{p}.05.0001")
    assert pump is not None and (pump["name"], pump["onHand"]) == ("冷却泵", 3)
    assert money(pump["costPrice"]) == Decimal("1050.00")


# -- GraphQL: importing again ----------------------------------------------------------------


def test_a_reimport_updates_the_catalogue_and_takes_stock(server: Server) -> None:
    p = prefix()
    header = ["代码", "名称", "销售单价", "安全库存", "数量"]
    first = imported(
        server,
        csv_text(
            [
                header,
                [f"{p}.A", "Bearing", "100", "2", "10"],
                [f"{p}.B", "Belt", "50", "", "5"],
                [f"{p}.C", "Filter", "20", "", "3"],
                [f"{p}.D", "Fuse", "1", "", ""],
            ]
        ),
    )
    assert (first["created"], first["stockAdjusted"]) == (4, 3)

    again = imported(
        server,
        csv_text(
            [
                header,
                [f"{p}.A", "Bearing 6204", "100", "2", "7"],  # renamed; 3 fewer
                [f"{p}.B", "Belt", "50", "", "5"],  # as it was
                [f"{p}.C", "Filter", "25", "", ""],  # new price; stock not given
                [f"{p}.D", "Fuse", "1", "", "4"],  # counted: 4 found
                [f"{p}.E", "Gasket", "3", "", "6"],  # new
            ]
        ),
    )
    assert again == {
        "rows": 5,
        "created": 1,
        "updated": 2,
        "unchanged": 2,
        "stockAdjusted": 3,
        "dryRun": False,
    }
    a, b, c, d, e = (find(server, f"{p}.{x}") for x in "ABCDE")
    assert a is not None and b is not None and c is not None and d is not None and e is not None
    assert (a["name"], a["onHand"]) == ("Bearing 6204", 7)
    assert movements(a) == [("ADJUSTMENT", 10, 10, OPENING), ("ADJUSTMENT", -3, 7, STOCKTAKE)]
    assert movements(b) == [("ADJUSTMENT", 5, 5, OPENING)]  # equal: no movement
    assert (money(c["listPrice"]), c["onHand"]) == (Decimal("25.00"), 3)
    # Created without a minimum (so at the list price, no discount): it follows the list.
    assert money(c["minimumPrice"]) == Decimal("25.00")
    assert movements(c) == [("ADJUSTMENT", 3, 3, OPENING)]
    assert movements(d) == [("ADJUSTMENT", 4, 4, STOCKTAKE)]
    assert movements(e) == [("ADJUSTMENT", 6, 6, OPENING)]


def test_a_stocktake_down_to_zero_and_to_the_threshold_raises_the_alarm(
    server: Server, world: TicketWorld
) -> None:
    part = ph.stock_part(server, 9, alarmThreshold=2)
    content = csv_text([["代码", "名称", "数量"], [part["partNumber"], part["name"], "2"]])
    assert imported(server, content)["stockAdjusted"] == 1
    alarms = [
        n
        for n in th.notifications(server, world.back_office.token, first=20)
        if n["kind"] == "STOCK_ALARM" and part["partNumber"] in n["message"]
    ]
    assert len(alarms) == 1
    content = csv_text([["代码", "名称", "数量"], [part["partNumber"], part["name"], "0"]])
    assert imported(server, content)["stockAdjusted"] == 1
    after = find(server, part["partNumber"])
    assert after is not None and (after["onHand"], after["belowAlarm"]) == (0, True)
    assert [m[1] for m in movements(after)] == [9, -7, -2]


def test_a_deleted_parts_number_makes_a_new_part(server: Server) -> None:
    old = ph.stock_part(server, 4)
    server.admin("mutation M($id: ID!) { deletePart(id: $id) { id } }", {"id": old["id"]})
    content = csv_text([["代码", "名称", "数量"], [old["partNumber"], "Reborn", "1"]])
    assert imported(server, content)["created"] == 1
    new = find(server, old["partNumber"])
    assert new is not None and new["id"] != old["id"]
    assert (new["name"], new["onHand"]) == ("Reborn", 1)


# -- GraphQL: all or nothing -----------------------------------------------------------------


def test_one_bad_row_among_good_ones_imports_nothing(server: Server) -> None:
    existing = ph.stock_part(server, 5)
    importer = server.make_user("BACK_OFFICE")
    p = prefix()
    content = csv_text(
        [
            ["物料代码", "物料名称", "销售单价", "库存数量"],
            [f"{p}.1", "Good one", "10", "3"],  # row 2
            [existing["partNumber"], "Renamed", "100", "9"],  # row 3: would update and count
            [],  # row 4: blank, skipped but counted
            [f"{p}.2", "Good two", "", "1"],  # row 5
            [f"{p}.3", "Bad price", "-1", "1"],  # row 6
            [f"{p}.4", "Good three", "1", "1"],  # row 7
            [f"{p}.1", "Again", "1", "1"],  # row 8: duplicate of row 2
        ]
    )
    error = assert_error(run_import(server, content, importer.token), BAD)
    assert rows_of(error) == [
        (6, "listPrice: must be zero or more"),
        (8, f"partNumber: {p}.1 is already on row 2"),
    ]
    assert error["extensions"]["errorCount"] == 2
    assert "row 6: listPrice: must be zero or more" in error["message"]
    assert "row 8" in error["message"]

    for n in range(1, 5):
        assert find(server, f"{p}.{n}") is None
    untouched = find(server, existing["partNumber"])
    assert untouched is not None
    assert (untouched["name"], untouched["onHand"]) == (existing["name"], 5)
    assert len(movements(untouched)) == 1
    assert audit_entries(server, actorId=importer.id) == []


def test_a_row_leaving_an_existing_part_under_its_minimum_price_is_a_row_error(
    server: Server,
) -> None:
    part = ph.create_part(server)  # list 100, minimum 80
    p = prefix()
    content = csv_text(
        [
            ["代码", "名称", "零售价", "最低价"],
            [f"{p}.1", "fine", "5", ""],
            [part["partNumber"], part["name"], "70", ""],
            [f"{p}.2", "minimum over list", "5", "6"],
        ]
    )
    error = assert_error(run_import(server, content), BAD)
    [(row, reason), (row2, reason2)] = rows_of(error)
    assert row == 3 and reason.startswith("minimumPrice: must not be above the list price")
    assert "80.00" in reason
    assert (row2, reason2) == (4, "minimumPrice: must not be above the list price")
    assert find(server, f"{p}.1") is None
    assert money(find(server, part["partNumber"])["listPrice"]) == Decimal("100.00")  # type: ignore[index]
    # With the minimum given too, the same row goes through.
    content = csv_text(
        [["代码", "名称", "零售价", "最低价"], [part["partNumber"], "x", "70", "60"]]
    )
    assert imported(server, content)["updated"] == 1


def test_a_part_without_discount_keeps_its_minimum_at_a_new_list_price(server: Server) -> None:
    part = ph.create_part(server, listPrice="100", minimumPrice=None)  # minimum = list
    content = csv_text([["代码", "名称", "零售价"], [part["partNumber"], part["name"], "70"]])
    assert imported(server, content)["updated"] == 1
    found = find(server, part["partNumber"])
    assert found is not None
    assert (money(found["listPrice"]), money(found["minimumPrice"])) == (
        Decimal("70.00"),
        Decimal("70.00"),
    )


def test_a_file_without_a_required_column_is_refused_at_row_one(server: Server) -> None:
    error = assert_error(run_import(server, csv_text([["名称", "数量"], ["a", "1"]])), BAD)
    assert rows_of(error) == [(1, "no partNumber column (物料代码 / 物料编码 / 代码 / partNumber)")]


def test_many_bad_rows_are_listed_up_to_a_hundred(server: Server) -> None:
    p = prefix()
    rows = [["代码", "名称", "数量"]] + [[f"{p}.{n}", "", "1"] for n in range(150)]
    error = assert_error(run_import(server, csv_text(rows)), BAD)
    assert error["extensions"]["errorCount"] == 150
    listed = rows_of(error)
    assert len(listed) == 100
    assert listed[0] == (2, "name: is required") and listed[-1][0] == 101
    assert find(server, f"{p}.0") is None


# -- GraphQL: XLSX, dry runs, limits ---------------------------------------------------------


def test_an_xlsx_import(server: Server) -> None:
    p = prefix()
    content = xlsx_base64(
        [
            ["物料代码", "物料名称", "销售单价", "最低售价", "安全库存", "数量"],
            [f"{p}.1", "轴承", 35, 30.5, 2, 12],
            [f"{p}.2", "皮带", "1,280.00", None, None, 8.0],
        ]
    )
    result = imported(server, content, format="XLSX")
    assert (result["created"], result["stockAdjusted"]) == (2, 2)
    one, two = find(server, f"{p}.1"), find(server, f"{p}.2")
    assert one is not None and two is not None
    assert (money(one["minimumPrice"]), one["onHand"]) == (Decimal("30.50"), 12)
    assert (money(two["listPrice"]), two["onHand"]) == (Decimal("1280.00"), 8)
    assert movements(two) == [("ADJUSTMENT", 8, 8, OPENING)]


def test_a_bad_xlsx_row_is_named_by_its_sheet_row(server: Server) -> None:
    p = prefix()
    content = xlsx_base64(
        [
            ["代码", "名称", "数量"],
            [f"{p}.1", "a", 1],
            [None, None, None],
            [f"{p}.2", "b", 2.5],
        ]
    )
    error = assert_error(run_import(server, content, format="XLSX"), BAD)
    assert rows_of(error) == [(4, "quantity: must be a whole number")]
    assert find(server, f"{p}.1") is None


@pytest.mark.parametrize(
    ("content", "field"),
    [("not base64 at all!", "content"), (base64.b64encode(b"code,name\n").decode(), "file")],
)
def test_xlsx_content_must_be_a_base64_workbook(server: Server, content: str, field: str) -> None:
    assert_error(run_import(server, content, format="XLSX"), BAD, field=field)


def test_a_dry_run_reports_and_writes_nothing(server: Server, world: TicketWorld) -> None:
    existing = ph.stock_part(server, 5)
    p = prefix()
    content = csv_text(
        [["代码", "名称", "数量"], [f"{p}.1", "new", "3"], [existing["partNumber"], "renamed", "2"]]
    )
    result = imported(server, content, token=world.back_office.token, dry_run=True)
    assert result == {
        "rows": 2,
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "stockAdjusted": 2,
        "dryRun": True,
    }
    assert find(server, f"{p}.1") is None
    after = find(server, existing["partNumber"])
    assert after is not None and (after["name"], after["onHand"]) == (existing["name"], 5)
    assert audit_entries(server, recordId=existing["id"]) == []


def test_more_rows_than_the_api_takes_are_refused(server: Server) -> None:
    p = prefix()
    rows = [["代码", "名称"]] + [[f"{p}.{n}", "x"] for n in range(2001)]
    error = assert_error(run_import(server, csv_text(rows)), BAD)
    assert "more than 2000 rows" in error["message"]
    assert find(server, f"{p}.0") is None


def test_content_over_two_megabytes_is_refused(server: Server) -> None:
    content = "代码,名称\n" + "x" * (2 * 1024 * 1024)
    assert_error(run_import(server, content), BAD, field="content")


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"), ("代码,名称\r\n\r\n", "no rows under its header")],
)
def test_empty_files_are_refused(server: Server, content: str, message: str) -> None:
    assert message in assert_error(run_import(server, content), BAD)["message"]


# -- GraphQL: who may import ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["dispatcher", "engineer", "customer_user", "agent_user"])
def test_only_admin_and_back_office_import(server: Server, world: TicketWorld, who: str) -> None:
    p = prefix()
    content = csv_text([["代码", "名称", "数量"], [f"{p}.1", "x", "1"]])
    assert_error(run_import(server, content, getattr(world, who).token), FORBIDDEN)
    assert find(server, f"{p}.1") is None
    assert imported(server, content, token=world.back_office.token)["created"] == 1


def test_the_columns_an_import_reads_are_listed_for_importers(
    server: Server, world: TicketWorld
) -> None:
    query = "{ importColumns { field required headers } }"
    columns = assert_ok(server.gql(query, None, world.back_office.token))["importColumns"]
    by_field = {column["field"]: column for column in columns}
    assert [c["field"] for c in columns if c["required"]] == ["partNumber", "name"]
    assert {"物料代码", "物料编码", "代码"} <= set(by_field["partNumber"]["headers"])
    assert "期初数量" in by_field["quantity"]["headers"]
    assert_error(server.gql(query, None, world.engineer.token), FORBIDDEN)


def test_an_anonymous_import_is_refused(server: Server) -> None:
    response = server.gql(IMPORT, {"content": "代码,名称\nP,x\n"})
    assert_error(response, "UNAUTHENTICATED")


# -- the command line, on the server's database ---------------------------------------------


def cli(server: Server, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("import-parts", *args, env=server.env, cwd=tmp_path)


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def sample(tmp_path: Path, name: str, p: str) -> Path:
    """A sample export with this test's part numbers, in the sample's own encoding."""
    encoding = "gbk" if "gbk" in name else "utf-8-sig"
    text = (DATA / name).read_bytes().decode(encoding).replace("K3.", f"{p}.")
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_the_cli_imports_a_gbk_export_then_takes_stock_from_a_utf8_one(
    server: Server, tmp_path: Path
) -> None:
    p = prefix()
    done = cli(server, tmp_path, str(sample(tmp_path, "kingdee_parts_gbk.csv", p)), "--as",
               server.admin_username)  # fmt: skip
    assert done.returncode == 0, output(done)
    assert "imported 3 rows" in done.stdout and "3 parts created" in done.stdout
    pump = find(server, f"{p}.05.0001")
    assert pump is not None and (pump["name"], pump["onHand"]) == ("冷却泵", 3)
    assert movements(pump) == [("ADJUSTMENT", 3, 3, OPENING)]
    assert pump["movements"]["nodes"][0]["actor"]["id"] == server.admin_id
    [entry] = audit_entries(server, recordId=pump["id"])
    assert entry["actor"]["id"] == server.admin_id

    # A second export: its own parts, and a stocktake of one of the first file's.
    path = sample(tmp_path, "kingdee_parts_utf8bom.csv", p)
    with path.open("a", encoding="utf-8", newline="") as extra:
        extra.write(f"{p}.05.0001,冷却泵,,,,,,,,,,\r\n{p}.05.0002,接近开关,,,,,,,,,7,\r\n")
    done = cli(server, tmp_path, str(path), "--as", server.admin_username)
    assert done.returncode == 0, output(done)
    assert "4 parts created, 0 updated, 2 unchanged, 4 stock adjustments" in done.stdout
    switch = find(server, f"{p}.05.0002")
    assert switch is not None
    assert movements(switch) == [("ADJUSTMENT", 25, 25, OPENING), ("ADJUSTMENT", -18, 7, STOCKTAKE)]


def test_the_cli_imports_an_xlsx_file(server: Server, tmp_path: Path) -> None:
    p = prefix()
    path = tmp_path / "parts.xlsx"
    path.write_bytes(base64.b64decode(xlsx_base64([["代码", "名称", "数量"], [f"{p}.1", "x", 4]])))
    done = cli(server, tmp_path, str(path), "--as", server.admin_username)
    assert done.returncode == 0, output(done)
    part = find(server, f"{p}.1")
    assert part is not None and part["onHand"] == 4


def test_the_cli_lists_bad_rows_and_writes_nothing(server: Server, tmp_path: Path) -> None:
    p = prefix()
    path = tmp_path / "bad.csv"
    path.write_text(
        csv_text(
            [
                ["代码", "名称", "成本价", "数量"],
                [f"{p}.1", "good", "1", "5"],
                [f"{p}.2", "", "1", "5"],
                [f"{p}.3", "bad cost", "abc", "5"],
            ]
        ),
        encoding="utf-8",
    )
    done = cli(server, tmp_path, str(path), "--as", server.admin_username)
    assert done.returncode == 1, output(done)
    assert "Traceback" not in output(done)
    assert "row 3: name: is required" in done.stderr
    assert "row 4: costPrice: 'abc' is not a number" in done.stderr
    assert "nothing imported" in done.stderr
    assert find(server, f"{p}.1") is None


def test_a_cli_dry_run_writes_nothing(server: Server, tmp_path: Path) -> None:
    p = prefix()
    path = sample(tmp_path, "kingdee_parts_utf8bom.csv", p)
    done = cli(server, tmp_path, str(path), "--as", server.admin_username, "--dry-run")
    assert done.returncode == 0, output(done)
    assert "dry run" in done.stdout and "4 parts created" in done.stdout
    assert find(server, f"{p}.01.0001") is None


def test_the_cli_acts_only_as_an_admin_or_back_office_user(
    server: Server, world: TicketWorld, tmp_path: Path
) -> None:
    p = prefix()
    path = sample(tmp_path, "kingdee_parts_gbk.csv", p)
    for username, words in (
        (world.dispatcher.username, "may not"),
        (unique_name("nobody"), "no enabled user"),
    ):
        done = cli(server, tmp_path, str(path), "--as", username)
        assert done.returncode != 0, output(done)
        assert words in done.stderr and "Traceback" not in output(done)
    assert find(server, f"{p}.05.0001") is None
    done = cli(server, tmp_path, str(path), "--as", world.back_office.username)
    assert done.returncode == 0, output(done)
    assert find(server, f"{p}.05.0001") is not None


# -- found on the way ------------------------------------------------------------------------


def test_a_null_variable_for_a_non_null_argument_is_bad_user_input(server: Server) -> None:
    query = """
    query Q($u: Boolean) { myNotifications(unhandledOnly: $u) { totalCount } }"""
    assert_error(server.gql(query, {"u": None}, server.admin_token), BAD)
