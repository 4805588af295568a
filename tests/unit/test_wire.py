"""Live results encoded once for every subscriber who shares them (realtime.wire)."""

from __future__ import annotations

import json
from typing import Any

from realtime.wire import ResultEncoder


def compact(data: object) -> str:
    """What strawberry's views encode JSON with (the app passes theirs)."""
    return json.dumps(data, separators=(",", ":"))


class CountingDumps:
    def __init__(self) -> None:
        self.encoded: list[object] = []

    def __call__(self, data: object) -> str:
        self.encoded.append(data)
        return compact(data)


def message(op_id: str, data: Any, type_: str = "next", **payload: Any) -> dict[str, Any]:
    return {"id": op_id, "type": type_, "payload": {"data": data, **payload}}


def test_a_shared_result_is_encoded_once_and_each_message_keeps_its_id() -> None:
    dumps = CountingDumps()
    encoder = ResultEncoder(dumps)
    data = {"ticketEvents": {"sequence": 7, "type": "TICKET_DISPATCHED", "note": 'a "quote" é'}}
    out = [encoder.encode(message(op_id, data)) for op_id in ("1", "2", 'we"ird')]
    assert [json.loads(text) for text in out] == [
        message(op_id, data) for op_id in ("1", "2", 'we"ird')
    ]
    assert sum(1 for item in dumps.encoded if item is data) == 1


def test_legacy_protocol_data_messages_too() -> None:
    encoder = ResultEncoder(compact)
    data = {"notifications": {"kind": "DISPATCHED"}}
    text = encoder.encode(message("9", data, type_="data"))
    assert json.loads(text) == message("9", data, type_="data")


def test_results_with_errors_and_other_messages_are_encoded_as_they_are() -> None:
    dumps = CountingDumps()
    encoder = ResultEncoder(dumps)
    data = {"x": 1}
    with_errors = message("1", data, errors=[{"message": "no"}])
    assert json.loads(encoder.encode(with_errors)) == with_errors
    for other in ({"type": "ping"}, {"type": "complete", "id": "1"}, {"data": {"me": None}}):
        assert json.loads(encoder.encode(other)) == other
    assert data not in dumps.encoded  # never cached apart from its message


def test_an_equal_but_different_result_is_encoded_afresh() -> None:
    dumps = CountingDumps()
    encoder = ResultEncoder(dumps, size=2)
    first, second = {"n": 1}, {"n": 1}
    encoder.encode(message("1", first))
    encoder.encode(message("1", second))
    assert [item for item in dumps.encoded if item in (first, second)] == [first, second]


def test_only_the_latest_results_are_remembered() -> None:
    dumps = CountingDumps()
    encoder = ResultEncoder(dumps, size=2)
    results = [{"n": n} for n in range(3)]
    for data in results:
        encoder.encode(message("1", data))
    encoder.encode(message("2", results[0]))  # forgotten: encoded again
    encoder.encode(message("2", results[2]))  # remembered
    assert [item["n"] for item in dumps.encoded if item in results] == [0, 1, 2, 0]
