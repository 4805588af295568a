"""Parts sold to customers outside a ticket, and the reads of sales.

A sale is one transaction: the customer is checked, the parts are locked (resolvers.
stock.lock_parts), every price checked, then each part leaves the warehouse through
a SALE movement that names the sale. Stock short on any line fails the whole sale:
nothing is written. Sales are read in the reader's customer scope (a customer its
own, an agent its customers', staff all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.parts import stock as part_rules
from domain.parts.lines import AskedLine, LinePrices
from domain.parts.stock import MovementKind
from domain.policy import Action
from domain.sales.part_sales import (
    line_amount,
    sale_number,
    sale_total,
)
from persistence.models import Customer, Part, PartSale, PartSaleLine
from persistence.queries import sales as sale_rows
from resolvers.directory.customers import visible_customer
from resolvers.ids import decode_id, encode_id
from resolvers.pagination import paginate
from resolvers.parts.catalogue import prices_of
from resolvers.parts.lines import asked_lines
from resolvers.parts.stock import lock_parts, move
from schema.sales.inputs import PartSaleFilter, PartSaleInput

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.roles import Actor
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context
    from schema.pagination import Connection

MAX_NOTE = 2000


async def _live_customer(session: AsyncSession, actor: Actor, pk: int) -> Customer:
    try:
        customer = await visible_customer(session, actor, pk)
    except NotFound as exc:
        raise NotFound("customer not found", field="customerId") from exc
    if customer.is_deleted:
        raise BadUserInput("is deleted", field="customerId")
    return customer


async def _lock(work: UnitOfWork, asked: list[AskedLine]) -> dict[int, Part]:
    """The parts sold, locked; a missing one is NOT_FOUND naming its line."""
    try:
        return await lock_parts(work, [line.part_id for line in asked])
    except NotFound as exc:
        missing = exc.extensions.get("partId")
        for line in asked:
            if encode_id("Part", line.part_id) == missing:
                raise NotFound("part not found", field=line.part_field, partId=missing) from exc
        raise


async def create_part_sale(ctx: Context, data: PartSaleInput) -> PartSale:
    actor = await ctx.actor()
    policy.require(actor, Action.SALE_CREATE)
    customer_pk = decode_id(data.customer_id, "Customer", field="customerId")
    asked = asked_lines(data.lines, prices=LinePrices.SELLING)
    note = validation.optional_text(data.note, "note", max_length=MAX_NOTE)
    async with ctx.write("createPartSale", actor=actor) as work:
        session = work.session
        customer = await _live_customer(session, actor, customer_pk)
        locked = await _lock(work, asked)
        # Every price is checked before anything is written.
        prices = [
            part_rules.selling_price(
                prices_of(locked[line.part_id]), line.unit_price, field=line.price_field
            )
            for line in asked
        ]
        amounts = [
            line_amount(price, line.quantity) for price, line in zip(prices, asked, strict=True)
        ]
        sale = PartSale(customer_id=customer.id, note=note, total=sale_total(amounts))
        session.add(sale)
        await session.flush()
        sale.number = sale_number(sale.created_at.year, sale.id)
        for line, price, amount in zip(asked, prices, amounts, strict=True):
            part = locked[line.part_id]
            await move(
                work,
                part,
                MovementKind.SALE,
                warehouse=-line.quantity,
                part_sale_id=sale.id,
                reason=f"sold on {sale.number}",
                field=line.quantity_field,
            )
            session.add(
                PartSaleLine(
                    part_sale_id=sale.id,
                    part_id=part.id,
                    quantity=line.quantity,
                    unit_price=price,
                    amount=amount,
                    cost_price=part.cost_price,
                    list_price=part.list_price,
                    minimum_price=part.minimum_price,
                )
            )
        await session.flush()
        work.touched(encode_id("PartSale", sale.id))
        work.detail = {
            "number": sale.number,
            "customerId": encode_id("Customer", customer.id),
            "total": str(sale.total),
        }
    return sale


# -- reads ---------------------------------------------------------------------


async def part_sales(
    ctx: Context, first: int | None, after: str | None, filter: PartSaleFilter | None
) -> Connection[PartSale]:
    """Sales in the reader's customer scope, newest first."""
    actor = await ctx.actor()
    policy.require(actor, Action.SALE_READ)
    filter = filter or PartSaleFilter()
    customer_pk = None
    if filter.customer_id is not None:
        customer_pk = decode_id(filter.customer_id, "Customer", field="filter.customerId")
    stmt = sale_rows.sales_listed(
        policy.customer_scope(actor),
        customer_pk=customer_pk,
        search=validation.search_term(filter.search),
    )
    return await paginate(ctx, stmt, PartSale.id, first=first, after=after, newest_first=True)


async def part_sale(ctx: Context, sale_id: str) -> PartSale:
    """One sale; NOT_FOUND outside the reader's scope (its existence must not leak)."""
    actor = await ctx.actor()
    policy.require(actor, Action.SALE_READ)
    pk = decode_id(sale_id, "PartSale")
    async with ctx.read() as session:
        row = await sale_rows.sale_in_scope(session, policy.customer_scope(actor), pk)
    if row is None:
        raise NotFound("sale not found")
    return row
