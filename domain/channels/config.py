"""Channels that carry notifications outside the app (WeChat Work, webhooks, e-mail):
their kinds, what each one's configuration holds, and which parts of it are secrets
(write-only: stored encrypted, never read back)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.errors import BadUserInput

WECOM_API = "https://qyapi.weixin.qq.com"
# 1 s, 2 s ... 256 s, then every 5 minutes: about 80 minutes of tries.
DEFAULT_MAX_ATTEMPTS = 24
MAX_ATTEMPTS_LIMIT = 50


class ChannelKind(StrEnum):
    WECOM = "WECOM"
    WEBHOOK = "WEBHOOK"
    EMAIL = "EMAIL"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"  # failed, to be tried again
    GAVE_UP = "GAVE_UP"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: type
    required: bool = False
    secret: bool = False
    default: Any = None
    max_length: int = 500


FIELDS: dict[ChannelKind, tuple[Field, ...]] = {
    ChannelKind.WECOM: (
        Field("corpId", str, required=True, max_length=64),
        Field("corpSecret", str, required=True, secret=True, max_length=256),
        Field("agentId", int, required=True),
        Field("apiBase", str, default=WECOM_API, max_length=300),
    ),
    ChannelKind.WEBHOOK: (
        Field("url", str, required=True, max_length=2000),
        Field("secret", str, required=True, secret=True, max_length=256),
    ),
    ChannelKind.EMAIL: (
        Field("host", str, required=True, max_length=253),
        Field("port", int, default=587),
        Field("startTls", bool, default=True),
        Field("username", str, max_length=254),
        Field("password", str, secret=True, max_length=256),
        Field("from", str, required=True, max_length=254),
    ),
}


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """A channel's configuration split: what may be shown, and its secrets."""

    public: dict[str, Any]
    secrets: dict[str, str]


def check_config(
    kind: ChannelKind,
    given: Mapping[str, Any] | None,
    *,
    current: ChannelConfig | None = None,
) -> ChannelConfig:
    """The configuration to keep. On an update (`current` given) fields left out keep
    their value, secrets included (they cannot be read back to be sent again); an
    explicit null clears an optional field."""
    if given is not None and not isinstance(given, Mapping):
        raise BadUserInput("must be an object", field="config")
    given = dict(given or {})
    fields = FIELDS[kind]
    known = {f.name for f in fields}
    unknown = sorted(set(given) - known)
    if unknown:
        raise BadUserInput(
            f"unknown for {kind.value}: {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            field="config",
        )
    public: dict[str, Any] = dict(current.public) if current else {}
    secrets: dict[str, str] = dict(current.secrets) if current else {}
    for spec in fields:
        where = f"config.{spec.name}"
        if spec.name in given:
            value = _checked(spec, given[spec.name], where)
            target: dict[str, Any] = secrets if spec.secret else public
            if value is None:
                target.pop(spec.name, None)
            else:
                target[spec.name] = value
        elif current is None and spec.default is not None:
            public[spec.name] = spec.default
        holder = secrets if spec.secret else public
        if spec.required and spec.name not in holder:
            raise BadUserInput("is required", field=where)
    if kind is ChannelKind.EMAIL and not 1 <= public.get("port", 587) <= 65535:
        raise BadUserInput("must be between 1 and 65535", field="config.port")
    if kind is ChannelKind.WECOM and public.get("agentId", 0) <= 0:
        raise BadUserInput("must be a positive number", field="config.agentId")
    return ChannelConfig(public, secrets)


def _checked(spec: Field, value: Any, where: str) -> Any:
    if value is None:
        if spec.required:
            raise BadUserInput("is required", field=where)
        return None
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise BadUserInput("must be true or false", field=where)
        return value
    if spec.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isdigit():
                return int(value.strip())
            raise BadUserInput("must be a whole number", field=where)
        return value
    if not isinstance(value, str):
        raise BadUserInput("must be text", field=where)
    cleaned = value.strip()
    if not cleaned:
        if spec.required:
            raise BadUserInput("is required", field=where)
        return None
    if len(cleaned) > spec.max_length or any(ord(c) < 32 for c in cleaned):
        raise BadUserInput(f"must be at most {spec.max_length} printable characters", field=where)
    return cleaned


def check_max_attempts(value: int | None) -> int:
    if value is None:
        return DEFAULT_MAX_ATTEMPTS
    if not 1 <= value <= MAX_ATTEMPTS_LIMIT:
        raise BadUserInput(f"must be between 1 and {MAX_ATTEMPTS_LIMIT}", field="maxAttempts")
    return value


def check_kinds(kinds: list[str] | None, known: frozenset[str], field: str) -> list[str]:
    """Notification kinds: known ones, no repeats; empty means every kind."""
    if not kinds:
        return []
    wrong = sorted({k for k in kinds if k not in known})
    if wrong:
        raise BadUserInput(f"unknown notification kinds: {', '.join(wrong)}", field=field)
    return list(dict.fromkeys(kinds))
