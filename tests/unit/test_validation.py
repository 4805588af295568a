"""Input checks (domain.validation): each failure is BAD_USER_INPUT naming its field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import validation as v
from domain.errors import BadUserInput


def assert_field_error(exc: pytest.ExceptionInfo[BadUserInput], field: str) -> None:
    assert isinstance(exc.value, BadUserInput)
    assert exc.value.code == "BAD_USER_INPUT"
    assert exc.value.extensions["field"] == field
    assert exc.value.message.startswith(f"{field}: ")


# ------------------------------------------------------------------------- text


def test_text_trims() -> None:
    assert v.text("  Acme Ltd \n", "name") == "Acme Ltd"


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_text_is_required(value: str | None) -> None:
    with pytest.raises(BadUserInput) as info:
        v.text(value, "name")
    assert_field_error(info, "name")
    assert "required" in info.value.message


def test_text_max_length_default_200() -> None:
    assert v.text("x" * 200, "name") == "x" * 200
    with pytest.raises(BadUserInput) as info:
        v.text("x" * 201, "name")
    assert_field_error(info, "name")
    assert "200" in info.value.message


def test_text_max_length_counts_after_trimming() -> None:
    assert v.text("  " + "x" * 10 + "  ", "name", max_length=10) == "x" * 10


def test_text_custom_max_length() -> None:
    with pytest.raises(BadUserInput) as info:
        v.text("abcdef", "title", max_length=5)
    assert_field_error(info, "title")


# ---------------------------------------------------------------- optional_text


@pytest.mark.parametrize("value", [None, "", "   "])
def test_optional_text_empty_is_none(value: str | None) -> None:
    assert v.optional_text(value, "note") is None


def test_optional_text_trims() -> None:
    assert v.optional_text("  hello ", "note") == "hello"


def test_optional_text_too_long() -> None:
    with pytest.raises(BadUserInput) as info:
        v.optional_text("x" * 11, "note", max_length=10)
    assert_field_error(info, "note")


# ------------------------------------------------------------------------- code


@pytest.mark.parametrize("value", ["C001", "a", "9", "AB-12/x.y_z", "K3.2024-001"])
def test_code_ok(value: str) -> None:
    assert v.code(value, "code") == value


def test_code_trims() -> None:
    assert v.code("  C001 ", "code") == "C001"


@pytest.mark.parametrize("value", ["-C001", ".x", "_x", "/x", "C 001", "C001!", "客户01", "C\n1"])
def test_code_rejects(value: str) -> None:
    with pytest.raises(BadUserInput) as info:
        v.code(value, "code")
    assert_field_error(info, "code")


@pytest.mark.parametrize("value", [None, "", "  "])
def test_code_is_required(value: str | None) -> None:
    with pytest.raises(BadUserInput) as info:
        v.code(value, "customerCode")
    assert_field_error(info, "customerCode")


def test_code_max_length_default_50() -> None:
    assert v.code("x" * 50, "code") == "x" * 50
    with pytest.raises(BadUserInput) as info:
        v.code("x" * 51, "code")
    assert_field_error(info, "code")


# ------------------------------------------------------------------------ email


@pytest.mark.parametrize("value", ["a@b.co", "first.last+tag@example.com.cn", "x@sub.domain.org"])
def test_email_ok(value: str) -> None:
    assert v.email(value) == value


def test_email_trims() -> None:
    assert v.email("  a@b.co ") == "a@b.co"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_email_optional(value: str | None) -> None:
    assert v.email(value) is None


@pytest.mark.parametrize(
    "value", ["a", "a@b", "@b.co", "a@.co", "a b@c.co", "a@b@c.co", "a@b.co x"]
)
def test_email_rejects(value: str) -> None:
    with pytest.raises(BadUserInput) as info:
        v.email(value)
    assert_field_error(info, "email")


def test_email_custom_field_and_length() -> None:
    with pytest.raises(BadUserInput) as info:
        v.email("a" * 250 + "@b.co", "contactEmail")
    assert_field_error(info, "contactEmail")


# ------------------------------------------------------------------------ phone


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "+86 138 0013 8000",
        "010 (1234) 5678",
        "010-12345678",
        "12345",
        "(010) 1234-5678",
    ],
)
def test_phone_ok(value: str) -> None:
    assert v.phone(value) == value


@pytest.mark.parametrize("value", [None, "", "  "])
def test_phone_optional(value: str | None) -> None:
    assert v.phone(value) is None


@pytest.mark.parametrize("value", ["1234", "abc", "phone 123456", "+-123456", "12345x", "-12345"])
def test_phone_rejects(value: str) -> None:
    with pytest.raises(BadUserInput) as info:
        v.phone(value)
    assert_field_error(info, "phone")


def test_phone_too_long() -> None:
    with pytest.raises(BadUserInput) as info:
        v.phone("1" * 33, "mobile")
    assert_field_error(info, "mobile")


# ------------------------------------------------------------------------ money


def test_money_none() -> None:
    assert v.money(None, "price") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "0.00"),
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("12.345", "12.35"),  # half up to the cent (domain.money), as everywhere
        ("1.005", "1.01"),
        ("9999999999.99", "9999999999.99"),
    ],
)
def test_money_ok_and_two_decimals(value: str, expected: str) -> None:
    result = v.money(Decimal(value), "price")
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("value", ["-0.01", "-1", "NaN", "Infinity", "-Infinity", "sNaN"])
def test_money_rejects_negative_and_non_finite(value: str) -> None:
    with pytest.raises(BadUserInput) as info:
        v.money(Decimal(value), "purchasePrice")
    assert_field_error(info, "purchasePrice")


@pytest.mark.parametrize("value", ["10000000000", "1E+20"])
def test_money_rejects_too_large(value: str) -> None:
    with pytest.raises(BadUserInput) as info:
        v.money(Decimal(value), "amount")
    assert_field_error(info, "amount")


# ----------------------------------------------------------------- positive_int


def test_positive_int_none() -> None:
    assert v.positive_int(None, "months") is None


@pytest.mark.parametrize("value", [1, 12, 100_000])
def test_positive_int_ok(value: int) -> None:
    assert v.positive_int(value, "months") == value


@pytest.mark.parametrize("value", [0, -1, 100_001])
def test_positive_int_rejects(value: int) -> None:
    with pytest.raises(BadUserInput) as info:
        v.positive_int(value, "months")
    assert_field_error(info, "months")


def test_positive_int_custom_maximum() -> None:
    assert v.positive_int(120, "months", maximum=120) == 120
    with pytest.raises(BadUserInput) as info:
        v.positive_int(121, "months", maximum=120)
    assert_field_error(info, "months")
    assert "120" in info.value.message


# ------------------------------------------------------------------- date_order


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (None, None),
        (date(2024, 1, 1), None),
        (None, date(2024, 1, 1)),
        (date(2024, 1, 1), date(2024, 1, 1)),
        (date(2024, 1, 1), date(2026, 1, 1)),
    ],
)
def test_date_order_ok(earlier: date | None, later: date | None) -> None:
    assert v.date_order(earlier, later, "warrantyEnd", "installDate") is None


def test_date_order_rejects_later_before_earlier() -> None:
    with pytest.raises(BadUserInput) as info:
        v.date_order(date(2024, 1, 2), date(2024, 1, 1), "warrantyEnd", "installDate")
    assert_field_error(info, "warrantyEnd")
    assert "installDate" in info.value.message


# --- names ------------------------------------------------------------------------


@pytest.mark.parametrize("values", [None, []])
def test_names_none_or_empty_is_any(values: list[str] | None) -> None:
    assert v.names(values, "kinds") is None


def test_names_strips_and_keeps_order() -> None:
    assert v.names(["  VIP", "Gold ", "retail"], "customerCategories") == [
        "VIP",
        "Gold",
        "retail",
    ]


def test_names_drops_repeats_keeping_the_first() -> None:
    values = ["GOLD", "VIP", " GOLD ", "vip", "VIP"]
    # Case matters: "vip" is a different name from "VIP".
    assert v.names(values, "customerCategories") == ["GOLD", "VIP", "vip"]


def test_names_accepts_a_tuple() -> None:
    assert v.names(("A", "B", "A"), "kinds") == ["A", "B"]


def test_names_fifty_characters_is_the_limit() -> None:
    fifty = "x" * 50
    # Surrounding blanks are stripped before counting.
    assert v.names([fifty, f"  {fifty}  "], "customerCategories") == [fifty]


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "\t\n", "y" * 51],
    ids=["empty", "spaces", "whitespace", "51-chars"],
)
def test_names_refuses_blank_or_long_names(bad: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        v.names(["VIP", bad], "customerCategories")
    assert caught.value.extensions["field"] == "customerCategories"
    assert caught.value.message == "customerCategories: names are 1 to 50 characters"
