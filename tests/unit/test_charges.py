"""The charge rules of domain.charges.statement, with amounts worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.charges.statement import (
    ChargeKind,
    ChargeLine,
    EstimateStatus,
    Rates,
    check_estimate_answer,
    extended_warranty,
    free_of_charge,
    labour_hours,
    labour_line,
    make_statement,
    repeat_failures,
    statement_total,
    waive_under_warranty,
)
from domain.errors import Conflict

SEED_RATES = Rates(Decimal("100.00"), Decimal("150.00"), Decimal("80.00"))
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(0, "0"), (1, "0.5"), (30, "0.5"), (31, "1"), (60, "1"), (61, "1.5"), (135, "2.5")],
)
def test_every_started_half_hour_counts(minutes: int, hours: str) -> None:
    assert labour_hours(START, START + timedelta(minutes=minutes)) == Decimal(hours)


def test_a_record_without_length_charges_nothing() -> None:
    assert labour_hours(START, START - timedelta(minutes=5)) == 0


def test_own_products_and_other_vendors_are_charged_at_their_rates() -> None:
    end = START + timedelta(minutes=95)  # four started half hours: 2 h
    own = labour_line(START, end, SEED_RATES, bought_from_us=True)
    other = labour_line(START, end, SEED_RATES, bought_from_us=False)
    assert (own.kind, own.quantity, own.unit_price, own.amount) == (
        ChargeKind.LABOUR,
        Decimal("2"),
        Decimal("100.00"),
        Decimal("200.00"),
    )
    assert other.amount == Decimal("300.00")


def test_the_total_and_what_the_warranty_waives() -> None:
    lines = [
        ChargeLine(ChargeKind.LABOUR, "labour", Decimal("1.5"), Decimal("150.00")),
        ChargeLine(ChargeKind.TRAVEL, "travel", Decimal("1"), Decimal("80.00")),
        ChargeLine(ChargeKind.PART, "encoder", Decimal("2"), Decimal("333.335")),
    ]
    assert [c.amount for c in lines] == [Decimal("225.00"), Decimal("80.00"), Decimal("666.67")]
    assert statement_total(lines, under_warranty=False) == Decimal("971.67")
    shown = waive_under_warranty(lines, under_warranty=True)
    assert all(c.waived for c in shown)
    assert [c.amount for c in shown] == [c.amount for c in lines]  # shown, not hidden
    assert statement_total(shown, under_warranty=True) == Decimal("0.00")
    assert waive_under_warranty(lines, under_warranty=False) == lines


def test_repair_time_is_not_counted_against_the_warranty() -> None:
    ends = date(2027, 6, 30)
    assert extended_warranty(ends, timedelta(days=3)) == date(2027, 7, 3)
    assert extended_warranty(ends, timedelta(hours=30)) == date(2027, 7, 2)  # 2 started days
    assert extended_warranty(ends, timedelta(0)) == ends
    assert extended_warranty(None, timedelta(days=3)) is None


def test_the_same_defect_repaired_twice_under_warranty_calls_for_a_replacement() -> None:
    assert repeat_failures(["E-SPINDLE", "E-BELT", "E-SPINDLE", ""]) == {"E-SPINDLE": 2}
    assert repeat_failures(["E-BELT"]) == {}


# -- estimates and free statements ---------------------------------------------------


def test_an_estimate_is_answered_once_while_it_waits() -> None:
    check_estimate_answer(EstimateStatus.SENT)
    for answered in (EstimateStatus.ACCEPTED, EstimateStatus.REFUSED):
        with pytest.raises(Conflict, match="already answered"):
            check_estimate_answer(answered)
    with pytest.raises(Conflict, match="no estimate"):
        check_estimate_answer(None)


@pytest.mark.parametrize(
    ("warranty", "cancelled", "estimate", "free"),
    [
        (True, False, None, True),
        (False, False, None, False),
        (False, True, None, False),
        (False, True, EstimateStatus.REFUSED, True),
        (False, False, EstimateStatus.REFUSED, False),
        (False, True, EstimateStatus.ACCEPTED, False),
    ],
)
def test_free_of_charge(
    warranty: bool, cancelled: bool, estimate: EstimateStatus | None, free: bool
) -> None:
    assert free_of_charge(warranty, cancelled, estimate) is free


def test_a_free_statement_shows_every_line_waived_and_owes_nothing() -> None:
    lines = [
        ChargeLine(ChargeKind.LABOUR, "labour", Decimal("1.5"), Decimal("100"), ref=7),
        ChargeLine(ChargeKind.PART, "belt", Decimal(2), Decimal("12.345")),
    ]
    owed = make_statement(lines, free=False)
    assert owed.total == Decimal("174.69") and not any(line.waived for line in owed.lines)
    free = make_statement(lines, free=True)
    assert free.total == Decimal("0.00")
    assert [line.waived for line in free.lines] == [True, True]
    assert [line.amount for line in free.lines] == [Decimal("150.00"), Decimal("24.69")]
    assert free.lines[0].ref == 7
