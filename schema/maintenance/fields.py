"""Root fields of maintenance plans."""

from __future__ import annotations

import datetime

import strawberry

from resolvers.context import Info
from resolvers.maintenance import plans
from schema.maintenance.types import MaintenanceDue
from schema.pagination import Connection


@strawberry.type
class MaintenanceQueries:
    @strawberry.field(
        description="Devices whose maintenance falls due (by `before`, if given), the "
        "soonest first, with the ticket made for each (office)."
    )
    async def maintenance_due(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        before: datetime.date | None = None,
    ) -> Connection[MaintenanceDue]:
        page = await plans.maintenance_due(info.context, first, after, before)
        for edge in page.edges:
            edge.node = MaintenanceDue(device_row=edge.node, due_on=edge.node.maintenance_due_on)
        return page
