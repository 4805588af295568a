"""The province / city / county tree."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.policy import Action
from persistence.models import Region
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.records import get_for_update, set_deleted
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schema.directory.inputs import RegionInput
    from resolvers.context import Context
    from sqlalchemy.ext.asyncio import AsyncSession

LEVELS = ("PROVINCE", "CITY", "COUNTY")


def check_parent_level(level: str, parent: Region | None) -> None:
    """A province has no parent; a city sits in a province; a county in a city."""
    expected = LEVELS[LEVELS.index(level) - 1] if level != "PROVINCE" else None
    actual = parent.level if parent else None
    if expected != actual:
        raise BadUserInput(
            f"a {level.lower()} must sit in a {expected.lower()}"
            if expected
            else "a province has no parent",
            field="parentId",
        )


async def regions(ctx: Context, parent_id: str | None) -> list[Region]:
    policy.require(await ctx.actor(), Action.REGION_READ)
    parent_pk = decode_optional_id(parent_id, "Region", field="parentId")
    stmt = select(Region).where(Region.deleted_at.is_(None)).order_by(Region.name, Region.id)
    stmt = stmt.where(
        Region.parent_id.is_(None) if parent_pk is None else Region.parent_id == parent_pk
    )
    async with ctx.read() as session:
        return list((await session.scalars(stmt)).all())


async def region(ctx: Context, region_id: str) -> Region:
    policy.require(await ctx.actor(), Action.REGION_READ)
    row = await ctx.loaders.region.load(decode_id(region_id, "Region"))
    if row is None:
        raise NotFound("region not found")
    return row


async def create_region(ctx: Context, data: RegionInput) -> Region:
    actor = await ctx.actor()
    policy.require(actor, Action.REGION_MANAGE)
    name = validation.text(data.name, "name", max_length=100)
    parent_pk = decode_optional_id(data.parent_id, "Region", field="parentId")
    async with ctx.write("createRegion", actor=actor) as work:
        parent = None
        if parent_pk is not None:
            parent = await work.session.get(Region, parent_pk)
            if parent is None or parent.is_deleted:
                raise NotFound("parent region not found", field="parentId")
        check_parent_level(data.level.value, parent)
        row = Region(name=name, level=data.level.value, parent_id=parent_pk)
        work.session.add(row)
        await work.session.flush()
        work.touched(encode_id("Region", row.id))
    return row


async def rename_region(ctx: Context, region_id: str, name: str) -> Region:
    actor = await ctx.actor()
    policy.require(actor, Action.REGION_MANAGE)
    cleaned = validation.text(name, "name", max_length=100)
    async with ctx.write("renameRegion", actor=actor) as work:
        row = await get_for_update(work.session, Region, decode_id(region_id, "Region"), "region")
        row.name = cleaned
        work.touched(encode_id("Region", row.id))
    return row


async def region_and_descendants(session: AsyncSession, region_pk: int) -> list[int]:
    """The region and every region below it (the tree is small: read it whole)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in (await session.execute(select(Region.id, Region.parent_id))).all():
        children[parent].append(pk)
    found, todo = [], [region_pk]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


async def set_region_deleted(ctx: Context, region_id: str, *, deleted: bool) -> Region:
    """Logical delete or restore (one helper for every record: resolvers.records)."""
    return await set_deleted(
        ctx,
        Region,
        region_id,
        deleted=deleted,
        action=Action.REGION_MANAGE,
    )
