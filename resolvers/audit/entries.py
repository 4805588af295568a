"""The audit log, for administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.policy import Action
from persistence.models import AuditEntry
from persistence.queries.audit import audit_entries_listed
from resolvers.ids import decode_optional_id
from resolvers.pagination import paginate

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.audit.inputs import AuditFilter
    from schema.pagination import Connection


async def audit_log(
    ctx: Context, first: int | None, after: str | None, filter: AuditFilter | None
) -> Connection[AuditEntry]:
    policy.require(await ctx.actor(), Action.AUDIT_READ)
    if filter is None:
        stmt = audit_entries_listed()
    else:
        stmt = audit_entries_listed(
            actor_pk=decode_optional_id(filter.actor_id, "User", field="filter.actorId"),
            operation=filter.operation,
            record_id=filter.record_id,
            since=validation.optional_aware_time(filter.since, "filter.since"),
            until=validation.optional_aware_time(filter.until, "filter.until"),
        )
    return await paginate(ctx, stmt, AuditEntry.id, first=first, after=after, newest_first=True)
