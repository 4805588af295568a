"""Password rules and argon2id hashing (domain.passwords)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type

from domain.accounts import passwords
from domain.errors import BadUserInput

ARGON2_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"


# ------------------------------------------------------------- check_new_password


@pytest.mark.parametrize("password", ["", "a", "abcdefg", "1234567"])
def test_too_short(password: str) -> None:
    with pytest.raises(BadUserInput) as info:
        passwords.check_new_password(password, username="alice")
    assert info.value.code == "BAD_USER_INPUT"
    assert info.value.extensions["field"] == "password"
    assert info.value.message.startswith("password:")
    assert "at least 8" in info.value.message


def test_too_long() -> None:
    with pytest.raises(BadUserInput) as info:
        passwords.check_new_password("x" * 129, username="alice")
    assert info.value.extensions["field"] == "password"
    assert "at most 128" in info.value.message


@pytest.mark.parametrize("password", ["abcdefgh", "x" * 128, "correct horse battery staple"])
def test_length_bounds_are_inclusive(password: str) -> None:
    assert passwords.check_new_password(password, username="alice") is None


@pytest.mark.parametrize("password", [" " * 8, "\t \n" * 3, " " * 128])
def test_blank(password: str) -> None:
    with pytest.raises(BadUserInput) as info:
        passwords.check_new_password(password, username="alice")
    assert info.value.extensions["field"] == "password"
    assert "blank" in info.value.message


@pytest.mark.parametrize("password", ["alice.smith", "ALICE.SMITH", "Alice.Smith"])
def test_same_as_username_case_insensitively(password: str) -> None:
    with pytest.raises(BadUserInput) as info:
        passwords.check_new_password(password, username="alice.Smith")
    assert info.value.extensions["field"] == "password"
    assert "username" in info.value.message


def test_containing_the_username_is_allowed() -> None:
    assert passwords.check_new_password("alice.smith1", username="alice.smith") is None


def test_no_composition_rules() -> None:
    # NIST SP 800-63B: no forced digits/symbols/upper case.
    assert passwords.check_new_password("alllowercaseletters", username="bob") is None


def test_custom_field_name() -> None:
    with pytest.raises(BadUserInput) as info:
        passwords.check_new_password("short", username="alice", field="newPassword")
    assert info.value.extensions["field"] == "newPassword"
    assert info.value.message.startswith("newPassword:")


# ---------------------------------------------------------------------- hashing


def test_hash_is_argon2id_at_owasp_parameters() -> None:
    encoded = passwords.hash_password("correct horse battery")
    assert encoded.startswith(ARGON2_PREFIX)
    assert "correct horse battery" not in encoded


def test_verify_right_and_wrong() -> None:
    encoded = passwords.hash_password("correct horse battery")
    assert passwords.verify_password(encoded, "correct horse battery") is True
    assert passwords.verify_password(encoded, "correct horse batterY") is False
    assert passwords.verify_password(encoded, "") is False


def test_hashes_are_salted() -> None:
    first = passwords.hash_password("same password")
    second = passwords.hash_password("same password")
    assert first != second
    assert passwords.verify_password(first, "same password")
    assert passwords.verify_password(second, "same password")


@pytest.mark.parametrize("password", ["anything", "", "not-a-real-password"])
def test_verify_against_no_hash_is_false(password: str) -> None:
    # "not-a-real-password" is what the timing-equaliser dummy hash was made from.
    assert passwords.verify_password(None, password) is False


@pytest.mark.parametrize("garbage", ["not a hash", "$argon2id$v=19$m=19456,t=2,p=1$xx$yy", "$2b$"])
def test_verify_against_garbage_is_false(garbage: str) -> None:
    assert passwords.verify_password(garbage, "whatever password") is False


def test_verify_against_empty_hash_is_false_even_for_the_dummy_password() -> None:
    assert passwords.verify_password("", "not-a-real-password") is False


def test_verify_against_empty_hash_is_false() -> None:
    assert passwords.verify_password("", "anything else") is False


def test_needs_rehash() -> None:
    assert passwords.needs_rehash(passwords.hash_password("current params")) is False
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    assert passwords.needs_rehash(weaker.hash("old params")) is True
