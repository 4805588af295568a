"""Parts sold to a customer outside a ticket: the lines asked, amounts, total, number.

The price of each line follows domain.parts.selling_price (list price unless a
discount is given, never below the minimum nor above list); the lines as asked are
read by domain.parts.lines; these rules add the amounts, the total and the number.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from domain.errors import BadUserInput
from domain.money import times, to_cent
from domain.money import total as money_total

# Amounts and totals are NUMERIC(14, 2) columns.
MAX_TOTAL = Decimal("1000000000000")


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
