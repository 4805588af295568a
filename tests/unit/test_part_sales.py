"""The rules of parts sales (domain.sales.part_sales): amounts, margins, the total and
the sale number (the lines as asked: tests/unit/test_part_lines.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import BadUserInput
from domain.sales import part_sales

D = Decimal


def test_amounts_are_price_times_quantity_in_cents() -> None:
    assert part_sales.line_amount(D("85.00"), 3) == D("255.00")
    assert part_sales.line_amount(D("0.10"), 3) == D("0.30")
    assert str(part_sales.line_amount(D("100"), 2)) == "200.00"


def test_the_margin_is_the_amount_over_the_cost_and_may_be_negative() -> None:
    assert part_sales.line_margin(D("255.00"), D("60.00"), 3) == D("75.00")
    assert part_sales.line_margin(D("50.00"), D("60.00"), 1) == D("-10.00")


def test_the_total_adds_up_the_amounts() -> None:
    assert part_sales.sale_total([D("255.00"), D("100.00"), D("0.30")]) == D("355.30")
    assert str(part_sales.sale_total([])) == "0.00"


def test_a_total_too_large_to_store_is_refused() -> None:
    just_fits = part_sales.MAX_TOTAL - D("0.01")
    assert part_sales.sale_total([just_fits]) == just_fits
    with pytest.raises(BadUserInput) as info:
        part_sales.sale_total([just_fits, D("0.01")])
    assert info.value.extensions == {"field": "lines"}


def test_the_number_derives_from_the_year_and_the_id() -> None:
    assert part_sales.sale_number(2026, 123) == "PS2026-000123"
    assert part_sales.sale_number(2027, 1_234_567) == "PS2027-1234567"
