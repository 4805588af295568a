"""Root fields of audit (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry

from resolvers.audit import entries as audit
from resolvers.context import Info
from schema.audit.inputs import AuditFilter
from schema.audit.types import AuditEntry
from schema.pagination import Connection


@strawberry.type
class AuditQueries:
    @strawberry.field(description="Every change, newest first (ADMIN only).")
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AuditFilter | None = None,
    ) -> Connection[AuditEntry]:
        return await audit.audit_log(info.context, first, after, filter)
