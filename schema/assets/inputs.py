"""Inputs of devices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import UNSET


@strawberry.input
class DeviceInput:
    __writes__ = "Device"  # what it writes, field by field (schema.rules)

    customer_id: strawberry.ID
    brand: str
    model: str
    serial_number: str
    bought_from_us: bool = True
    vendor: str | None = strawberry.field(default=None, description="When bought elsewhere.")
    deal_number: str | None = None
    purchase_price: Decimal | None = None
    quoted_price: Decimal | None = None
    installed_on: date | None = None
    warranty_ends_on: date | None = None
    maintenance_interval_days: int | None = None
    last_maintained_on: date | None = None


@strawberry.input(description="Only the fields given change; an explicit null clears a field.")
class DevicePatch:
    __writes__ = "Device"  # what it writes, field by field (schema.rules)

    customer_id: strawberry.ID | None = UNSET
    brand: str | None = UNSET
    model: str | None = UNSET
    serial_number: str | None = UNSET
    bought_from_us: bool | None = UNSET
    vendor: str | None = UNSET
    deal_number: str | None = UNSET
    purchase_price: Decimal | None = UNSET
    quoted_price: Decimal | None = UNSET
    installed_on: date | None = UNSET
    warranty_ends_on: date | None = UNSET
    maintenance_interval_days: int | None = UNSET
    last_maintained_on: date | None = UNSET


@strawberry.input
class DeviceFilter:
    search: str | None = strawberry.field(
        default=None, description="In serial number, model, brand."
    )
    customer_id: strawberry.ID | None = None
    brand: str | None = None
    bought_from_us: bool | None = None
    under_warranty: bool | None = None
    include_deleted: bool = False
