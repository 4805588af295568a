"""Money: one rule for every price and amount.

Amounts are kept to the cent. A value given with more decimals is rounded half up to
the cent (1.005 -> 1.01, 1.004 -> 1.00), wherever it is given: device prices, part
prices, purchase prices, selling prices, expenses. Products and sums of amounts are
rounded the same way. Never negative, never beyond `MAX_AMOUNT`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import BadUserInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Ten billion: the columns hold 14 digits with 2 decimals (Numeric(14, 2)).
MAX_AMOUNT = Decimal("9999999999.99")


def to_cent(value: Decimal) -> Decimal:
    """Half up to the cent; no "-0.00"."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else ZERO


def amount(value: object, field: str, *, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """A price or amount as given by a client: a finite number, zero or more, at most
    `maximum`, to the cent (BAD_USER_INPUT naming `field` otherwise)."""
    try:
        finite = isinstance(value, Decimal) and value.is_finite()
    except InvalidOperation:  # pragma: no cover - is_finite never raises on a Decimal
        finite = False
    if not finite:
        raise BadUserInput("is not a number", field=field)
    assert isinstance(value, Decimal)
    if value < 0:
        raise BadUserInput("must be zero or more", field=field)
    # Refused before rounding: whatever would round above the maximum, and 1e999999,
    # which has too many digits to round to the cent at all (InvalidOperation).
    if value >= maximum + CENT / 2:
        raise BadUserInput(f"must be at most {maximum}", field=field)
    return to_cent(value)


def optional_amount(value: Decimal | None, field: str) -> Decimal | None:
    return None if value is None else amount(value, field)


def times(unit_price: Decimal, count: int) -> Decimal:
    """A line's amount: the unit price times the count, to the cent."""
    return to_cent(unit_price * count)


def total(amounts: Iterable[Decimal]) -> Decimal:
    return to_cent(sum(amounts, ZERO))
