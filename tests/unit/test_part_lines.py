"""Part lines as asked (domain.parts.lines): one rule for every use, with its options.
Sales (and parts used on tickets) merge a part named twice and allow one price; outings
and returns refuse a price; purchase orders refuse a part named twice."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest

from domain.errors import BadUserInput
from domain.parts.lines import MAX_LINES, AskedLine, LinePrices, merge_part_lines
from domain.parts.stock import MAX_QUANTITY

D = Decimal
merge = partial(merge_part_lines, prices=LinePrices.SELLING)


def refused(lines: list[tuple[int, int, Decimal | None]]) -> BadUserInput:
    with pytest.raises(BadUserInput) as info:
        merge(lines)
    return info.value


def test_each_part_is_one_line_in_first_seen_order() -> None:
    merged = merge([(7, 2, None), (3, 1, D("90")), (9, 5, None)])
    assert merged == [
        AskedLine(7, 2, None, "lines[0].partId", "lines[0].quantity", "lines[0].unitPrice"),
        AskedLine(3, 1, D("90"), "lines[1].partId", "lines[1].quantity", "lines[1].unitPrice"),
        AskedLine(9, 5, None, "lines[2].partId", "lines[2].quantity", "lines[2].unitPrice"),
    ]


def test_a_part_named_twice_adds_up_and_keeps_its_first_fields() -> None:
    merged = merge([(7, 2, None), (3, 1, None), (7, 4, None)])
    assert [(line.part_id, line.quantity) for line in merged] == [(7, 6), (3, 1)]
    assert merged[0].quantity_field == "lines[0].quantity"


def test_a_price_given_on_either_line_of_a_part_applies_and_names_that_line() -> None:
    later = merge([(7, 2, None), (7, 1, D("85"))])
    assert (later[0].quantity, later[0].unit_price) == (3, D("85"))
    assert later[0].price_field == "lines[1].unitPrice"
    earlier = merge([(7, 2, D("85")), (7, 1, None)])
    assert (earlier[0].unit_price, earlier[0].price_field) == (D("85"), "lines[0].unitPrice")


def test_the_same_price_twice_is_one_price() -> None:
    merged = merge([(7, 2, D("85")), (7, 1, D("85.00"))])
    assert (merged[0].quantity, merged[0].unit_price) == (3, D("85"))


def test_two_different_prices_for_one_part_are_refused_on_the_second_line() -> None:
    error = refused([(7, 2, D("85")), (3, 1, None), (7, 1, D("90"))])
    assert error.extensions == {"field": "lines[2].unitPrice"}
    assert "lines[0].unitPrice" in error.message


def test_no_lines_is_refused() -> None:
    assert refused([]).extensions == {"field": "lines"}


def test_too_many_lines_are_refused() -> None:
    lines = [(pk, 1, None) for pk in range(1, MAX_LINES + 2)]
    assert refused(lines).extensions == {"field": "lines"}
    assert len(merge(lines[:-1])) == MAX_LINES


@pytest.mark.parametrize("count", [0, -1, MAX_QUANTITY + 1])
def test_a_bad_quantity_is_refused_by_its_line(count: int) -> None:
    assert refused([(7, 1, None), (3, count, None)]).extensions == {"field": "lines[1].quantity"}


def test_a_part_named_twice_may_not_sum_past_the_largest_quantity() -> None:
    error = refused([(7, MAX_QUANTITY, None), (7, 1, None)])
    assert error.extensions == {"field": "lines[1].quantity"}


@pytest.mark.parametrize("price", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_a_price_that_is_not_a_number_is_refused_by_its_line(price: Decimal) -> None:
    assert refused([(7, 1, None), (3, 1, price)]).extensions == {"field": "lines[1].unitPrice"}


def test_a_price_where_parts_are_not_sold_is_refused_by_its_line() -> None:
    with pytest.raises(BadUserInput) as info:
        merge_part_lines([(7, 1, None), (3, 1, D("5"))], prices=LinePrices.NONE, field="parts")
    assert info.value.extensions == {"field": "parts[1].unitPrice"}


def test_lines_may_be_optional_for_a_use() -> None:
    assert merge_part_lines([], prices=LinePrices.NONE, required=False) == []


def test_a_part_named_twice_is_refused_where_each_part_comes_once() -> None:
    lines = [(1, 1, None), (2, 1, None), (1, 2, None)]
    with pytest.raises(BadUserInput) as info:
        merge_part_lines(lines, prices=LinePrices.PURCHASE, each_part_once=True)
    assert info.value.extensions == {"field": "lines[2].partId"}
    assert "line 0" in info.value.message
