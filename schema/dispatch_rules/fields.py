"""Root fields of automatic dispatch (merged into the roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.context import Info
from resolvers.dispatch_rules import setup
from schema.dispatch_rules.inputs import DispatchRuleInput, EngineerProfileInput
from schema.dispatch_rules.types import DispatchRule, EngineerProfile


@strawberry.type
class DispatchRuleQueries:
    @strawberry.field(description="Dispatch rules by priority (staff).")
    async def dispatch_rules(self, info: Info) -> list[DispatchRule]:
        return await setup.dispatch_rules(info.context)  # type: ignore[return-value]

    @strawberry.field(description="Engineers' dispatch profiles (office).")
    async def engineer_profiles(self, info: Info) -> list[EngineerProfile]:
        return await setup.engineer_profiles(info.context)  # type: ignore[return-value]


@strawberry.type
class DispatchRuleMutations:
    @strawberry.mutation(
        description="Sets an engineer's dispatch profile (ADMIN, BACK_OFFICE); only "
        "engineers with a profile are dispatched automatically."
    )
    async def set_engineer_profile(
        self, info: Info, user_id: ID, input: EngineerProfileInput
    ) -> EngineerProfile:
        return await setup.set_engineer_profile(info.context, user_id, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="A dispatch rule (ADMIN, BACK_OFFICE), tried by priority when a "
        "ticket is created or declined."
    )
    async def create_dispatch_rule(self, info: Info, input: DispatchRuleInput) -> DispatchRule:
        return await setup.create_dispatch_rule(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(description="Turns a dispatch rule on or off (ADMIN, BACK_OFFICE).")
    async def set_dispatch_rule_active(self, info: Info, id: ID, active: bool) -> DispatchRule:
        return await setup.set_dispatch_rule_active(info.context, id, active)  # type: ignore[return-value]
