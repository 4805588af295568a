"""Engineer outing requests and the money spent on them: plain rules, no I/O.

An engineer asks to go out for a ticket they hold (it must be open for work) with the
parts and the money needed. ADMIN or BACK_OFFICE approves (the parts are issued to the
engineer) or rejects it; the engineer may cancel it while it waits. Each expense line
is then reimbursed against a receipt: the engineer claims what was spent, the office
approves an amount no higher than the claim, then pays it, or rejects the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain import money
from domain.errors import BadUserInput, Conflict
from domain.tickets.lifecycle import TicketStatus

ZERO = Decimal("0.00")
# One expense line; a guard against typos (an extra zero or two), not a business limit.
MAX_AMOUNT = Decimal("1000000.00")
# Lines of one request: an outing takes a van, not the warehouse.
MAX_PART_LINES = 50
MAX_EXPENSE_LINES = 20


class OutingStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class ExpenseKind(StrEnum):
    TRAVEL = "TRAVEL"
    LODGING = "LODGING"
    OTHER = "OTHER"


class ExpenseStatus(StrEnum):
    REQUESTED = "REQUESTED"  # asked for with the outing
    CLAIMED = "CLAIMED"  # spent: the engineer claims an amount against a receipt
    APPROVED = "APPROVED"  # the office accepts an amount (at most the claim)
    PAID = "PAID"  # reimbursed
    REJECTED = "REJECTED"  # not reimbursed (also every line of a refused outing)


class ExpenseMove(StrEnum):
    CLAIM = "CLAIM"
    APPROVE = "APPROVE"
    PAY = "PAY"
    REJECT = "REJECT"


# A ticket an engineer may still go out for: theirs, and not yet asked to be closed.
REQUESTABLE = frozenset({TicketStatus.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS})

DECISIONS = frozenset({OutingStatus.APPROVED, OutingStatus.REJECTED, OutingStatus.CANCELLED})

# move -> (the statuses it starts from, the status it leads to)
EXPENSE_MOVES: dict[ExpenseMove, tuple[frozenset[ExpenseStatus], ExpenseStatus]] = {
    ExpenseMove.CLAIM: (frozenset({ExpenseStatus.REQUESTED}), ExpenseStatus.CLAIMED),
    ExpenseMove.APPROVE: (frozenset({ExpenseStatus.CLAIMED}), ExpenseStatus.APPROVED),
    ExpenseMove.PAY: (frozenset({ExpenseStatus.APPROVED}), ExpenseStatus.PAID),
    # Once approved, an amount is owed: it is paid, not taken back.
    ExpenseMove.REJECT: (
        frozenset({ExpenseStatus.REQUESTED, ExpenseStatus.CLAIMED}),
        ExpenseStatus.REJECTED,
    ),
}


def amount(value: Decimal, field: str) -> Decimal:
    """A sum of money for an outing: zero or more, at most MAX_AMOUNT, to the cent
    (domain.money: half up)."""
    return money.amount(value, field, maximum=MAX_AMOUNT)


def check_lines(part_lines: int, expense_lines: int) -> None:
    """A request names at least one part or one expense, and not a warehouse's worth."""
    if part_lines == 0 and expense_lines == 0:
        raise BadUserInput("must name at least one part or one expense", field="parts")
    if part_lines > MAX_PART_LINES:
        raise BadUserInput(f"must have at most {MAX_PART_LINES} lines", field="parts")
    if expense_lines > MAX_EXPENSE_LINES:
        raise BadUserInput(f"must have at most {MAX_EXPENSE_LINES} lines", field="expenses")


def check_requestable(ticket_status: TicketStatus) -> None:
    """Only a ticket being worked on (dispatched, accepted or in progress)."""
    if ticket_status not in REQUESTABLE:
        raise Conflict(
            f"an outing cannot be requested for a {ticket_status.value} ticket",
            currentStatus=ticket_status.value,
        )


def decide(current: OutingStatus, decision: OutingStatus) -> OutingStatus:
    """Approve, reject or cancel: once, and only while the request is pending."""
    assert decision in DECISIONS
    if current is not OutingStatus.PENDING:
        raise Conflict(
            f"this outing request is already {current.value}", currentStatus=current.value
        )
    return decision


def check_approvable(
    ticket_status: TicketStatus, ticket_assignee_id: int | None, engineer_id: int
) -> None:
    """Parts go out only to the engineer who still holds a ticket still being worked on
    (a reassigned or cancelled ticket's request can only be rejected)."""
    if ticket_status not in REQUESTABLE:
        raise Conflict(
            f"the ticket is {ticket_status.value}: reject the request instead",
            ticketStatus=ticket_status.value,
        )
    if ticket_assignee_id != engineer_id:
        raise Conflict(
            "the ticket was reassigned to another engineer: reject the request instead",
            ticketStatus=ticket_status.value,
        )


def check_claimable(request_status: OutingStatus) -> None:
    """Money is claimed only for an outing that was approved."""
    if request_status is not OutingStatus.APPROVED:
        raise Conflict(
            f"expenses are claimed only on an approved outing; this one is {request_status.value}",
            requestStatus=request_status.value,
        )


def expense_move(move: ExpenseMove, current: ExpenseStatus) -> ExpenseStatus:
    """The status an expense line moves to, or CONFLICT naming where it stands."""
    sources, target = EXPENSE_MOVES[move]
    if current not in sources:
        raise Conflict(
            f"an expense that is {current.value} cannot be {target.value.lower()}",
            currentStatus=current.value,
        )
    return target


def approved_amount(claimed: Decimal, asked: Decimal | None, field: str = "amount") -> Decimal:
    """What the office accepts: the claim unless less is given; never more."""
    if asked is None:
        return claimed
    accepted = amount(asked, field)
    if accepted > claimed:
        raise BadUserInput(f"must not be more than the {claimed} claimed", field=field)
    return accepted


@dataclass(frozen=True, slots=True)
class ExpenseFigures:
    """One expense line's money, as the totals need it."""

    status: ExpenseStatus
    amount: Decimal
    claimed: Decimal | None = None
    approved: Decimal | None = None
    paid: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    requested: Decimal  # asked for with the outing (rejected lines left out)
    claimed: Decimal
    approved: Decimal
    paid: Decimal
    outstanding: Decimal  # approved but not paid yet


def totals(lines: Iterable[ExpenseFigures]) -> Totals:
    requested = claimed = approved = paid = outstanding = ZERO
    for line in lines:
        if line.status is ExpenseStatus.REJECTED:
            continue
        requested += line.amount
        claimed += line.claimed or ZERO
        approved += line.approved or ZERO
        paid += line.paid or ZERO
        if line.status is ExpenseStatus.APPROVED:
            outstanding += line.approved or ZERO
    return Totals(requested, claimed, approved, paid, outstanding)
