"""The purchase-order rules of domain.purchase_orders, checked against the issue.

The transition table below is written out by hand as plain strings from the issue
("draft → reviewed → approved (a second reviewer, not the first) → issued → received
(partly or fully)"; cancelled from draft, reviewed, approved, and from issued only while
nothing was received), so it does not depend on the module's own SOURCES / TARGETS.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import BadUserInput, Conflict, Forbidden
from domain.parts.lines import LinePrices, merge_part_lines
from domain.purchasing import orders as po
from domain.purchasing.orders import LineState, OrderLine, Step

STATUSES = ["DRAFT", "REVIEWED", "APPROVED", "ISSUED", "PARTLY_RECEIVED", "RECEIVED", "CANCELLED"]

# step -> {source status: target status}; a status not listed does not allow the step.
# RECEIVE "stays" here: the receipt itself decides between PARTLY_RECEIVED and RECEIVED.
TRANSITIONS: dict[str, dict[str, str]] = {
    "REVIEW": {"DRAFT": "REVIEWED"},
    "APPROVE": {"REVIEWED": "APPROVED"},
    "ISSUE": {"APPROVED": "ISSUED"},
    "RECEIVE": {"ISSUED": "ISSUED", "PARTLY_RECEIVED": "PARTLY_RECEIVED"},
    "CANCEL": {
        "DRAFT": "CANCELLED",
        "REVIEWED": "CANCELLED",
        "APPROVED": "CANCELLED",
        "ISSUED": "CANCELLED",
    },
}


def test_the_contract_statuses() -> None:
    assert [s.value for s in po.PurchaseOrderStatus] == STATUSES


@pytest.mark.parametrize("step", list(TRANSITIONS))
@pytest.mark.parametrize("status", STATUSES)
def test_every_step_from_every_status(step: str, status: str) -> None:
    expected = TRANSITIONS[step].get(status)
    if expected is None:
        with pytest.raises(Conflict) as caught:
            po.plan_step(Step(step), status)
        assert caught.value.extensions["currentStatus"] == status
        assert status in caught.value.message
    else:
        assert po.plan_step(Step(step), status) == expected


def test_an_issued_order_with_goods_received_cannot_be_cancelled() -> None:
    with pytest.raises(Conflict) as caught:
        po.plan_step(Step.CANCEL, "ISSUED", anything_received=True)
    assert caught.value.extensions == {"currentStatus": "ISSUED"}
    assert "received" in caught.value.message


@pytest.mark.parametrize("status", ["PARTLY_RECEIVED", "RECEIVED", "CANCELLED"])
def test_orders_with_goods_in_or_cancelled_are_never_cancelled(status: str) -> None:
    for received in (False, True):
        with pytest.raises(Conflict):
            po.plan_step(Step.CANCEL, status, anything_received=received)


def test_the_approver_is_not_the_reviewer() -> None:
    with pytest.raises(Forbidden):
        po.check_approver(7, 7)
    po.check_approver(7, 8)
    # A reviewed order always has a reviewer; None (never reviewed) binds nobody.
    po.check_approver(None, 7)


def test_numbers() -> None:
    assert po.purchase_order_number(2026, 123) == "PO2026-000123"
    assert po.purchase_order_number(2027, 1234567) == "PO2027-1234567"


# -- lines -----------------------------------------------------------------------------


def check_lines(lines: list[OrderLine]) -> list[OrderLine]:
    """An order's lines read as the resolver reads them (domain.parts.lines), checked."""
    asked = merge_part_lines(
        [(line.part_id, line.quantity, line.unit_price) for line in lines],
        prices=LinePrices.PURCHASE,
        each_part_once=True,
    )
    return po.check_lines(asked)


