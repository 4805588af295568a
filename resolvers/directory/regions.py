"""The province / city / county tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.policy import Action
from persistence.models import Region
from persistence.queries.directory import regions_under
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.records import get_for_update, set_deleted

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.directory.inputs import RegionInput

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
    async with ctx.read() as session:
        return await regions_under(session, parent_pk)


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


async def set_region_deleted(ctx: Context, region_id: str, *, deleted: bool) -> Region:
    """Logical delete or restore (one helper for every record: resolvers.records)."""
    return await set_deleted(
        ctx,
        Region,
        region_id,
        deleted=deleted,
        action=Action.REGION_MANAGE,
    )
