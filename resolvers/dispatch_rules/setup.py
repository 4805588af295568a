"""Engineers' dispatch profiles and the dispatch rules, kept by the office."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.dispatch_rules.selection import DispatchStrategy, check_max_open, check_priority
from domain.errors import BadUserInput
from domain.policy import Action
from domain.roles import Role
from domain.tickets.lifecycle import check_severity
from persistence.models import DispatchRule, EngineerProfile, Region, User
from persistence.queries import dispatch_rules as rule_rows
from resolvers.ids import decode_id, encode_id
from resolvers.records import set_active

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.dispatch_rules.inputs import DispatchRuleInput, EngineerProfileInput

MAX_LIST = 200


async def _regions(session: AsyncSession, ids: list[str] | None, field: str) -> list[int]:
    pks = list(dict.fromkeys(decode_id(i, "Region", field=field) for i in ids or []))
    if len(pks) > MAX_LIST:
        raise BadUserInput(f"at most {MAX_LIST}", field=field)
    for pk in pks:
        region = await session.get(Region, pk)
        if region is None or region.is_deleted:
            raise BadUserInput("no such region", field=field)
    return pks


async def _engineers(session: AsyncSession, ids: list[str] | None, field: str) -> list[int]:
    pks = list(dict.fromkeys(decode_id(i, "User", field=field) for i in ids or []))
    if len(pks) > MAX_LIST:
        raise BadUserInput(f"at most {MAX_LIST}", field=field)
    for pk in pks:
        user = await session.get(User, pk)
        if user is None or user.is_deleted or user.role != Role.ENGINEER.value:
            raise BadUserInput("is not an engineer", field=field)
    return pks


async def set_engineer_profile(
    ctx: Context, user_id: str, data: EngineerProfileInput
) -> EngineerProfile:
    actor = await ctx.actor()
    policy.require(actor, Action.DISPATCH_RULE_MANAGE)
    user_pk = decode_id(user_id, "User", field="userId")
    skills = validation.names(data.skills, "skills") or []
    max_open = check_max_open(data.max_open_tickets)
    async with ctx.write("setEngineerProfile", actor=actor) as work:
        session = work.session
        await _engineers(session, [user_id], "userId")
        regions = await _regions(session, data.region_ids, "regionIds")
        row = await session.get(EngineerProfile, user_pk, with_for_update=True)
        if row is None:
            row = EngineerProfile(user_id=user_pk)
            session.add(row)
        row.skills, row.region_ids = skills, regions
        row.on_duty, row.max_open_tickets = data.on_duty, max_open
        row.deleted_at = None
        await session.flush()
        work.touched(encode_id("User", user_pk))
    return row


async def engineer_profiles(ctx: Context) -> list[EngineerProfile]:
    actor = await ctx.actor()
    policy.require(actor, Action.ENGINEER_PROFILE_READ)
    async with ctx.read() as session:
        return list((await session.scalars(rule_rows.profiles_listed())).all())


async def create_dispatch_rule(ctx: Context, data: DispatchRuleInput) -> DispatchRule:
    actor = await ctx.actor()
    policy.require(actor, Action.DISPATCH_RULE_MANAGE)
    name = validation.text(data.name, "name", max_length=100)
    priority = check_priority(data.priority)
    kinds = [k.value for k in dict.fromkeys(data.kinds or [])]
    severities = sorted({check_severity(s) for s in data.severities or []})
    brands = validation.names(data.brands, "brands") or []
    async with ctx.write("createDispatchRule", actor=actor) as work:
        session = work.session
        row = DispatchRule(
            name=name,
            priority=priority,
            strategy=DispatchStrategy(data.strategy.value).value,
            kinds=kinds,
            severities=severities,
            region_ids=await _regions(session, data.region_ids, "regionIds"),
            brands=brands,
            engineer_ids=await _engineers(session, data.engineer_ids, "engineerIds"),
            active=data.active,
        )
        session.add(row)
        await session.flush()
        work.touched(encode_id("DispatchRule", row.id))
    return row


async def dispatch_rules(ctx: Context) -> list[DispatchRule]:
    actor = await ctx.actor()
    policy.require(actor, Action.DISPATCH_RULE_READ)
    async with ctx.read() as session:
        stmt = rule_rows.rules_listed().order_by(DispatchRule.priority, DispatchRule.id)
        return list((await session.scalars(stmt)).all())


async def set_dispatch_rule_active(ctx: Context, rule_id: str, active: bool) -> DispatchRule:
    return await set_active(
        ctx, DispatchRule, rule_id, active=active, action=Action.DISPATCH_RULE_MANAGE
    )
