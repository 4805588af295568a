"""What a client may send on each websocket protocol, checked before strawberry's
handlers see a message: they index into it (`message["payload"]["query"]`) and raise on
anything else, which closed the socket with 1006 and logged a traceback, or passed a
non-string query on to fail as INTERNAL_SERVER_ERROR. A message that breaks these
rules closes the socket with 4400 and the reason returned here.

graphql-transport-ws: https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
graphql-ws (legacy): https://github.com/apollographql/subscriptions-transport-ws/blob/master/PROTOCOL.md
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

# The longest operation id accepted: ids are echoed in every message of the operation.
MAX_ID_LENGTH = 256

_Check = Callable[[Mapping[str, object]], str | None]


def _optional_object(message: Mapping[str, object]) -> str | None:
    # connection_init, ping, pong: payload is optional, an object or null.
    payload = message.get("payload")
    if payload is not None and not isinstance(payload, dict):
        return "payload must be an object"
    return None


def _operation_id(message: Mapping[str, object]) -> str | None:
    op_id = message.get("id")
    if not isinstance(op_id, str) or not op_id:
        return "id must be a non-empty string"
    if len(op_id) > MAX_ID_LENGTH:
        return f"id must be at most {MAX_ID_LENGTH} characters"
    return None


def _request(message: Mapping[str, object]) -> str | None:
    # subscribe (graphql-transport-ws) and start (graphql-ws): an id and a GraphQL request.
    if problem := _operation_id(message):
        return problem
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return "payload must be an object"
    if not isinstance(payload.get("query"), str):
        return "payload.query must be a string"
    for name in ("variables", "extensions"):
        if payload.get(name) is not None and not isinstance(payload[name], dict):
            return f"payload.{name} must be an object"
    name = payload.get("operationName")
    if name is not None and not isinstance(name, str):
        return "payload.operationName must be a string"
    return None


def _nothing(_message: Mapping[str, object]) -> str | None:
    return None


TRANSPORT_WS: dict[str, _Check] = {
    "connection_init": _optional_object,
    "ping": _optional_object,
    "pong": _optional_object,
    "subscribe": _request,
    "complete": _operation_id,
}

LEGACY_WS: dict[str, _Check] = {
    "connection_init": _optional_object,
    "start": _request,
    "stop": _operation_id,
    "connection_terminate": _nothing,
}


def problem_with(message: object, rules: Mapping[str, _Check]) -> str | None:
    """Why `message` (decoded JSON) is not a message of the protocol `rules`, or None."""
    if not isinstance(message, dict):
        return "A message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message must have a string type"
    check = rules.get(kind)
    if check is None:
        return f"Unknown message type: {kind[:40]}"
    problem = check(message)
    return f"Invalid {kind} message: {problem}" if problem else None
