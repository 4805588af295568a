"""Root fields of the automation settings and the job runs."""

from __future__ import annotations

import strawberry

from resolvers.automation import settings
from resolvers.context import Info
from schema.automation.inputs import ServiceSettingsInput
from schema.automation.types import JobRun, ServiceSettings
from schema.pagination import Connection


@strawberry.type
class AutomationQueries:
    @strawberry.field(description="The service-wide automation settings (office).")
    async def service_settings(self, info: Info) -> ServiceSettings:
        return await settings.service_settings(info.context)  # type: ignore[return-value]

    @strawberry.field(description="What the job runner did, newest first (ADMIN).")
    async def job_runs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        job: str | None = None,
    ) -> Connection[JobRun]:
        return await settings.job_runs(info.context, first, after, job)  # type: ignore[return-value]


@strawberry.type
class AutomationMutations:
    @strawberry.mutation(description="Changes the automation settings (ADMIN, BACK_OFFICE).")
    async def set_service_settings(
        self, info: Info, input: ServiceSettingsInput
    ) -> ServiceSettings:
        return await settings.set_service_settings(info.context, input)  # type: ignore[return-value]
