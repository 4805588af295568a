"""Input types of charges."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import UNSET


@strawberry.input(description="Fields left out keep their value.")
class ChargeRatesInput:
    own_device_hourly: Decimal | None = UNSET
    other_device_hourly: Decimal | None = UNSET
    travel_fee: Decimal | None = UNSET
