"""Opaque global IDs (`base64("Type:pk")`, as Relay does) for every record."""

from __future__ import annotations

import base64
import binascii

from domain.errors import BadUserInput


def encode_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(value: str, type_name: str, *, field: str = "id") -> int:
    """The primary key inside a global ID of the expected type, or BAD_USER_INPUT."""
    try:
        padded = value + "=" * (-len(value) % 4)
        kind, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if kind == type_name and pk.isdigit() and 0 < int(pk) < 2**63:
            return int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadUserInput(f"is not a {type_name} id", field=field)


def decode_optional_id(value: str | None, type_name: str, *, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field=field)
