"""Error classes and their `extensions.code` (domain.errors)."""

from __future__ import annotations

import pytest

from domain.errors import (
    AccountLocked,
    BadUserInput,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    Unauthenticated,
)


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (DomainError, "BAD_USER_INPUT"),
        (Unauthenticated, "UNAUTHENTICATED"),
        (Forbidden, "FORBIDDEN"),
        (NotFound, "NOT_FOUND"),
        (BadUserInput, "BAD_USER_INPUT"),
        (Conflict, "CONFLICT"),
        (AccountLocked, "ACCOUNT_LOCKED"),
    ],
)
def test_codes(cls: type[DomainError], code: str) -> None:
    assert cls.code == code
    error = cls("something went wrong")
    assert error.code == code
    assert isinstance(error, DomainError)
    assert isinstance(error, Exception)
    assert error.message == "something went wrong"
    assert str(error) == "something went wrong"


def test_extensions_are_kept() -> None:
    error = Conflict("stale", currentState="ACCEPTED", version=3)
    assert error.extensions == {"currentState": "ACCEPTED", "version": 3}


def test_no_extensions_by_default() -> None:
    assert NotFound("gone").extensions == {}
    assert BadUserInput("bad").extensions == {}
    assert BadUserInput("bad").message == "bad"


def test_bad_user_input_names_the_field() -> None:
    error = BadUserInput("is required", field="name")
    assert error.extensions == {"field": "name"}
    assert error.message == "name: is required"
    assert str(error) == "name: is required"


def test_bad_user_input_keeps_other_extensions() -> None:
    error = BadUserInput("too big", field="amount", maximum=10)
    assert error.extensions == {"field": "amount", "maximum": 10}


def test_classes_are_distinct() -> None:
    # A NotFound must not be caught as Forbidden and vice versa.
    assert not issubclass(NotFound, Forbidden)
    assert not issubclass(Forbidden, NotFound)
    assert not issubclass(AccountLocked, Unauthenticated)
