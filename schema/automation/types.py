"""Output types of the automation settings and the job runs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access import ANYONE
from resolvers import visibility
from resolvers.ids import encode_id
from schema.relations import relation
from schema.rules import ReadRule
from schema.sla.types import BusinessCalendar


@strawberry.type(description="Service-wide settings of what runs by itself.")
class ServiceSettings:
    __read__ = ReadRule(
        rows=visibility.OFFICE_ROWS,
        fields={ANYONE: ("auto_close_after_minutes", "maintenance_lead_days", "default_calendar")},
    )

    auto_close_after_minutes: int | None
    maintenance_lead_days: int

    default_calendar: BusinessCalendar | None = relation(
        "business_calendar", key="default_calendar_id"
    )


@strawberry.type(description="One run of one job: exactly one process runs each tick.")
class JobRun:
    __read__ = ReadRule(
        rows=visibility.ADMIN_ROWS,
        fields={
            ANYONE: (
                "id",
                "job",
                "due_at",
                "started_at",
                "finished_at",
                "ok",
                "processed",
                "detail",
                "process",
            )
        },
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("JobRun", self.id))  # type: ignore[attr-defined]

    job: str
    due_at: datetime = strawberry.field(description="When its tick fell due.")
    started_at: datetime
    finished_at: datetime | None
    ok: bool | None = strawberry.field(description="Null while it runs.")
    processed: int = strawberry.field(description="Items it acted on.")
    detail: str | None
    process: str = strawberry.field(description="host:pid of the process that ran it.")
