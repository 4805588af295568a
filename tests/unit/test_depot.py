"""Depot repair steps: in order, a new trip after the return, who records which."""

from __future__ import annotations

import pytest

from domain.errors import Conflict, Forbidden
from domain.roles import Role
from domain.tickets.depot import DepotStep, check_step, next_step

S = DepotStep


def test_the_steps_follow_each_other_and_a_new_trip_starts_after_the_return() -> None:
    assert next_step(None) is S.RECEIVED_FROM_CUSTOMER
    assert next_step(S.RECEIVED_FROM_CUSTOMER) is S.SENT_TO_VENDOR
    assert next_step(S.SENT_TO_VENDOR) is S.BACK_FROM_VENDOR
    assert next_step(S.BACK_FROM_VENDOR) is S.RETURNED_TO_CUSTOMER
    assert next_step(S.RETURNED_TO_CUSTOMER) is S.RECEIVED_FROM_CUSTOMER


@pytest.mark.parametrize(
    ("current", "step"),
    [
        (None, S.SENT_TO_VENDOR),
        (None, S.RETURNED_TO_CUSTOMER),
        (S.RECEIVED_FROM_CUSTOMER, S.RECEIVED_FROM_CUSTOMER),
        (S.RECEIVED_FROM_CUSTOMER, S.BACK_FROM_VENDOR),
        (S.SENT_TO_VENDOR, S.RETURNED_TO_CUSTOMER),
        (S.BACK_FROM_VENDOR, S.SENT_TO_VENDOR),
    ],
)
def test_out_of_order_is_a_conflict_naming_the_next_step(current: S | None, step: S) -> None:
    with pytest.raises(Conflict) as info:
        check_step(current, step, Role.BACK_OFFICE)
    assert next_step(current).value in info.value.message


def test_the_engineer_records_only_the_hand_overs_with_the_customer() -> None:
    check_step(None, S.RECEIVED_FROM_CUSTOMER, Role.ENGINEER)
    check_step(S.BACK_FROM_VENDOR, S.RETURNED_TO_CUSTOMER, Role.ENGINEER)
    for current, step in (
        (S.RECEIVED_FROM_CUSTOMER, S.SENT_TO_VENDOR),
        (S.SENT_TO_VENDOR, S.BACK_FROM_VENDOR),
    ):
        with pytest.raises(Forbidden):
            check_step(current, step, Role.ENGINEER)
        check_step(current, step, Role.BACK_OFFICE)
        check_step(current, step, Role.ADMIN)
