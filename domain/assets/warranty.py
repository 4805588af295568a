"""Warranty: a device is covered up to and including its warranty's last day."""

from __future__ import annotations

from datetime import date


def under_warranty(warranty_ends_on: date | None, today: date) -> bool:
    return warranty_ends_on is not None and warranty_ends_on >= today