def test_lines_are_checked_and_prices_rounded_to_the_cent() -> None:
    lines = check_lines(
        [OrderLine(1, 5, Decimal("12.345")), OrderLine(2, 1, None), OrderLine(3, 2, Decimal("0"))]
    )
    assert lines == [
        OrderLine(1, 5, Decimal("12.35")),
        OrderLine(2, 1, None),
        OrderLine(3, 2, Decimal("0.00")),
    ]
    assert str(check_lines([OrderLine(1, 1, Decimal("-0"))])[0].unit_price) == "0.00"


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([OrderLine(1, 0, None)], "lines[0].quantity"),
        ([OrderLine(1, 1, None), OrderLine(2, -3, None)], "lines[1].quantity"),
        ([OrderLine(1, 1_000_001, None)], "lines[0].quantity"),
        ([OrderLine(1, 1, Decimal("-0.01"))], "lines[0].unitPrice"),
        ([OrderLine(1, 1, Decimal("NaN"))], "lines[0].unitPrice"),
        ([OrderLine(1, 1, Decimal("Infinity"))], "lines[0].unitPrice"),
        ([OrderLine(1, 1, Decimal("1e10"))], "lines[0].unitPrice"),
        # Each part at most once per order: refused, naming the repeated line.
        ([OrderLine(1, 1, None), OrderLine(2, 1, None), OrderLine(1, 2, None)], "lines[2].partId"),
    ],
)
def test_bad_lines_are_refused_by_name(lines: list[OrderLine], field: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        check_lines(lines)
    assert caught.value.extensions["field"] == field


def test_line_amount() -> None:
    assert po.line_amount(3, Decimal("12.35")) == Decimal("37.05")
    assert po.line_amount(1, Decimal("0.00")) == Decimal("0.00")


# -- receipts ------------------------------------------------------------------------


ORDERED = {10: LineState(10, 0), 20: LineState(5, 3), 30: LineState(2, 2)}


def test_outstanding() -> None:
    assert [ORDERED[k].outstanding for k in (10, 20, 30)] == [10, 2, 0]


def test_a_receipt_takes_in_up_to_what_is_outstanding() -> None:
    assert po.plan_receipt(ORDERED, [(10, 4), (20, 2)]) == {10: 4, 20: 2}
    assert po.plan_receipt(ORDERED, [(10, 10)]) == {10: 10}


def test_a_part_named_twice_in_a_receipt_is_added_up() -> None:
    assert po.plan_receipt(ORDERED, [(10, 4), (10, 6)]) == {10: 10}


@pytest.mark.parametrize(
    ("receipt", "field", "outstanding"),
    [
        ([(10, 11)], "lines[0].quantity", 10),
        ([(10, 1), (20, 3)], "lines[1].quantity", 2),
        # Added up, the second line goes over: it is the one named.
        ([(10, 6), (10, 5)], "lines[1].quantity", 10),
        # A complete line takes nothing more.
        ([(30, 1)], "lines[0].quantity", 0),
    ],
)
def test_an_over_receipt_is_refused_naming_the_line(
    receipt: list[tuple[int, int]], field: str, outstanding: int
) -> None:
    with pytest.raises(BadUserInput) as caught:
        po.plan_receipt(ORDERED, receipt)
    assert caught.value.extensions == {"field": field, "outstanding": outstanding}


@pytest.mark.parametrize(
    ("receipt", "field"),
    [
        ([], "lines"),
        ([(99, 1)], "lines[0].partId"),
        ([(10, 1), (99, 1)], "lines[1].partId"),
        ([(10, 0)], "lines[0].quantity"),
        ([(10, -1)], "lines[0].quantity"),
    ],
)
def test_bad_receipt_lines_are_refused(receipt: list[tuple[int, int]], field: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        po.plan_receipt(ORDERED, receipt)
    assert caught.value.extensions["field"] == field


@pytest.mark.parametrize(
    ("lines", "status"),
    [
        ([LineState(10, 10)], "RECEIVED"),
        ([LineState(10, 10), LineState(2, 2)], "RECEIVED"),
        ([LineState(10, 9)], "PARTLY_RECEIVED"),
        ([LineState(10, 10), LineState(2, 0)], "PARTLY_RECEIVED"),
        ([LineState(10, 1), LineState(2, 1)], "PARTLY_RECEIVED"),
    ],
)
def test_the_status_after_a_receipt(lines: list[LineState], status: str) -> None:
    assert po.receipt_status(lines) == status
