"""Webhook deliveries: the body and its signature. The receiver recomputes the
HMAC-SHA256 of the raw body with the channel's secret and compares it to
`X-Aftersales-Signature: sha256=<hex>`; `X-Aftersales-Delivery` is its idempotency key."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

EVENT_HEADER = "X-Aftersales-Event"
DELIVERY_HEADER = "X-Aftersales-Delivery"
SIGNATURE_HEADER = "X-Aftersales-Signature"


def body(
    delivery_id: str,
    event_type: str,
    at: str,
    ticket: dict[str, Any] | None,
    notification: dict[str, Any] | None,
) -> bytes:
    document = {
        "id": delivery_id,
        "type": event_type,
        "at": at,
        "ticket": ticket,
        "notification": notification,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def headers(delivery_id: str, event_type: str, secret: str, raw: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: signature(secret, raw),
        "User-Agent": "Aftersales-Webhooks/1",
    }
