"""Lines of parts as a client asks for them, for every use: one function, per-use options.

Every operation that names parts by lines (a sale, parts used on or returned from a
ticket, an outing request, a purchase order, parts an engineer brings back) reads them
here: quantities in range, one merged line per part in first-seen order (or a part
named twice refused, where merging cannot be right), and a unit price that the use
allows or refuses. Errors name the input line they are about (`lines[2].unitPrice`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.errors import BadUserInput
from domain.parts.stock import MAX_QUANTITY
from domain.parts.stock import quantity as checked_quantity

# How many lines one request may have; a guard against runaway input, not a rule.
MAX_LINES = 200


class LinePrices(StrEnum):
    """What a line's unit price is, by use."""

    # Parts issued or returned, not sold: a unit price has no meaning.
    NONE = "NONE"
    # Sold (a sale, parts used on a ticket): a discount from list price, or nothing.
    SELLING = "SELLING"
    # Bought (a purchase order): the purchase price, or nothing (the cost price).
    PURCHASE = "PURCHASE"


@dataclass(frozen=True, slots=True)
class AskedLine:
    """One part as asked: its summed quantity, the unit price given (None: the use's
    default), and the input fields errors about it should name."""

    part_id: int
    quantity: int
    unit_price: Decimal | None
    part_field: str
    quantity_field: str
    price_field: str


def merge_part_lines(
    lines: Sequence[tuple[int, int, Decimal | None]],
    *,
    prices: LinePrices,
    field: str = "lines",
    each_part_once: bool = False,
    required: bool = True,
    max_lines: int = MAX_LINES,
) -> list[AskedLine]:
    """(part id, quantity, unit price) input lines as one line per part, in first-seen
    order. A part named twice has its quantities added up and may carry a price on one
    line or the same price on both, never two different prices; with `each_part_once`,
    naming it twice is refused instead."""
    if not lines and required:
        raise BadUserInput("must name at least one part", field=field)
    if len(lines) > max_lines:
        raise BadUserInput(f"at most {max_lines} lines", field=field)
    merged: dict[int, AskedLine] = {}
    first_line: dict[int, int] = {}
    for index, (part_id, count, price) in enumerate(lines):
        part_field = f"{field}[{index}].partId"
        quantity_field, price_field = f"{field}[{index}].quantity", f"{field}[{index}].unitPrice"
        checked_quantity(count, quantity_field)
        if price is not None:
            if prices is LinePrices.NONE:
                raise BadUserInput(
                    "has no meaning here: these parts are not sold", field=price_field
                )
            if not price.is_finite():
                raise BadUserInput("is not a number", field=price_field)
        seen = merged.get(part_id)
        if seen is None:
            merged[part_id] = AskedLine(
                part_id, count, price, part_field, quantity_field, price_field
            )
            first_line[part_id] = index
            continue
        if each_part_once:
            raise BadUserInput(f"is already on line {first_line[part_id]}", field=part_field)
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
        merged[part_id] = AskedLine(
            part_id,
            summed,
            seen.unit_price if keeps_price else price,
            seen.part_field,
            seen.quantity_field,
            seen.price_field if keeps_price else price_field,
        )
    return list(merged.values())
