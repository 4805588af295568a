"""Clauses every area's queries share: logical deletion and text search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_


def live_only(stmt: Select[Any], model: Any, include_deleted: bool) -> Select[Any]:
    return stmt if include_deleted else stmt.where(model.deleted_at.is_(None))


def search_clause(term: str | None, *columns: Any) -> Any | None:
    """Case-insensitive substring match on any of the columns."""
    if term is None or not term.strip():
        return None
    pattern = f"%{escape_like(term.strip().lower())}%"
    return or_(*(col.ilike(pattern, escape="\\") for col in columns))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
