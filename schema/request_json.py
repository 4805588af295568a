"""A GraphQL request body as JSON, refused (HTTP 400) when it is not UTF-8 or nests too
deep: the JSON parser recurses once per level, and 100,000 nested arrays would raise
RecursionError out of the view as a 500. What is within the interpreter's reach is
parsed, then measured without recursion against MAX_JSON_DEPTH (`variables` included:
graphql-core's coercion of a deeply nested value recurses too)."""

from __future__ import annotations

import json

from cross_web import HTTPException


def parse_request_json(data: str | bytes, max_depth: int) -> object:
    """The decoded body; HTTPException(400) if it is not UTF-8 JSON within `max_depth`.

    A body that is not JSON at all raises json.JSONDecodeError, which the view answers
    with its own 400."""
    if isinstance(data, bytes | bytearray):
        try:
            # JSON over HTTP is UTF-8 (RFC 8259); json.loads would guess UTF-16/32 too.
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not valid UTF-8") from None
    try:
        parsed: object = json.loads(data)
    except RecursionError:
        raise HTTPException(400, _too_deep(max_depth)) from None
    if json_depth_over(parsed, max_depth):
        raise HTTPException(400, _too_deep(max_depth))
    return parsed


def json_depth_over(value: object, limit: int) -> bool:
    """True if arrays and objects nest more than `limit` levels (a scalar is level 0)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] | None = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            children = None
        if children is not None:
            if depth + 1 > limit:
                return True
            stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(limit: int) -> str:
    return f"The request body nests deeper than {limit} levels"
