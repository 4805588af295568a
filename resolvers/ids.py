"""Opaque global IDs (`base64("Type:pk")`, as Relay does) for every record."""

from __future__ import annotations

import base64
import binascii
import re

from domain.errors import BadUserInput, NotFound

PK_PATTERN = re.compile(r"[1-9][0-9]{0,18}")
# Primary keys are 32-bit INTEGER columns on PostgreSQL.
MAX_PK = 2**31 - 1


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(value: str, type_name: str, *, field: str = "id") -> int:
    """The primary key inside a global ID of the expected type, or BAD_USER_INPUT."""
    try:
        padded = value + "=" * (-len(value) % 4)
        kind, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        # One spelling per id: ASCII digits, no leading zero.
        if kind == type_name and PK_PATTERN.fullmatch(pk):
            number = int(pk)
            if number > MAX_PK:  # well formed, but no row can have it
                raise NotFound(f"{type_name.lower()} not found", field=field)
            return number
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadUserInput(f"is not a {type_name} id", field=field)


def decode_optional_id(value: str | None, type_name: str, *, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field=field)
