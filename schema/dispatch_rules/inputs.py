"""Inputs and enums of automatic dispatch."""

from __future__ import annotations

import strawberry

from domain.dispatch_rules.selection import DispatchStrategy as DomainStrategy
from schema.tickets.inputs import TicketKind

DispatchStrategy = strawberry.enum(DomainStrategy, name="DispatchStrategy")


@strawberry.input(description="An engineer's dispatch profile: what they can do and where.")
class EngineerProfileInput:
    skills: list[str] | None = strawberry.field(
        default=None, description='Brands, kinds or trades, e.g. "FANUC", "PLC".'
    )
    region_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Regions they cover (each with every region below it)."
    )
    on_duty: bool = True
    max_open_tickets: int | None = strawberry.field(
        default=None, description="Open tickets a rule may give them at most; null: no limit."
    )


@strawberry.input
class DispatchRuleInput:
    name: str
    priority: int = strawberry.field(description="Lower first.")
    strategy: DispatchStrategy
    kinds: list[TicketKind] | None = None
    severities: list[int] | None = None
    region_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The customer's region is one of these or below one."
    )
    brands: list[str] | None = strawberry.field(
        default=None, description="The device's brand (any case)."
    )
    engineer_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The pool; empty: every engineer with a profile."
    )
    active: bool = True
