"""Input checks shared by every record: each failure names the field and the reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.errors import BadUserInput
from domain.money import optional_amount

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?(?=[0-9(])[0-9 ()\-]{5,31}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")


def text(value: str | None, field: str, *, max_length: int = 200) -> str:
    """A required piece of text, trimmed."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise BadUserInput("is required", field=field)
    if len(cleaned) > max_length:
        raise BadUserInput(f"must be at most {max_length} characters", field=field)
    return cleaned


def optional_text(value: str | None, field: str, *, max_length: int = 200) -> str | None:
    if value is None or not value.strip():
        return None
    return text(value, field, max_length=max_length)


def code(value: str | None, field: str, *, max_length: int = 50) -> str:
    cleaned = text(value, field, max_length=max_length)
    if not _CODE.match(cleaned):
        raise BadUserInput(
            "may hold only letters, digits and . _ - / (starting with a letter or digit)",
            field=field,
        )
    return cleaned


def email(value: str | None, field: str = "email") -> str | None:
    cleaned = optional_text(value, field, max_length=254)
    if cleaned is not None and not _EMAIL.match(cleaned):
        raise BadUserInput("is not an email address", field=field)
    return cleaned


def phone(value: str | None, field: str = "phone") -> str | None:
    cleaned = optional_text(value, field, max_length=32)
    if cleaned is not None and not _PHONE.match(cleaned):
        raise BadUserInput("is not a phone number", field=field)
    return cleaned


def money(value: Decimal | None, field: str) -> Decimal | None:
    """A price given by a client (domain.money: half up to the cent)."""
    return optional_amount(value, field)


def positive_int(value: int | None, field: str, *, maximum: int = 100_000) -> int | None:
    if value is None:
        return None
    if value <= 0 or value > maximum:
        raise BadUserInput(f"must be between 1 and {maximum}", field=field)
    return value


def aware_time(value: datetime, field: str) -> datetime:
    """A moment given by a client, in UTC: it must name its zone (a naive time could be
    any moment) and lie within what UTC can hold (0001-01-01T00:00+14:00 cannot)."""
    if value.utcoffset() is None:
        raise BadUserInput("must carry a time zone", field=field)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise BadUserInput("is out of range", field=field) from None


def optional_aware_time(value: datetime | None, field: str) -> datetime | None:
    return None if value is None else aware_time(value, field)


def date_order(earlier: date | None, later: date | None, field: str, earlier_field: str) -> None:
    if earlier is not None and later is not None and later < earlier:
        raise BadUserInput(f"must not be before {earlier_field}", field=field)


# Search terms go into a LIKE pattern: SQLite refuses long ones ("LIKE or GLOB pattern
# too complex"), and no name, number or description is searched by more than this.
MAX_SEARCH_LENGTH = 200


def search_term(value: str | None, field: str = "filter.search") -> str | None:
    """A list filter's search text, trimmed; None when empty."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if len(cleaned) > MAX_SEARCH_LENGTH:
        raise BadUserInput(f"must be at most {MAX_SEARCH_LENGTH} characters", field=field)
    return cleaned


def names(values: Sequence[str] | None, field: str) -> list[str] | None:
    """A list of names (skills, brands, categories...) without blanks or repeats, in
    the order given; None or empty: none given."""
    if not values:
        return None
    cleaned: list[str] = []
    for value in values:
        name = value.strip()
        if not name or len(name) > 50:
            raise BadUserInput("names are 1 to 50 characters", field=field)
        if name not in cleaned:
            cleaned.append(name)
    return cleaned
