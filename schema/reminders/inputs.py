"""Inputs of reminders."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.reminders.repeat import ReminderRepeat as DomainRepeat
from schema.accounts.types import Role

ReminderRepeat = strawberry.enum(DomainRepeat, name="ReminderRepeat")


@strawberry.input
class ReminderInput:
    title: str
    note: str | None = None
    due_at: datetime
    repeat: ReminderRepeat = DomainRepeat.NONE  # type: ignore[assignment]
    user_ids: list[strawberry.ID] | None = None
    roles: list[Role] | None = strawberry.field(
        default=None, description="Every enabled user of these roles, at each delivery."
    )
    ticket_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    device_id: strawberry.ID | None = None
