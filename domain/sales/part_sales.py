"""Parts sold to a customer outside a ticket: the lines asked, amounts, total, number.

The price of each line follows domain.parts.selling_price (list price unless a
discount is given, never below the minimum nor above list); these rules add what a
sale needs beyond that: one line per part, bounded sizes, the sale's number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import BadUserInput
from domain.money import times, to_cent
from domain.money import total as money_total
from domain.parts.stock import MAX_QUANTITY
from domain.parts.stock import quantity as checked_quantity

# How many lines one sale may have; a guard against runaway input, not a business rule.
MAX_LINES = 200
# Amounts and totals are NUMERIC(14, 2) columns.
MAX_TOTAL = Decimal("1000000000000")


@dataclass(frozen=True, slots=True)
class SaleLineAsked:
    """One part of a sale as asked: its summed quantity, the unit price given (None:
    list price), and the input fields errors about it should name."""

    part_id: int
    quantity: int
    unit_price: Decimal | None
    part_field: str
    quantity_field: str
    price_field: str


def merge_sale_lines(lines: Sequence[tuple[int, int, Decimal | None]]) -> list[SaleLineAsked]:
    """(part id, quantity, unit price) input lines as one line per part, in first-seen
    order. A part named twice has its quantities added up; it may carry a price on one
    line or the same price on both, never two different prices."""
    if not lines:
        raise BadUserInput("must name at least one part", field="lines")
    if len(lines) > MAX_LINES:
        raise BadUserInput(f"at most {MAX_LINES} lines per sale", field="lines")
    merged: dict[int, SaleLineAsked] = {}
    for index, (part_id, count, price) in enumerate(lines):
        part_field = f"lines[{index}].partId"
        quantity_field, price_field = f"lines[{index}].quantity", f"lines[{index}].unitPrice"
        checked_quantity(count, quantity_field)
        if price is not None and not price.is_finite():
            raise BadUserInput("is not a number", field=price_field)
        seen = merged.get(part_id)
        if seen is None:
            merged[part_id] = SaleLineAsked(
                part_id, count, price, part_field, quantity_field, price_field
            )
            continue
        if price is not None and seen.unit_price is not None and price != seen.unit_price:
            raise BadUserInput(
                f"differs from the price given for the same part on {seen.price_field}",
                field=price_field,
            )
        summed = seen.quantity + count
        if summed > MAX_QUANTITY:
            raise BadUserInput(
                f"makes more than {MAX_QUANTITY} of one part in total", field=quantity_field
            )
        keeps_price = seen.unit_price is not None or price is None
        merged[part_id] = SaleLineAsked(
            part_id,
            summed,
            seen.unit_price if keeps_price else price,
            seen.part_field,
            seen.quantity_field,
            seen.price_field if keeps_price else price_field,
        )
    return list(merged.values())


def line_amount(unit_price: Decimal, count: int) -> Decimal:
    return times(unit_price, count)


def line_margin(amount: Decimal, cost_price: Decimal, count: int) -> Decimal:
    """What a line earns over the part's cost as it was when sold (negative when sold
    below cost, which the minimum price allows if it is set below the cost)."""
    return to_cent(amount - cost_price * count)


def sale_total(amounts: Iterable[Decimal]) -> Decimal:
    total = money_total(amounts)
    if total >= MAX_TOTAL:
        raise BadUserInput("the sale's total is too large; split it", field="lines")
    return total


def sale_number(year: int, pk: int) -> str:
    """`PS2026-000123`: derived from the id, so unique without a counter."""
    return f"PS{year}-{pk:06d}"
