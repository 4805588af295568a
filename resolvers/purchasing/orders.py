"""Purchase orders: drafted, reviewed, approved by a second person, issued to the
supplier and received into stock, partly or in full.

Every mutation locks the order row first (`get_for_update`) and decides on what it
finds there (domain.purchase_orders), so two people acting on one order at once never
both win: the second sees the first's result and gets a CONFLICT with the order's
current status (or, for receipts, a refusal naming what is still outstanding). No
expected version is needed. Receipts then lock the parts (`lock_parts`, id order) and
take the goods in through `move` (RECEIPT movements at the line's purchase price), which
keeps the three-purchase average current and clears stock alarms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import policy, validation
from domain.errors import NotFound
from domain.parts.lines import LinePrices
from domain.parts.stock import MovementKind
from domain.policy import Action
from domain.purchasing import orders as rules
from domain.purchasing.orders import LineState, OrderLine, PurchaseOrderStatus, Step
from persistence.models import Part, PurchaseOrder, PurchaseOrderLine
from persistence.queries.purchasing import (
    parts_by_id,
    purchase_order_lines,
    purchase_orders_listed,
)
from persistence.types import utcnow
from resolvers.ids import decode_id, encode_id
from resolvers.pagination import paginate
from resolvers.parts.lines import asked_lines
from resolvers.parts.stock import lock_parts, move
from resolvers.records import get_for_update

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.pagination import Connection
    from schema.parts.inputs import ReceiptLineInput
    from schema.purchasing.inputs import PurchaseOrderFilter, PurchaseOrderInput

WHAT = "purchase order"


def _global_id(pk: int) -> str:
    return encode_id("PurchaseOrder", pk)


async def _live_parts(session: AsyncSession, lines: list[OrderLine]) -> dict[int, Part]:
    """The parts the lines name; NOT_FOUND naming the first line whose part is gone."""
    found = await parts_by_id(session, [line.part_id for line in lines])
    for index, line in enumerate(lines):
        part = found.get(line.part_id)
        if part is None or part.is_deleted:
            raise NotFound("part not found", field=f"lines[{index}].partId")
    return found


# -- mutations -----------------------------------------------------------------------


async def create_purchase_order(ctx: Context, data: PurchaseOrderInput) -> PurchaseOrder:
    actor = await ctx.actor()
    policy.require(actor, Action.PURCHASE_MANAGE)
    supplier = validation.text(data.supplier, "supplier")
    note = validation.optional_text(data.note, "note", max_length=2000)
    lines = rules.check_lines(
        asked_lines(data.lines, prices=LinePrices.PURCHASE, each_part_once=True)
    )
    async with ctx.write("createPurchaseOrder", actor=actor) as work:
        session = work.session
        parts = await _live_parts(session, lines)
        row = PurchaseOrder(supplier=supplier, note=note, status=PurchaseOrderStatus.DRAFT.value)
        session.add(row)
        await session.flush()
        # The number derives from the id, known only now (as tickets do).
        row.number = rules.purchase_order_number(row.created_at.year, row.id)
        for line in lines:
            price = (
                line.unit_price if line.unit_price is not None else parts[line.part_id].cost_price
            )
            session.add(
                PurchaseOrderLine(
                    purchase_order_id=row.id,
                    part_id=line.part_id,
                    quantity=line.quantity,
                    unit_price=price,
                    received_quantity=0,
                )
            )
        work.touched(_global_id(row.id))
        work.detail = {"number": row.number, "supplier": supplier}
    return row


async def _step(
    ctx: Context, operation: str, order_id: str, step: Step, **detail: Any
) -> PurchaseOrder:
    """review / approve / issue / cancel: lock, check the state (and the person), move."""
    actor = await ctx.actor()
    policy.require(actor, Action.PURCHASE_MANAGE)
    pk = decode_id(order_id, "PurchaseOrder")
    async with ctx.write(operation, actor=actor) as work:
        row = await get_for_update(work.session, PurchaseOrder, pk, WHAT)
        if row.is_deleted:
            raise NotFound(f"{WHAT} not found")
        received = False
        if step is Step.CANCEL:
            received = any(
                line.received_quantity > 0 for line in await purchase_order_lines(work.session, pk)
            )
        target = rules.plan_step(step, row.status, anything_received=received)
        if step is Step.APPROVE:
            rules.check_approver(row.reviewed_by_id, actor.user_id)
        now = utcnow()
        if step is Step.REVIEW:
            row.reviewed_by_id, row.reviewed_at = actor.user_id, now
        elif step is Step.APPROVE:
            row.approved_by_id, row.approved_at = actor.user_id, now
        elif step is Step.ISSUE:
            row.issued_by_id, row.issued_at = actor.user_id, now
        elif step is Step.CANCEL:
            row.cancelled_by_id, row.cancelled_at = actor.user_id, now
            row.cancel_reason = detail.get("reason")
        work.detail = {"from": row.status, "to": target.value, **detail}
        row.status = target.value
        work.touched(_global_id(row.id))
    return row


async def review_purchase_order(ctx: Context, order_id: str) -> PurchaseOrder:
    return await _step(ctx, "reviewPurchaseOrder", order_id, Step.REVIEW)


async def approve_purchase_order(ctx: Context, order_id: str) -> PurchaseOrder:
    return await _step(ctx, "approvePurchaseOrder", order_id, Step.APPROVE)


async def issue_purchase_order(ctx: Context, order_id: str) -> PurchaseOrder:
    return await _step(ctx, "issuePurchaseOrder", order_id, Step.ISSUE)


async def cancel_purchase_order(ctx: Context, order_id: str, reason: str) -> PurchaseOrder:
    # Checked before the order is looked at: a bad reason is refused whatever the state.
    actor = await ctx.actor()
    policy.require(actor, Action.PURCHASE_MANAGE)
    cleaned = validation.text(reason, "reason", max_length=300)
    return await _step(ctx, "cancelPurchaseOrder", order_id, Step.CANCEL, reason=cleaned)


async def receive_purchase_order(
    ctx: Context, order_id: str, lines: list[ReceiptLineInput]
) -> PurchaseOrder:
    """Goods in: each receipt line's units go into the warehouse at its order line's
    purchase price; never more than is still outstanding; refused whole otherwise."""
    actor = await ctx.actor()
    policy.require(actor, Action.PURCHASE_MANAGE)
    pk = decode_id(order_id, "PurchaseOrder")
    receipt = [
        (decode_id(line.part_id, "Part", field=f"lines[{index}].partId"), line.quantity)
        for index, line in enumerate(lines)
    ]
    async with ctx.write("receivePurchaseOrder", actor=actor) as work:
        row = await get_for_update(work.session, PurchaseOrder, pk, WHAT)
        if row.is_deleted:
            raise NotFound(f"{WHAT} not found")
        rules.plan_step(Step.RECEIVE, row.status)
        order_lines = {line.part_id: line for line in await purchase_order_lines(work.session, pk)}
        states = {
            part_pk: LineState(line.quantity, line.received_quantity)
            for part_pk, line in order_lines.items()
        }
        taken = rules.plan_receipt(states, receipt)
        locked = await lock_parts(work, taken, field="lines")
        for part_pk, count in taken.items():
            line = order_lines[part_pk]
            await move(
                work,
                locked[part_pk],
                MovementKind.RECEIPT,
                warehouse=count,
                unit_cost=line.unit_price,
                purchase_order_id=row.id,
                reason=f"received on {row.number}",
            )
            line.received_quantity += count
        row.status = rules.receipt_status(
            [LineState(line.quantity, line.received_quantity) for line in order_lines.values()]
        ).value
        row.received_at = utcnow()
        work.touched(_global_id(row.id))
        work.detail = {
            "received": [
                {"partId": encode_id("Part", part_pk), "quantity": count}
                for part_pk, count in taken.items()
            ],
            "status": row.status,
        }
    return row


# -- reads ---------------------------------------------------------------------------


async def purchase_orders(
    ctx: Context, first: int | None, after: str | None, filter: PurchaseOrderFilter | None
) -> Connection[PurchaseOrder]:
    """Newest first."""
    actor = await ctx.actor()
    policy.require(actor, Action.PURCHASE_READ)
    status: str | None = None
    search: str | None = None
    part_pk: int | None = None
    if filter is not None:
        if filter.status is not None:
            status = PurchaseOrderStatus(filter.status).value
        search = validation.search_term(filter.search)
        if filter.part_id is not None:
            part_pk = decode_id(filter.part_id, "Part", field="filter.partId")
    stmt = purchase_orders_listed(status=status, search=search, part_id=part_pk)
    return await paginate(ctx, stmt, PurchaseOrder.id, first=first, after=after, newest_first=True)


async def purchase_order(ctx: Context, order_id: str) -> PurchaseOrder:
    actor = await ctx.actor()
    policy.require(actor, Action.PURCHASE_READ)
    pk = decode_id(order_id, "PurchaseOrder")
    async with ctx.read() as session:
        row = await session.get(PurchaseOrder, pk)
    if row is None or row.is_deleted:
        raise NotFound(f"{WHAT} not found")
    return row
