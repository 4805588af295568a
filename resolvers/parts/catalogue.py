"""The parts catalogue, stock corrections and the stock reads (movements, engineers'
stock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import policy, validation
from domain.errors import BadUserInput, Forbidden, NotFound
from domain.parts import stock as rules
from domain.parts.lines import LinePrices
from domain.parts.stock import MovementKind, Prices
from domain.policy import Action
from domain.roles import Role
from persistence.models import EngineerStock, Part, StockMovement, User
from persistence.queries import parts as part_rows
from resolvers.ids import decode_id, encode_id
from resolvers.pagination import paginate
from resolvers.parts.lines import asked_lines, quantities
from resolvers.parts.stock import clear_alarm, lock_parts, move, raise_alarm, sync_alarm
from resolvers.records import (
    apply_changes,
    changed_fields,
    get_for_update,
    required,
    restore,
    soft_delete,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.pagination import Connection
    from schema.parts.inputs import (
        PartFilter,
        PartInput,
        PartPatch,
        ReceiptLineInput,
    )

MAX_THRESHOLD = 1_000_000


def _money(field: str) -> Any:
    return required(lambda v: validation.money(v, field), field)


def _threshold(value: int) -> int:
    if value < 0 or value > MAX_THRESHOLD:
        raise BadUserInput(f"must be between 0 and {MAX_THRESHOLD}", field="alarmThreshold")
    return value


CONVERTERS = {
    "part_number": required(lambda v: validation.code(v, "partNumber"), "partNumber"),
    "name": required(lambda v: validation.text(v, "name"), "name"),
    "unit": required(lambda v: validation.text(v, "unit", max_length=20), "unit"),
    "spec": lambda v: validation.optional_text(v, "spec"),
    "brand": lambda v: validation.optional_text(v, "brand", max_length=100),
    "model": lambda v: validation.optional_text(v, "model", max_length=100),
    "cost_price": _money("costPrice"),
    "list_price": _money("listPrice"),
    "minimum_price": _money("minimumPrice"),
    "alarm_threshold": required(_threshold, "alarmThreshold"),
}


def part_fields(data: PartInput) -> dict[str, Any]:
    """A new part's columns, validated (the minimum price defaults to the list price)."""
    fields = {name: getattr(data, name) for name in CONVERTERS}
    if fields["minimum_price"] is None:
        fields["minimum_price"] = fields["list_price"]
    cleaned = {name: CONVERTERS[name](value) for name, value in fields.items()}
    rules.check_prices(prices_of_fields(cleaned))
    return cleaned


def prices_of_fields(fields: dict[str, Any]) -> Prices:
    return Prices(
        cost=fields["cost_price"], list=fields["list_price"], minimum=fields["minimum_price"]
    )


def prices_of(part: Part) -> Prices:
    return Prices(cost=part.cost_price, list=part.list_price, minimum=part.minimum_price)


async def check_number_free(session: AsyncSession, number: str, own_id: int | None) -> None:
    if await part_rows.part_number_taken(session, number, own_id):
        raise BadUserInput("is already used by another part", field="partNumber")


async def create_part(ctx: Context, data: PartInput) -> Part:
    actor = await ctx.actor()
    policy.require(actor, Action.PART_MANAGE)
    fields = part_fields(data)
    async with ctx.write("createPart", actor=actor) as work:
        await check_number_free(work.session, fields["part_number"], None)
        row = Part(**fields, on_hand=0)
        work.session.add(row)
        await work.session.flush()
        work.touched(encode_id("Part", row.id))
    return row


async def update_part(ctx: Context, part_id: str, patch: PartPatch) -> Part:
    actor = await ctx.actor()
    policy.require(actor, Action.PART_MANAGE)
    pk = decode_id(part_id, "Part")
    changes = changed_fields(patch)
    async with ctx.write("updatePart", actor=actor) as work:
        row = (await lock_parts(work, [pk], field="id"))[pk]
        threshold_before = row.alarm_threshold
        apply_changes(row, changes, CONVERTERS)
        rules.check_prices(prices_of(row))
        if "part_number" in changes:
            await check_number_free(work.session, row.part_number, row.id)
        work.touched(encode_id("Part", row.id))
        # A new threshold may raise or clear the alarm without any stock moving.
        await sync_alarm(work, row, row.on_hand, threshold_before)
    return row


