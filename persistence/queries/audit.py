"""Audit log queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, select

from persistence.models import AuditEntry
from persistence.queries.common import escape_like


def audit_entries_listed(
    *,
    actor_pk: int | None = None,
    operation: str | None = None,
    record_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    """Audit entries, filtered; `record_id`: a global id the entry touched."""
    stmt = select(AuditEntry)
    if actor_pk is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_pk)
    if operation:
        stmt = stmt.where(AuditEntry.operation == operation.strip())
    if record_id:
        # Record ids are stored as a JSON list of global ids: match the quoted element.
        pattern = f'%"{escape_like(record_id.strip())}"%'
        stmt = stmt.where(cast(AuditEntry.record_ids, String).like(pattern, escape="\\"))
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt
