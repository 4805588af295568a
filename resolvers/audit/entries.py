"""The audit log, for administrators."""

from __future__ import annotations

from sqlalchemy import String, cast, select

from domain import policy
from domain.policy import Action
from persistence.models import AuditEntry
from persistence.queries.common import escape_like
from resolvers.ids import decode_id
from resolvers.pagination import paginate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schema.pagination import Connection
    from schema.audit.inputs import AuditFilter
    from resolvers.context import Context


async def audit_log(
    ctx: Context, first: int | None, after: str | None, filter: AuditFilter | None
) -> Connection[AuditEntry]:
    policy.require(await ctx.actor(), Action.AUDIT_READ)
    stmt = select(AuditEntry)
    if filter is not None:
        if filter.actor_id is not None:
            actor_pk = decode_id(filter.actor_id, "User", field="filter.actorId")
            stmt = stmt.where(AuditEntry.actor_id == actor_pk)
        if filter.operation:
            stmt = stmt.where(AuditEntry.operation == filter.operation.strip())
        if filter.record_id:
            # Record ids are stored as a JSON list of global ids: match the quoted element.
            pattern = f'%"{escape_like(filter.record_id.strip())}"%'
            stmt = stmt.where(cast(AuditEntry.record_ids, String).like(pattern, escape="\\"))
        if filter.since is not None:
            stmt = stmt.where(AuditEntry.at >= filter.since)
        if filter.until is not None:
            stmt = stmt.where(AuditEntry.at < filter.until)
    async with ctx.read() as session:
        return await paginate(
            session,
            stmt,
            AuditEntry.id,
            first=first,
            after=after,
            settings=ctx.settings,
            newest_first=True,
        )
