"""Agents (resellers): staff manage them, an AGENT user sees only its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import NotFound
from domain.policy import Action
from persistence.models import Agent, Contact, Region
from persistence.queries.directory import agents_listed, region_and_descendants
from resolvers.directory.contacts import new_contacts
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.pagination import paginate
from resolvers.records import (
    apply_changes,
    changed_fields,
    get_for_update,
    live_reference,
    required,
    set_deleted,
)
from schema.directory.inputs import AgentFilter, AgentInput, AgentPatch

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.pagination import Connection


async def existing_region(session: AsyncSession, region_pk: int | None) -> int | None:
    return await live_reference(session, Region, region_pk, "regionId")


async def agents(
    ctx: Context, first: int | None, after: str | None, filter: AgentFilter | None
) -> Connection[Agent]:
    actor = await ctx.actor()
    policy.require(actor, Action.AGENT_READ)
    filter = filter or AgentFilter()
    region_pks: list[int] | None = None
    if filter.region_id is not None:
        region_pk = decode_id(filter.region_id, "Region", field="filter.regionId")
        async with ctx.read() as session:
            region_pks = await region_and_descendants(session, region_pk)
    stmt = agents_listed(
        actor,
        include_deleted=filter.include_deleted,
        search=validation.search_term(filter.search),
        region_pks=region_pks,
    )
    return await paginate(ctx, stmt, Agent.id, first=first, after=after)


async def agent(ctx: Context, agent_id: str) -> Agent:
    actor = await ctx.actor()
    policy.require(actor, Action.AGENT_READ)
    row = await ctx.loaders.agent.load(decode_id(agent_id, "Agent"))
    if row is None:
        raise NotFound("agent not found")
    return row  # whether the reader sees it: the Agent type's read rule


async def create_agent(ctx: Context, data: AgentInput) -> Agent:
    actor = await ctx.actor()
    policy.require(actor, Action.AGENT_MANAGE)
    row = Agent(
        name=validation.text(data.name, "name"),
        level=validation.optional_text(data.level, "level", max_length=50),
        phone=validation.phone(data.phone),
        email=validation.email(data.email),
        address=validation.optional_text(data.address, "address", max_length=300),
    )
    contacts = new_contacts(data.contacts)
    region_pk = decode_optional_id(data.region_id, "Region", field="regionId")
    async with ctx.write("createAgent", actor=actor) as work:
        row.region_id = await existing_region(work.session, region_pk)
        work.session.add(row)
        await work.session.flush()
        for contact in contacts:
            contact.agent_id = row.id
        work.session.add_all(contacts)
        work.touched(encode_id("Agent", row.id))
    return row


async def update_agent(ctx: Context, agent_id: str, patch: AgentPatch) -> Agent:
    actor = await ctx.actor()
    policy.require(actor, Action.AGENT_MANAGE)
    changes = changed_fields(patch)
    async with ctx.write("updateAgent", actor=actor) as work:
        row = await get_for_update(work.session, Agent, decode_id(agent_id, "Agent"), "agent")
        if "region_id" in changes:
            region_pk = decode_optional_id(changes["region_id"], "Region", field="regionId")
            changes["region_id"] = await existing_region(work.session, region_pk)
        apply_changes(
            row,
            changes,
            {
                "name": required(lambda v: validation.text(v, "name"), "name"),
                "level": lambda v: validation.optional_text(v, "level", max_length=50),
                "phone": validation.phone,
                "email": validation.email,
                "address": lambda v: validation.optional_text(v, "address", max_length=300),
            },
        )
        work.touched(encode_id("Agent", row.id))
    return row


__all__ = ["Contact", "agent", "agents"]


async def set_agent_deleted(ctx: Context, agent_id: str, *, deleted: bool) -> Agent:
    """Logical delete or restore (one helper for every record: resolvers.records)."""
    return await set_deleted(
        ctx,
        Agent,
        agent_id,
        deleted=deleted,
        action=Action.AGENT_MANAGE,
    )
