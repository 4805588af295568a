"""The rules of domain.outings, checked against the issue's description.

The expected tables are written out by hand, as plain strings, so that they do not
depend on the module's own constants (REQUESTABLE, EXPENSE_MOVES...).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import BadUserInput, Conflict
from domain.outings import requests as outings
from domain.outings.requests import ExpenseFigures, ExpenseMove, ExpenseStatus, OutingStatus
from domain.tickets.lifecycle import TicketStatus

TICKET_STATUSES = [
    "NEW",
    "DISPATCHED",
    "ACCEPTED",
    "IN_PROGRESS",
    "CLOSE_REQUESTED",
    "CUSTOMER_CONFIRMED",
    "CLOSED",
    "CANCELLED",
]
# The engineer holds the ticket and works on it: dispatched, accepted or in progress.
OPEN_FOR_WORK = {"DISPATCHED", "ACCEPTED", "IN_PROGRESS"}
OUTING_STATUSES = ["PENDING", "APPROVED", "REJECTED", "CANCELLED"]
EXPENSE_STATUSES = ["REQUESTED", "CLAIMED", "APPROVED", "PAID", "REJECTED"]
# move -> {from: to}; anything not listed is refused.
EXPENSE_TABLE: dict[str, dict[str, str]] = {
    "CLAIM": {"REQUESTED": "CLAIMED"},
    "APPROVE": {"CLAIMED": "APPROVED"},
    "PAY": {"APPROVED": "PAID"},
    "REJECT": {"REQUESTED": "REJECTED", "CLAIMED": "REJECTED"},
}


def test_the_names_clients_see() -> None:
    assert [s.value for s in OutingStatus] == OUTING_STATUSES
    assert [s.value for s in ExpenseStatus] == EXPENSE_STATUSES
    assert [k.value for k in outings.ExpenseKind] == ["TRAVEL", "LODGING", "OTHER"]


# -- amounts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", "0.00"), ("12.5", "12.50"), ("199.99", "199.99"), ("1000000", "1000000.00")],
)
def test_amounts_zero_or_more_in_cents(raw: str, expected: str) -> None:
    result = outings.amount(Decimal(raw), "amount")
    assert result == Decimal(expected)
    assert str(result) == expected


def test_minus_zero_is_plain_zero() -> None:
    assert str(outings.amount(Decimal("-0.00"), "amount")) == "0.00"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-0.01", "zero or more"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("-Infinity", "not a number"),
        ("1000000.01", "at most"),
        ("1E+12", "at most"),
    ],
)
def test_bad_amounts_are_refused_with_the_field(raw: str, reason: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        outings.amount(Decimal(raw), "expenses[2].amount")
    assert caught.value.extensions["field"] == "expenses[2].amount"
    assert reason in caught.value.message


# -- what a request holds ---------------------------------------------------------------


def test_a_request_names_at_least_one_part_or_one_expense() -> None:
    with pytest.raises(BadUserInput) as caught:
        outings.check_lines(0, 0)
    assert caught.value.extensions["field"] == "parts"
    outings.check_lines(1, 0)
    outings.check_lines(0, 1)
    outings.check_lines(3, 2)


def test_a_request_is_bounded() -> None:
    outings.check_lines(50, 20)
    with pytest.raises(BadUserInput) as parts:
        outings.check_lines(51, 0)
    assert parts.value.extensions["field"] == "parts"
    with pytest.raises(BadUserInput) as expenses:
        outings.check_lines(0, 21)
    assert expenses.value.extensions["field"] == "expenses"


@pytest.mark.parametrize("status", TICKET_STATUSES)
def test_an_outing_is_asked_only_for_a_ticket_being_worked_on(status: str) -> None:
    if status in OPEN_FOR_WORK:
        outings.check_requestable(TicketStatus(status))
        return
    with pytest.raises(Conflict) as caught:
        outings.check_requestable(TicketStatus(status))
    assert caught.value.extensions["currentStatus"] == status


# -- decisions ---------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["APPROVED", "REJECTED", "CANCELLED"])
@pytest.mark.parametrize("current", OUTING_STATUSES)
def test_a_request_is_decided_once_and_only_while_pending(current: str, decision: str) -> None:
    if current == "PENDING":
        assert outings.decide(OutingStatus(current), OutingStatus(decision)).value == decision
        return
    with pytest.raises(Conflict) as caught:
        outings.decide(OutingStatus(current), OutingStatus(decision))
    assert caught.value.extensions["currentStatus"] == current


def test_pending_is_not_a_decision() -> None:
    with pytest.raises(AssertionError):
        outings.decide(OutingStatus.PENDING, OutingStatus.PENDING)


@pytest.mark.parametrize("status", TICKET_STATUSES)
def test_parts_go_out_only_for_a_ticket_still_worked_on(status: str) -> None:
    if status in OPEN_FOR_WORK:
        outings.check_approvable(TicketStatus(status), 7, 7)
        return
    with pytest.raises(Conflict) as caught:
        outings.check_approvable(TicketStatus(status), 7, 7)
    assert caught.value.extensions["ticketStatus"] == status


@pytest.mark.parametrize("assignee", [8, None])
def test_parts_go_out_only_to_the_engineer_still_holding_the_ticket(assignee: int | None) -> None:
    with pytest.raises(Conflict) as caught:
        outings.check_approvable(TicketStatus.IN_PROGRESS, assignee, 7)
    assert "reassigned" in caught.value.message


# -- expenses ------------------------------------------------------------------------


@pytest.mark.parametrize("status", OUTING_STATUSES)
def test_money_is_claimed_only_on_an_approved_outing(status: str) -> None:
    if status == "APPROVED":
        outings.check_claimable(OutingStatus(status))
        return
    with pytest.raises(Conflict) as caught:
        outings.check_claimable(OutingStatus(status))
    assert caught.value.extensions["requestStatus"] == status


@pytest.mark.parametrize("current", EXPENSE_STATUSES)
@pytest.mark.parametrize("move", list(EXPENSE_TABLE))
def test_expense_lines_follow_requested_claimed_approved_paid(move: str, current: str) -> None:
    expected = EXPENSE_TABLE[move].get(current)
    if expected is not None:
        assert outings.expense_move(ExpenseMove(move), ExpenseStatus(current)).value == expected
        return
    with pytest.raises(Conflict) as caught:
        outings.expense_move(ExpenseMove(move), ExpenseStatus(current))
    assert caught.value.extensions["currentStatus"] == current


def test_the_approved_amount_defaults_to_the_claim_and_never_exceeds_it() -> None:
    claimed = Decimal("120.00")
    assert outings.approved_amount(claimed, None) == claimed
    assert outings.approved_amount(claimed, Decimal("120")) == claimed
    assert outings.approved_amount(claimed, Decimal("99.5")) == Decimal("99.50")
    assert outings.approved_amount(claimed, Decimal("0")) == Decimal("0.00")
    with pytest.raises(BadUserInput) as caught:
        outings.approved_amount(claimed, Decimal("120.01"))
    assert caught.value.extensions["field"] == "amount"
    with pytest.raises(BadUserInput):
        outings.approved_amount(claimed, Decimal("-1"))


def test_totals_leave_rejected_lines_out() -> None:
    d = Decimal
    lines = [
        ExpenseFigures(ExpenseStatus.PAID, d("100.00"), d("90.00"), d("80.00"), d("80.00")),
        ExpenseFigures(ExpenseStatus.APPROVED, d("50.00"), d("60.00"), d("55.00")),
        ExpenseFigures(ExpenseStatus.CLAIMED, d("30.00"), d("35.00")),
        ExpenseFigures(ExpenseStatus.REQUESTED, d("20.00")),
        ExpenseFigures(ExpenseStatus.REJECTED, d("999.00"), d("999.00")),
    ]
    sums = outings.totals(lines)
    assert sums.requested == d("200.00")
    assert sums.claimed == d("185.00")
    assert sums.approved == d("135.00")
    assert sums.paid == d("80.00")
    assert sums.outstanding == d("55.00")


def test_totals_of_nothing_are_zero() -> None:
    sums = outings.totals([])
    assert (sums.requested, sums.claimed, sums.approved, sums.paid, sums.outstanding) == (
        Decimal("0.00"),
    ) * 5


@pytest.mark.parametrize(("raw", "kept"), [("0.001", "0.00"), ("10.005", "10.01"), ("7.5", "7.50")])
def test_amounts_are_kept_to_the_cent_half_up(raw: str, kept: str) -> None:
    assert str(outings.amount(Decimal(raw), "expenses[0].amount")) == kept
