"""One rounding rule for money (domain.money): half up to the cent, everywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import money
from domain.errors import BadUserInput


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("1.005", "1.01"),
        ("1.004", "1.00"),
        ("2.675", "2.68"),  # half-even would give 2.68 too; 2.665 tells them apart
        ("2.665", "2.67"),
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-0.00", "0.00"),
        ("10", "10.00"),
    ],
)
def test_amounts_round_half_up_to_the_cent(given: str, kept: str) -> None:
    assert money.amount(Decimal(given), "price") == Decimal(kept)
    assert str(money.amount(Decimal(given), "price")) == kept


@pytest.mark.parametrize(
    "given", ["-0.01", "NaN", "Infinity", "-Infinity", "10000000000", "1e999999", "-1e999999"]
)
def test_bad_amounts_are_refused_by_field(given: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        money.amount(Decimal(given), "lines[0].unitPrice")
    assert refused.value.extensions["field"] == "lines[0].unitPrice"


def test_products_and_sums_round_the_same_way() -> None:
    assert money.times(Decimal("0.335"), 3) == Decimal("1.01")  # 1.005
    assert money.total([Decimal("0.105"), Decimal("0.9")]) == Decimal("1.01")
    assert money.optional_amount(None, "x") is None
