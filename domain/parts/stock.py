"""Spare-part rules: stock never negative, alarms, the three-purchase average, prices.

Plain Python: the resolvers lock the rows, these functions decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.errors import BadUserInput
from domain.money import amount, times, to_cent

# Quantities of one line or one adjustment; a guard against typos, not a business rule.
MAX_QUANTITY = 1_000_000
# How many of the latest purchases make the average purchase price.
PURCHASES_AVERAGED = 3


class MovementKind(StrEnum):
    RECEIPT = "RECEIPT"  # from a purchase order into the warehouse
    ISSUE_TO_TICKET = "ISSUE_TO_TICKET"  # used on a ticket (from the engineer, else warehouse)
    ISSUE_TO_ENGINEER = "ISSUE_TO_ENGINEER"  # warehouse -> the engineer's stock
    RETURN = "RETURN"  # back into the warehouse (unused on a ticket, or from an engineer)
    SALE = "SALE"  # sold to a customer
    ADJUSTMENT = "ADJUSTMENT"  # signed correction with a reason (opening stock, stocktake)


class AlarmChange(StrEnum):
    RAISED = "RAISED"
    CLEARED = "CLEARED"


def quantity(value: int, field: str) -> int:
    """A positive quantity of one line."""
    if value <= 0 or value > MAX_QUANTITY:
        raise BadUserInput(f"must be between 1 and {MAX_QUANTITY}", field=field)
    return value


def adjustment(value: int, field: str = "quantity") -> int:
    """A signed, non-zero correction."""
    if value == 0 or abs(value) > MAX_QUANTITY:
        raise BadUserInput(f"must be non-zero and at most {MAX_QUANTITY} either way", field=field)
    return value


def take(on_hand: int, wanted: int, *, what: str, field: str = "quantity") -> int:
    """Stock left after taking `wanted` units; never negative."""
    if wanted > on_hand:
        raise BadUserInput(
            f"only {on_hand} of {what} in stock, {wanted} asked",
            field=field,
            available=on_hand,
        )
    return on_hand - wanted


def below_alarm(on_hand: int, threshold: int) -> bool:
    """At or below the threshold; a threshold of 0 alarms only when stock runs out."""
    return on_hand <= threshold


def alarm_change(
    before: int, after: int, threshold_before: int, threshold_after: int
) -> AlarmChange | None:
    """Whether a change of stock (or of the threshold) raises or clears the alarm."""
    was, now = below_alarm(before, threshold_before), below_alarm(after, threshold_after)
    if now and not was:
        return AlarmChange.RAISED
    if was and not now:
        return AlarmChange.CLEARED
    return None


def purchase_price(receipts: Sequence[tuple[Decimal, int]]) -> Decimal:
    """One purchase's unit price from its receipts (unit cost, quantity): an order
    received in several deliveries is one purchase at its price; should its lines
    differ in price, the price is weighted by quantity (not rounded here)."""
    quantity = sum(q for _, q in receipts)
    if quantity <= 0:
        raise ValueError("a purchase receives something")
    return sum((cost * q for cost, q in receipts), Decimal(0)) / quantity


def average_purchase_price(latest_first: Sequence[Decimal]) -> Decimal | None:
    """The mean of the last three purchase unit prices (fewer if there were fewer)."""
    prices = list(latest_first[:PURCHASES_AVERAGED])
    if not prices:
        return None
    return to_cent(sum(prices, Decimal(0)) / len(prices))


@dataclass(frozen=True, slots=True)
class Prices:
    cost: Decimal
    list: Decimal
    minimum: Decimal


def check_prices(prices: Prices) -> None:
    """A part's own prices: the minimum may not be above the list price."""
    if prices.minimum > prices.list:
        raise BadUserInput("must not be above the list price", field="minimumPrice")


def selling_price(prices: Prices, asked: Decimal | None, *, field: str) -> Decimal:
    """The unit price a part is sold at: the list price unless a discount is given,
    which may go down to the minimum price and no lower; never above list."""
    if asked is None:
        return prices.list
    # The one money rule (finite, zero or more, bounded, to the cent): a bound checked
    # before rounding, as 1e999999 has too many digits to round at all.
    price = amount(asked, field)
    if price < prices.minimum:
        raise BadUserInput("is below the minimum price of this part", field=field)
    if price > prices.list:
        raise BadUserInput("is above the list price of this part", field=field)
    return price


def line_charge(unit_price: Decimal, count: int, *, under_warranty: bool) -> Decimal:
    """What the customer pays for parts used on a ticket: nothing under warranty."""
    if under_warranty:
        return Decimal("0.00")
    return times(unit_price, count)


def split_issue(engineer_has: int, wanted: int) -> tuple[int, int]:
    """Parts used on a ticket come out of what its engineer carries first, then out of
    the warehouse: (from the engineer, from the warehouse)."""
    from_engineer = min(engineer_has, wanted)
    return from_engineer, wanted - from_engineer