async def set_part_deleted(ctx: Context, part_id: str, *, deleted: bool) -> Part:
    """Logical delete or restore. A deleted part's alarm is cleared (nobody need act on
    it); a restored part below its threshold alarms again."""
    actor = await ctx.actor()
    policy.require(actor, Action.PART_MANAGE)
    pk = decode_id(part_id, "Part")
    async with ctx.write("deletePart" if deleted else "restorePart", actor=actor) as work:
        row = await get_for_update(work.session, Part, pk, "part")
        was_deleted = row.is_deleted
        if deleted and not was_deleted:
            soft_delete(row, actor.user_id)
            await clear_alarm(work, row)
        elif not deleted and was_deleted:
            await check_number_free(work.session, row.part_number, row.id)
            restore(row)
            if rules.below_alarm(row.on_hand, row.alarm_threshold):
                await raise_alarm(work, row)
        work.touched(encode_id("Part", row.id))
    return row


async def adjust_stock(ctx: Context, part_id: str, quantity: int, reason: str) -> Part:
    actor = await ctx.actor()
    policy.require(actor, Action.PART_MANAGE)
    pk = decode_id(part_id, "Part", field="partId")
    change = rules.adjustment(quantity)
    cleaned_reason = validation.text(reason, "reason", max_length=300)
    async with ctx.write("adjustStock", actor=actor) as work:
        row = (await lock_parts(work, [pk]))[pk]
        await move(work, row, MovementKind.ADJUSTMENT, warehouse=change, reason=cleaned_reason)
        work.detail = {"quantity": change, "reason": cleaned_reason}
    return row


# -- reads ---------------------------------------------------------------------


async def parts(
    ctx: Context, first: int | None, after: str | None, filter: PartFilter | None
) -> Connection[Part]:
    actor = await ctx.actor()
    policy.require(actor, Action.PART_READ)
    if filter is None:
        stmt = part_rows.parts_listed()
    else:
        if filter.include_deleted and actor.role not in (Role.ADMIN, Role.BACK_OFFICE):
            raise Forbidden("only ADMIN and BACK_OFFICE list deleted parts")
        stmt = part_rows.parts_listed(
            include_deleted=filter.include_deleted,
            search=validation.search_term(filter.search),
            below_alarm=filter.below_alarm,
        )
    return await paginate(ctx, stmt, Part.id, first=first, after=after)


async def part(ctx: Context, part_id: str) -> Part:
    actor = await ctx.actor()
    policy.require(actor, Action.PART_READ)
    pk = decode_id(part_id, "Part")
    async with ctx.read() as session:
        row = await session.get(Part, pk)
    # A deleted part is out of the catalogue: only those who may restore it (and list
    # deleted parts) find it by id; what it was used for still shows it (history).
    if row is None or (row.is_deleted and not policy.allowed(actor, Action.PART_MANAGE)):
        raise NotFound("part not found")
    return row


async def movements(
    ctx: Context, part_pk: int, first: int | None, after: str | None
) -> Connection[StockMovement]:
    """A part's movements, newest first: every unit in and out."""
    actor = await ctx.actor()
    policy.require(actor, Action.STOCK_READ)
    stmt = part_rows.movements_of_part(part_pk)
    return await paginate(ctx, stmt, StockMovement.id, first=first, after=after, newest_first=True)


async def engineer_stock(ctx: Context, engineer_id: str | None) -> list[EngineerStock]:
    """What an engineer carries (theirs by default); engineers see only their own."""
    actor = await ctx.actor()
    policy.require(actor, Action.STOCK_READ)
    if engineer_id is None:
        pk = actor.user_id
    else:
        pk = decode_id(engineer_id, "User", field="engineerId")
    if actor.role is Role.ENGINEER and pk != actor.user_id:
        raise Forbidden("an engineer sees only the stock they carry")
    return await _carried_by(ctx, pk)


async def _carried_by(ctx: Context, engineer_pk: int) -> list[EngineerStock]:
    async with ctx.read() as session:
        return await part_rows.carried_by(session, engineer_pk)


async def return_engineer_stock(
    ctx: Context, engineer_id: str, lines: list[ReceiptLineInput]
) -> list[EngineerStock]:
    """Parts an engineer brings back unused go back into the warehouse."""
    actor = await ctx.actor()
    policy.require(actor, Action.PART_MANAGE)
    engineer_pk = decode_id(engineer_id, "User", field="engineerId")
    wanted = quantities(asked_lines(lines, prices=LinePrices.NONE))
    async with ctx.write("returnEngineerStock", actor=actor) as work:
        engineer = await work.session.get(User, engineer_pk)
        if engineer is None or engineer.role != Role.ENGINEER.value:
            raise NotFound("no such engineer", field="engineerId")
        locked = await lock_parts(work, wanted)
        for part_pk, count in wanted.items():
            await move(
                work,
                locked[part_pk],
                MovementKind.RETURN,
                warehouse=count,
                engineer_id=engineer_pk,
                engineer=-count,
                reason="returned by the engineer",
            )
        work.touched(encode_id("User", engineer_pk))
    return await _carried_by(ctx, engineer_pk)
