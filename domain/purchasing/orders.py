"""Purchase orders for parts: their status machine, the four-eyes approval, the lines
and what a receipt may take in.

Plain Python on plain data: the resolvers lock the order row, these functions decide.

    DRAFT ─review─▶ REVIEWED ─approve (not the reviewer)─▶ APPROVED ─issue─▶ ISSUED
                                                                               │ receive
                                         PARTLY_RECEIVED ◀─────receive────────┤
                                                │ receive the rest             ▼
                                                └─────────────────────────▶ RECEIVED
    DRAFT, REVIEWED, APPROVED, and ISSUED while nothing is received ─cancel─▶ CANCELLED

A move from the wrong state is a CONFLICT carrying `currentStatus` (the client lost a
race or holds a stale copy: it learns where the order is now). The reviewer approving
their own review is FORBIDDEN: no state of the order would make it right, it is about
who asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.errors import BadUserInput, Conflict, Forbidden
from domain.money import optional_amount, times
from domain.parts import stock as part_rules
from domain.parts.lines import AskedLine


class PurchaseOrderStatus(StrEnum):
    DRAFT = "DRAFT"
    REVIEWED = "REVIEWED"
    APPROVED = "APPROVED"
    ISSUED = "ISSUED"
    PARTLY_RECEIVED = "PARTLY_RECEIVED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


class Step(StrEnum):
    REVIEW = "REVIEW"
    APPROVE = "APPROVE"
    ISSUE = "ISSUE"
    RECEIVE = "RECEIVE"
    CANCEL = "CANCEL"


S = PurchaseOrderStatus

# The states each step may be taken from. RECEIVE and CANCEL have more to them (the
# target of a receipt depends on what is left; an issued order may be cancelled only
# while nothing was received): see `plan_step`.
SOURCES: dict[Step, frozenset[PurchaseOrderStatus]] = {
    Step.REVIEW: frozenset({S.DRAFT}),
    Step.APPROVE: frozenset({S.REVIEWED}),
    Step.ISSUE: frozenset({S.APPROVED}),
    Step.RECEIVE: frozenset({S.ISSUED, S.PARTLY_RECEIVED}),
    Step.CANCEL: frozenset({S.DRAFT, S.REVIEWED, S.APPROVED, S.ISSUED}),
}
TARGETS: dict[Step, PurchaseOrderStatus] = {
    Step.REVIEW: S.REVIEWED,
    Step.APPROVE: S.APPROVED,
    Step.ISSUE: S.ISSUED,
    Step.CANCEL: S.CANCELLED,
}


def purchase_order_number(year: int, pk: int) -> str:
    """PO2026-000123: the year it was made and its id."""
    return f"PO{year}-{pk:06d}"


def _conflict(step: Step, status: PurchaseOrderStatus, why: str = "") -> Conflict:
    message = f"cannot {step.value.lower()} a purchase order that is {status.value}{why}"
    return Conflict(message, currentStatus=status.value)


def plan_step(
    step: Step, status: PurchaseOrderStatus | str, *, anything_received: bool = False
) -> PurchaseOrderStatus:
    """The status `step` leads to from `status` (for RECEIVE: the status it may be taken
    from, the receipt decides the target, see `receipt_status`); CONFLICT otherwise."""
    current = PurchaseOrderStatus(status)
    if current not in SOURCES[step]:
        raise _conflict(step, current)
    if step is Step.CANCEL and anything_received:
        # Goods already in stock belong to the order; it can no longer be undone whole.
        raise _conflict(step, current, " with goods already received")
    return TARGETS.get(step, current)


def check_approver(reviewer_id: int | None, approver_id: int) -> None:
    """Four eyes: the approval is a second review, by someone other than the reviewer."""
    if reviewer_id is not None and reviewer_id == approver_id:
        raise Forbidden("the approval must come from someone other than the reviewer")


# -- lines ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A line as asked for: the part, how many, the purchase price (None: the part's
    cost price)."""

    part_id: int
    quantity: int
    unit_price: Decimal | None


def check_lines(lines: Sequence[AskedLine]) -> list[OrderLine]:
    """An order's lines as asked (domain.parts.lines, each part at most once: two prices
    for one part would leave no single purchase price to merge them at), with their
    purchase prices to the cent."""
    return [
        OrderLine(line.part_id, line.quantity, purchase_price(line.unit_price, line.price_field))
        for line in lines
    ]


def purchase_price(value: Decimal | None, field: str) -> Decimal | None:
    """A unit purchase price, to the cent; None stays None (the cost price applies)."""
    return optional_amount(value, field)


def line_amount(quantity: int, unit_price: Decimal) -> Decimal:
    return times(unit_price, quantity)


# -- receipts ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineState:
    """What an order line ordered and has received so far."""

    quantity: int
    received: int

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.received, 0)


def plan_receipt(
    ordered: dict[int, LineState],
    receipt: Sequence[tuple[int, int]],
    field: str = "lines",
) -> dict[int, int]:
    """How many units of each part a receipt takes in (receipt lines naming one part
    twice are added up). Refused whole, naming the line: a part not on the order, a
    quantity that is not positive, or more than is still outstanding on its line (the
    error carries `outstanding`)."""
    if not receipt:
        raise BadUserInput("must name at least one part", field=field)
    taken: dict[int, int] = {}
    for index, (part_id, count) in enumerate(receipt):
        line = ordered.get(part_id)
        if line is None:
            raise BadUserInput("is not on this purchase order", field=f"{field}[{index}].partId")
        part_rules.quantity(count, f"{field}[{index}].quantity")
        total = taken.get(part_id, 0) + count
        if total > line.outstanding:
            raise BadUserInput(
                f"only {line.outstanding} still outstanding on this line, {total} received",
                field=f"{field}[{index}].quantity",
                outstanding=line.outstanding,
            )
        taken[part_id] = total
    return taken


def receipt_status(lines: Sequence[LineState]) -> PurchaseOrderStatus:
    """RECEIVED once every line is received in full, PARTLY_RECEIVED before."""
    if all(line.outstanding == 0 for line in lines):
        return S.RECEIVED
    return S.PARTLY_RECEIVED
