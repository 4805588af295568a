"""A record as it was at an event: the current row with some fields as they were then."""

from __future__ import annotations

from typing import Any


class AsOf:
    """Reads like the wrapped row, except for the fields given (e.g. status, version)."""

    __slots__ = ("_fields", "_row")

    def __init__(self, row: Any, **fields: Any) -> None:
        self._row = row
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        return getattr(object.__getattribute__(self, "_row"), name)


def ticket_as_of(row: Any, snapshot: dict[str, Any]) -> AsOf:
    return AsOf(
        row,
        status=snapshot.get("status", row.status),
        version=snapshot.get("version", row.version),
        assignee_id=snapshot.get("assigneeId", row.assignee_id),
    )


def present(record: Any) -> Any:
    """The record as it is now: what read rules decide on (an `AsOf` shows the past)."""
    if type(record) is AsOf:
        return object.__getattribute__(record, "_row")
    return record
