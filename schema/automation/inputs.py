"""Inputs of the service-wide automation settings."""

from __future__ import annotations

import strawberry
from strawberry import UNSET


@strawberry.input(description="Fields left out keep their value.")
class ServiceSettingsInput:
    auto_close_after_minutes: int | None = strawberry.field(
        default=UNSET,
        description="A close request unanswered this long is confirmed by rule; null: never.",
    )
    maintenance_lead_days: int | None = strawberry.field(
        default=UNSET,
        description="How many days before a device's maintenance falls due its ticket is made.",
    )
    default_calendar_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The calendar of policies that name none."
    )
