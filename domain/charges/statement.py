"""The charges of a ticket (002 售后服务说明书 and the warranty law's 三包), as rules on
plain data; the statement a customer confirms is made of these lines.

- Labour is charged per *started* half hour of each work record, at the hourly rate
  for the device's ownership: our own products and other vendors' differ (the seed:
  100 and 150 per hour).
- Travel is a flat fee; parts are charged at the price they were put on the ticket.
- Under warranty everything is waived: the lines are shown with their amounts, marked
  waived, and the total counts none of them.
- A repair under warranty extends the warranty by the days the device was out of
  service; the same defect repaired twice under warranty entitles the customer to a
  replacement.
- Estimates: before chargeable work the customer is told what it will cost and
  accepts or refuses; a ticket cancelled after a refusal costs nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.errors import Conflict
from domain.money import to_cent, total

HALF_HOUR = timedelta(minutes=30)
# The same defect repaired this many times under warranty: a replacement is due.
REPAIRS_BEFORE_REPLACEMENT = 2


class ChargeKind(StrEnum):
    PART = "PART"
    LABOUR = "LABOUR"
    TRAVEL = "TRAVEL"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class Rates:
    own_device_hourly: Decimal
    other_device_hourly: Decimal
    travel_fee: Decimal

    def hourly(self, bought_from_us: bool) -> Decimal:
        return self.own_device_hourly if bought_from_us else self.other_device_hourly


@dataclass(frozen=True, slots=True)
class ChargeLine:
    kind: ChargeKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    waived: bool = False
    # The stored line it shows (labour, travel, the office's), None for a part.
    ref: int | None = None

    @property
    def amount(self) -> Decimal:
        return to_cent(self.quantity * self.unit_price)


def labour_hours(started_at: datetime, ended_at: datetime) -> Decimal:
    """Hours charged for one work record: every started half hour counts (0 when the
    record has no length)."""
    if ended_at <= started_at:
        return Decimal(0)
    length = ended_at - started_at
    halves = -(-length // HALF_HOUR)  # ceiling division of timedeltas
    return Decimal(halves) / 2


def labour_line(
    started_at: datetime, ended_at: datetime, rates: Rates, bought_from_us: bool
) -> ChargeLine:
    return ChargeLine(
        kind=ChargeKind.LABOUR,
        description="labour (own product)" if bought_from_us else "labour (other vendor)",
        quantity=labour_hours(started_at, ended_at),
        unit_price=rates.hourly(bought_from_us),
    )


def statement_total(lines: Iterable[ChargeLine], under_warranty: bool) -> Decimal:
    """What the customer pays: nothing under warranty, else every line not waived."""
    if under_warranty:
        return total([])
    return total(line.amount for line in lines if not line.waived)


def waive_under_warranty(lines: Sequence[ChargeLine], under_warranty: bool) -> list[ChargeLine]:
    """The lines as shown: under warranty each is marked waived (not hidden)."""
    if not under_warranty:
        return list(lines)
    return [replace(line, waived=True) for line in lines]


class EstimateStatus(StrEnum):
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    REFUSED = "REFUSED"


def check_estimate_answer(status: EstimateStatus | None) -> None:
    """An estimate is answered once, while it is waiting."""
    if status is None:
        raise Conflict("no estimate was sent for this ticket")
    if status is not EstimateStatus.SENT:
        raise Conflict(f"the estimate was already answered ({status.value})")


def free_of_charge(under_warranty: bool, cancelled: bool, estimate: EstimateStatus | None) -> bool:
    """Every line is waived under warranty (三包), and on a ticket cancelled after its
    customer refused the estimate."""
    return under_warranty or (cancelled and estimate is EstimateStatus.REFUSED)


@dataclass(frozen=True, slots=True)
class Statement:
    lines: list[ChargeLine]
    total: Decimal


def make_statement(lines: Sequence[ChargeLine], free: bool) -> Statement:
    """The lines as shown (all marked waived when free of charge) and what is owed."""
    shown = waive_under_warranty(lines, free)
    return Statement(shown, statement_total(shown, free))


def extended_warranty(warranty_ends_on: date | None, out_of_service: timedelta) -> date | None:
    """The warranty's new last day after a repair under warranty: repair time is not
    counted against it (every started day out of service adds a day)."""
    if warranty_ends_on is None:
        return None
    days = -(-out_of_service // timedelta(days=1)) if out_of_service > timedelta(0) else 0
    return warranty_ends_on + timedelta(days=days)


def repeat_failures(repairs_under_warranty: Iterable[str]) -> dict[str, int]:
    """Defects (their codes) repaired at least twice under warranty: a replacement is
    due for each; `repairs_under_warranty` names the defect of each such repair."""
    counts = Counter(code for code in repairs_under_warranty if code)
    return {code: n for code, n in counts.items() if n >= REPAIRS_BEFORE_REPLACEMENT}
