"""The rules of parts sales (domain.part_sales): one line per part, prices that agree,
bounded sizes, amounts, margins, the total and the sale number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import BadUserInput
from domain.parts.stock import MAX_QUANTITY
from domain.sales import part_sales
from domain.sales.part_sales import SaleLineAsked

D = Decimal


def refused(lines: list[tuple[int, int, Decimal | None]]) -> BadUserInput:
    with pytest.raises(BadUserInput) as info:
        part_sales.merge_sale_lines(lines)
    return info.value


def test_each_part_is_one_line_in_first_seen_order() -> None:
    merged = part_sales.merge_sale_lines([(7, 2, None), (3, 1, D("90")), (9, 5, None)])
    assert merged == [
        SaleLineAsked(7, 2, None, "lines[0].partId", "lines[0].quantity", "lines[0].unitPrice"),
        SaleLineAsked(3, 1, D("90"), "lines[1].partId", "lines[1].quantity", "lines[1].unitPrice"),
        SaleLineAsked(9, 5, None, "lines[2].partId", "lines[2].quantity", "lines[2].unitPrice"),
    ]


def test_a_part_named_twice_adds_up_and_keeps_its_first_fields() -> None:
    merged = part_sales.merge_sale_lines([(7, 2, None), (3, 1, None), (7, 4, None)])
    assert [(line.part_id, line.quantity) for line in merged] == [(7, 6), (3, 1)]
    assert merged[0].quantity_field == "lines[0].quantity"


def test_a_price_given_on_either_line_of_a_part_applies_and_names_that_line() -> None:
    later = part_sales.merge_sale_lines([(7, 2, None), (7, 1, D("85"))])
    assert (later[0].quantity, later[0].unit_price) == (3, D("85"))
    assert later[0].price_field == "lines[1].unitPrice"
    earlier = part_sales.merge_sale_lines([(7, 2, D("85")), (7, 1, None)])
    assert (earlier[0].unit_price, earlier[0].price_field) == (D("85"), "lines[0].unitPrice")


def test_the_same_price_twice_is_one_price() -> None:
    merged = part_sales.merge_sale_lines([(7, 2, D("85")), (7, 1, D("85.00"))])
    assert (merged[0].quantity, merged[0].unit_price) == (3, D("85"))


def test_two_different_prices_for_one_part_are_refused_on_the_second_line() -> None:
    error = refused([(7, 2, D("85")), (3, 1, None), (7, 1, D("90"))])
    assert error.extensions == {"field": "lines[2].unitPrice"}
    assert "lines[0].unitPrice" in error.message


def test_no_lines_is_refused() -> None:
    assert refused([]).extensions == {"field": "lines"}


def test_too_many_lines_are_refused() -> None:
    lines = [(pk, 1, None) for pk in range(1, part_sales.MAX_LINES + 2)]
    assert refused(lines).extensions == {"field": "lines"}
    assert len(part_sales.merge_sale_lines(lines[:-1])) == part_sales.MAX_LINES


@pytest.mark.parametrize("count", [0, -1, MAX_QUANTITY + 1])
def test_a_bad_quantity_is_refused_by_its_line(count: int) -> None:
    assert refused([(7, 1, None), (3, count, None)]).extensions == {"field": "lines[1].quantity"}


def test_a_part_named_twice_may_not_sum_past_the_largest_quantity() -> None:
    error = refused([(7, MAX_QUANTITY, None), (7, 1, None)])
    assert error.extensions == {"field": "lines[1].quantity"}


@pytest.mark.parametrize("price", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_a_price_that_is_not_a_number_is_refused_by_its_line(price: Decimal) -> None:
    assert refused([(7, 1, None), (3, 1, price)]).extensions == {"field": "lines[1].unitPrice"}


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
