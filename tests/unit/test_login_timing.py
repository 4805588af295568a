"""An unknown name costs a login the same work as a known one: its password is verified
against a dummy argon2id hash made with the very parameters real hashes are made with
(so it takes as long), and that never lets anyone in."""

from __future__ import annotations

from argon2 import extract_parameters

from domain.accounts import passwords


def test_the_dummy_hash_costs_what_a_real_one_costs() -> None:
    real = extract_parameters(passwords.hash_password("a-real-password"))
    dummy = extract_parameters(passwords._DUMMY_HASH)
    assert dummy == real
    assert (real.type.name, real.memory_cost, real.time_cost, real.parallelism) == (
        "ID",
        19 * 1024,
        2,
        1,
    )


def test_an_unknown_name_is_never_let_in() -> None:
    # Not even with the dummy hash's own password.
    assert passwords.verify_password(None, "not-a-real-password") is False
    assert passwords.verify_password(None, "anything-at-all") is False
    assert passwords.verify_password("", "anything-at-all") is False


def test_a_known_name_is_let_in_with_its_password_only() -> None:
    stored = passwords.hash_password("the-right-one")
    assert passwords.verify_password(stored, "the-right-one") is True
    assert passwords.verify_password(stored, "the-wrong-one") is False
