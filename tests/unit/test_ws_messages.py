"""What a client may send on each websocket protocol (realtime.ws_messages)."""

from __future__ import annotations

import pytest

from realtime.sockets import decode_message
from realtime.ws_messages import LEGACY_WS, MAX_ID_LENGTH, TRANSPORT_WS, problem_with

QUERY = {"query": "{ me { id } }"}


@pytest.mark.parametrize(
    "message",
    [
        {"type": "connection_init"},
        {"type": "connection_init", "payload": None},
        {"type": "connection_init", "payload": {"Authorization": "Bearer x"}},
        {"type": "ping"},
        {"type": "ping", "payload": {"at": 1}},
        {"type": "pong", "payload": None},
        {"type": "subscribe", "id": "1", "payload": QUERY},
        {
            "type": "subscribe",
            "id": "a-b",
            "payload": {
                "query": "query Q($n: Int) { me { id } }",
                "variables": {"n": 1},
                "operationName": "Q",
                "extensions": {},
            },
        },
        {"type": "subscribe", "id": "1", "payload": {**QUERY, "variables": None}},
        {"type": "complete", "id": "1"},
    ],
)
def test_transport_ws_accepts_the_protocols_messages(message: dict[str, object]) -> None:
    assert problem_with(message, TRANSPORT_WS) is None


@pytest.mark.parametrize(
    "message",
    [
        {"type": "connection_init", "payload": {}},
        {"type": "connection_init"},
        {"type": "start", "id": "1", "payload": QUERY},
        {"type": "stop", "id": "1"},
        {"type": "connection_terminate"},
    ],
)
def test_legacy_ws_accepts_the_protocols_messages(message: dict[str, object]) -> None:
    assert problem_with(message, LEGACY_WS) is None


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([1, 2, 3], "A message must be a JSON object"),
        ("ping", "A message must be a JSON object"),
        (None, "A message must be a JSON object"),
        ({}, "A message must have a string type"),
        ({"type": None}, "A message must have a string type"),
        ({"type": ["ping"]}, "A message must have a string type"),
        ({"type": "bogus"}, "Unknown message type: bogus"),
        ({"type": "x" * 500}, "Unknown message type: " + "x" * 40),
        ({"type": "start", "id": "1", "payload": QUERY}, "Unknown message type: start"),
        ({"type": "connection_init", "payload": 5}, "payload must be an object"),
        ({"type": "connection_init", "payload": []}, "payload must be an object"),
        ({"type": "ping", "payload": "x"}, "payload must be an object"),
        ({"type": "subscribe", "id": "1", "payload": None}, "payload must be an object"),
        ({"type": "subscribe", "id": "1"}, "payload must be an object"),
        ({"type": "subscribe", "id": "1", "payload": {"query": 5}}, "query must be a string"),
        ({"type": "subscribe", "id": "1", "payload": {}}, "query must be a string"),
        (
            {"type": "subscribe", "id": "1", "payload": {**QUERY, "variables": [1]}},
            "variables must be an object",
        ),
        (
            {"type": "subscribe", "id": "1", "payload": {**QUERY, "extensions": "x"}},
            "extensions must be an object",
        ),
        (
            {"type": "subscribe", "id": "1", "payload": {**QUERY, "operationName": 5}},
            "operationName must be a string",
        ),
        ({"type": "subscribe", "payload": QUERY}, "id must be a non-empty string"),
        ({"type": "subscribe", "id": 5, "payload": QUERY}, "id must be a non-empty string"),
        ({"type": "subscribe", "id": "", "payload": QUERY}, "id must be a non-empty string"),
        (
            {"type": "subscribe", "id": "x" * (MAX_ID_LENGTH + 1), "payload": QUERY},
            f"id must be at most {MAX_ID_LENGTH} characters",
        ),
        ({"type": "complete"}, "id must be a non-empty string"),
    ],
)
def test_transport_ws_refuses(message: object, reason: str) -> None:
    problem = problem_with(message, TRANSPORT_WS)
    assert problem is not None and problem.endswith(reason), problem


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"type": "subscribe", "id": "1", "payload": QUERY}, "Unknown message type: subscribe"),
        ({"type": "ping"}, "Unknown message type: ping"),
        ({"type": "start", "id": "1", "payload": None}, "payload must be an object"),
        ({"type": "start", "id": "1", "payload": {"query": 5}}, "query must be a string"),
        ({"type": "start", "payload": QUERY}, "id must be a non-empty string"),
        ({"type": "stop"}, "id must be a non-empty string"),
        ({"type": "connection_init", "payload": "x"}, "payload must be an object"),
    ],
)
def test_legacy_ws_refuses(message: object, reason: str) -> None:
    problem = problem_with(message, LEGACY_WS)
    assert problem is not None and problem.endswith(reason), problem


def test_a_refusal_names_the_message_type() -> None:
    problem = problem_with({"type": "subscribe", "id": "1", "payload": None}, TRANSPORT_WS)
    assert problem == "Invalid subscribe message: payload must be an object"


def test_decode_message() -> None:
    assert decode_message('{"type": "ping"}', 32) == ({"type": "ping"}, None)
    assert decode_message("not json", 32) == (None, "WebSocket message must be valid JSON")
    assert decode_message("[" * 40 + "]" * 40, 32)[1] == (
        "WebSocket message nests deeper than 32 levels"
    )
    # Past the interpreter's recursion limit json.loads raises RecursionError: refused too.
    assert decode_message("[" * 100_000 + "]" * 100_000, 32)[1] == (
        "WebSocket message nests deeper than 32 levels"
    )
    assert decode_message("[" * 32 + "]" * 32, 32)[1] is None
