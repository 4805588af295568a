"""Where the service may send: http(s) URLs and hosts that are not in loopback or
private ranges (a webhook URL must not reach the service's own network), unless the
operator allows them (WEBHOOK_ALLOW_PRIVATE: tests, an on-premise ERP)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from domain.errors import BadUserInput


def check_url(url: str, field: str) -> tuple[str, str]:
    """(the URL, its host) for an http(s) URL with a host and no credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUserInput("must be an http:// or https:// URL with a host", field=field)
    if parts.username or parts.password:
        raise BadUserInput("must not carry credentials", field=field)
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise BadUserInput("has an invalid port", field=field) from None
    return url, parts.hostname


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_public(host: str, resolved: Iterable[str], field: str) -> None:
    """Every address `host` resolves to must be public."""
    addresses = list(resolved)
    if not addresses:
        raise BadUserInput(f"{host} does not resolve", field=field)
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise BadUserInput(
            f"{host} is in a loopback or private range ({private[0]}); "
            "set WEBHOOK_ALLOW_PRIVATE=true to allow it",
            field=field,
        )
