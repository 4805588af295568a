"""Inputs of the audit log."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.input
class AuditFilter:
    actor_id: strawberry.ID | None = None
    operation: str | None = None
    record_id: strawberry.ID | None = strawberry.field(
        default=None, description="Entries that touched this record."
    )
    since: datetime | None = None
    until: datetime | None = None
