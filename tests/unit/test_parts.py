"""The spare-part rules of domain.parts: stock never negative, alarms, the average of
the last three purchases, the price floor and ceiling, warranty charges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import BadUserInput
from domain.parts import stock as parts
from domain.parts.stock import AlarmChange, Prices

D = Decimal
PRICES = Prices(cost=D("60.00"), list=D("100.00"), minimum=D("80.00"))


# -- stock never negative ---------------------------------------------------------


@pytest.mark.parametrize(("on_hand", "wanted", "left"), [(5, 5, 0), (5, 1, 4), (1, 1, 0)])
def test_taking_at_most_what_is_there_leaves_the_rest(on_hand: int, wanted: int, left: int) -> None:
    assert parts.take(on_hand, wanted, what="P1") == left


@pytest.mark.parametrize(("on_hand", "wanted"), [(0, 1), (5, 6), (3, 1_000)])
def test_taking_more_than_there_is_is_refused_with_what_is_available(
    on_hand: int, wanted: int
) -> None:
    with pytest.raises(BadUserInput) as info:
        parts.take(on_hand, wanted, what="P1", field="lines[0].quantity")
    assert info.value.extensions == {"field": "lines[0].quantity", "available": on_hand}
    assert "P1" in info.value.message


@pytest.mark.parametrize("value", [0, -1, parts.MAX_QUANTITY + 1])
def test_line_quantities_are_positive_and_bounded(value: int) -> None:
    with pytest.raises(BadUserInput):
        parts.quantity(value, "quantity")


@pytest.mark.parametrize("value", [1, -1, parts.MAX_QUANTITY, -parts.MAX_QUANTITY])
def test_adjustments_are_signed_and_non_zero(value: int) -> None:
    assert parts.adjustment(value) == value


@pytest.mark.parametrize("value", [0, parts.MAX_QUANTITY + 1, -parts.MAX_QUANTITY - 1])
def test_empty_or_absurd_adjustments_are_refused(value: int) -> None:
    with pytest.raises(BadUserInput):
        parts.adjustment(value)


# -- alarms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_hand", "threshold", "below"), [(0, 0, True), (2, 2, True), (3, 2, False), (1, 0, False)]
)
def test_at_or_below_the_threshold_is_below_alarm(
    on_hand: int, threshold: int, below: bool
) -> None:
    assert parts.below_alarm(on_hand, threshold) is below


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        (5, 2, AlarmChange.RAISED),  # falls to the threshold
        (5, 0, AlarmChange.RAISED),
        (3, 2, AlarmChange.RAISED),
        (2, 1, None),  # already below: no second alarm
        (1, 3, AlarmChange.CLEARED),  # back above
        (2, 3, AlarmChange.CLEARED),
        (5, 4, None),
        (4, 9, None),
    ],
)
def test_stock_crossing_the_threshold_raises_or_clears_the_alarm(
    before: int, after: int, change: AlarmChange | None
) -> None:
    assert parts.alarm_change(before, after, 2, 2) is change


def test_a_new_threshold_alone_raises_or_clears_the_alarm() -> None:
    assert parts.alarm_change(5, 5, 2, 5) is AlarmChange.RAISED
    assert parts.alarm_change(5, 5, 5, 2) is AlarmChange.CLEARED
    assert parts.alarm_change(5, 5, 1, 2) is None


# -- average of the last three purchases ------------------------------------------------


def test_no_purchase_has_no_average() -> None:
    assert parts.average_purchase_price([]) is None


@pytest.mark.parametrize(
    ("latest_first", "average"),
    [
        ([D("10")], D("10.00")),
        ([D("10"), D("20")], D("15.00")),
        ([D("10"), D("20"), D("40")], D("23.33")),
        ([D("10"), D("20"), D("40"), D("1000")], D("23.33")),  # the fourth is too old
        ([D("0.01"), D("0.01"), D("0.02")], D("0.01")),
        ([D("1.00"), D("1.00"), D("1.01")], D("1.00")),
        ([D("1.01"), D("1.01"), D("1.00")], D("1.01")),
    ],
)
def test_the_average_is_of_the_last_three_purchases_to_the_cent(
    latest_first: list[Decimal], average: Decimal
) -> None:
    assert parts.average_purchase_price(latest_first) == average


# -- prices ---------------------------------------------------------------------------------


def test_the_minimum_price_may_not_exceed_the_list_price() -> None:
    parts.check_prices(Prices(cost=D("1"), list=D("10"), minimum=D("10")))
    with pytest.raises(BadUserInput) as info:
        parts.check_prices(Prices(cost=D("1"), list=D("10"), minimum=D("10.01")))
    assert info.value.extensions["field"] == "minimumPrice"


def test_without_a_discount_the_list_price_applies() -> None:
    assert parts.selling_price(PRICES, None, field="unitPrice") == D("100.00")


@pytest.mark.parametrize("asked", ["80", "80.00", "99.99", "100", "80.004"])
def test_a_discount_down_to_the_minimum_price_is_allowed(asked: str) -> None:
    price = parts.selling_price(PRICES, D(asked), field="unitPrice")
    assert D("80.00") <= price <= D("100.00")
    assert price == D(asked).quantize(D("0.01"))


@pytest.mark.parametrize("asked", ["79.99", "0", "-5", "100.01", "NaN", "Infinity"])
def test_prices_below_the_minimum_or_above_list_are_refused(asked: str) -> None:
    with pytest.raises(BadUserInput) as info:
        parts.selling_price(PRICES, D(asked), field="lines[2].unitPrice")
    assert info.value.extensions["field"] == "lines[2].unitPrice"


def test_under_warranty_parts_are_free_otherwise_charged() -> None:
    assert parts.line_charge(D("100.00"), 3, under_warranty=True) == D("0.00")
    assert parts.line_charge(D("100.00"), 3, under_warranty=False) == D("300.00")
    assert parts.line_charge(D("80.50"), 2, under_warranty=False) == D("161.00")


# -- lines and where issued parts come from -------------------------------------------------


@pytest.mark.parametrize(
    ("carried", "wanted", "split"), [(0, 3, (0, 3)), (2, 3, (2, 1)), (5, 3, (3, 0)), (3, 3, (3, 0))]
)
def test_parts_used_come_from_the_engineer_first_then_the_warehouse(
    carried: int, wanted: int, split: tuple[int, int]
) -> None:
    assert parts.split_issue(carried, wanted) == split


def test_an_order_received_in_parts_is_one_purchase_at_its_price() -> None:
    assert parts.purchase_price([(Decimal("10.00"), 3), (Decimal("10.00"), 7)]) == Decimal("10")
    # Lines of one order at two prices: weighted by quantity.
    assert parts.purchase_price([(Decimal("10.00"), 1), (Decimal("20.00"), 3)]) == Decimal("17.5")
    with pytest.raises(ValueError):
        parts.purchase_price([])
