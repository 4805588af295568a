"""Opaque global IDs (resolvers.ids)."""

from __future__ import annotations

import base64

import pytest

from domain.errors import BadUserInput
from resolvers.ids import decode_id, decode_optional_id, encode_id


def raw(text: str) -> str:
    """A global ID built by hand, exactly like the module's format but unchecked."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("pk", [1, 2, 7, 10, 12345, 2**31 - 1])
@pytest.mark.parametrize("type_name", ["User", "Customer", "Device", "Agent"])
def test_round_trip(type_name: str, pk: int) -> None:
    assert decode_id(encode_id(type_name, pk), type_name) == pk


def test_ids_are_opaque_and_url_safe() -> None:
    value = encode_id("Customer", 42)
    assert "42" not in value
    assert "Customer" not in value
    assert not set(value) & set("+/=")


def test_ids_differ_by_type_and_pk() -> None:
    assert encode_id("User", 1) != encode_id("Customer", 1)
    assert encode_id("User", 1) != encode_id("User", 2)


def assert_bad_id(value: str, type_name: str = "User", field: str = "id") -> None:
    with pytest.raises(BadUserInput) as info:
        decode_id(value, type_name, field=field)
    assert info.value.code == "BAD_USER_INPUT"
    assert info.value.extensions["field"] == field
    assert info.value.message.startswith(f"{field}: ")


def test_another_types_id_is_rejected() -> None:
    assert_bad_id(encode_id("Customer", 1), "User")
    assert_bad_id(encode_id("UserX", 1), "User")
    assert_bad_id(encode_id("user", 1), "User")


@pytest.mark.parametrize(
    "value",
    ["", "!!!!", "not base64 at all", "%%%", "é", "A", "AAAA", "=", "VXNlcjox=====x"],
)
def test_garbage_is_rejected(value: str) -> None:
    assert_bad_id(value)


@pytest.mark.parametrize("pk", [0, -1, -(2**63), 10**30])
def test_out_of_range_numbers_are_rejected(pk: int) -> None:
    assert_bad_id(encode_id("User", pk))


@pytest.mark.parametrize(
    "text",
    ["User:", "User", ":1", "User:1.5", "User:1e3", "User: 1", "User:1 ", "User:+1", "User:0x10"],
)
def test_malformed_payloads_are_rejected(text: str) -> None:
    assert_bad_id(raw(text))


def test_non_utf8_payload_is_rejected() -> None:
    assert_bad_id(base64.urlsafe_b64encode(b"\xff\xfeUser:1").decode())


def test_padded_ids_are_accepted_too() -> None:
    padded = base64.urlsafe_b64encode(b"User:12").decode()
    assert padded.endswith("=")
    assert decode_id(padded, "User") == 12


def test_field_name_is_carried() -> None:
    assert_bad_id("garbage!", "Customer", field="customerId")


def test_decode_optional_id() -> None:
    assert decode_optional_id(None, "User", field="engineerId") is None
    assert decode_optional_id(encode_id("User", 5), "User", field="engineerId") == 5
    with pytest.raises(BadUserInput) as info:
        decode_optional_id(encode_id("Device", 5), "User", field="engineerId")
    assert info.value.extensions["field"] == "engineerId"


@pytest.mark.parametrize("pk", [2**31, 2**40, 2**63 - 1, 2**63])
def test_ids_no_row_can_have_are_not_found(pk: int) -> None:
    from domain.errors import NotFound

    with pytest.raises(NotFound):
        decode_id(encode_id("Customer", pk), "Customer")
