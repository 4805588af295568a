"""The audit log: every change, who made it, from where and when."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import ID

from domain.access import (
    ANYONE,
)
from resolvers import visibility
from resolvers.ids import encode_id
from schema.accounts.types import User
from schema.relations import relation
from schema.rules import ReadRule


@strawberry.type
class AuditEntry:
    __read__ = ReadRule(
        rows=visibility.ADMIN_ROWS,
        fields={ANYONE: ("id", "at", "ip", "operation", "record_ids", "actor")},
    )

    @strawberry.field
    def id(self) -> ID:
        return ID(encode_id("AuditEntry", self.id))

    at: datetime
    ip: str | None
    operation: str
    record_ids: list[str]

    actor: User | None = relation("user", key="actor_id")
