"""Automatic dispatch: which rule applies to a ticket and which engineer it picks.

Rules are tried by priority (lower first, then the oldest). A rule matches a ticket
when each of its conditions, where given, holds: the ticket's kind, severity, the
customer's region (a rule's region covers every region below it) and the device's
brand. The matching rule picks, among the engineers of its pool (its engineers, or
every engineer with a dispatch profile), those who are on duty, under their
`maxOpenTickets`, allowed the ticket's kind and who have not declined this ticket;
then by its strategy. A matching rule that finds nobody gives way to the next one; when
none picks anyone the ticket stays NEW for a dispatcher.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import BadUserInput


class DispatchStrategy(StrEnum):
    ROUND_ROBIN = "ROUND_ROBIN"  # the engineer after the one this rule chose last
    LEAST_LOADED = "LEAST_LOADED"  # the fewest open tickets
    SKILL_MATCH = (
        "SKILL_MATCH"  # a skill naming the device's brand (or the kind), then least loaded
    )
    REGION_MATCH = "REGION_MATCH"  # covering the customer's region, then least loaded


@dataclass(frozen=True, slots=True)
class TicketTraits:
    kind: str
    severity: int
    # The customer's region and every region above it (empty: no region).
    regions: frozenset[int]
    brand: str | None
    # Engineers who declined this ticket: never picked again for it.
    declined_by: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class RuleTerms:
    id: int
    priority: int
    strategy: DispatchStrategy
    kinds: frozenset[str] = frozenset()
    severities: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()
    brands: frozenset[str] = frozenset()  # compared without case
    engineer_ids: tuple[int, ...] = ()
    last_engineer_id: int | None = None


@dataclass(frozen=True, slots=True)
class Engineer:
    user_id: int
    on_duty: bool
    open_tickets: int
    max_open_tickets: int | None
    handles_kind: bool
    skills: frozenset[str] = frozenset()  # compared without case
    region_ids: frozenset[int] = frozenset()

    @property
    def has_room(self) -> bool:
        return self.max_open_tickets is None or self.open_tickets < self.max_open_tickets


def matches(rule: RuleTerms, ticket: TicketTraits) -> bool:
    if rule.kinds and ticket.kind not in rule.kinds:
        return False
    if rule.severities and ticket.severity not in rule.severities:
        return False
    if rule.region_ids and not (rule.region_ids & ticket.regions):
        return False
    return not (rule.brands and (ticket.brand or "").casefold() not in _folded(rule.brands))


def _folded(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n.casefold() for n in names)


def _least_loaded(pool: Sequence[Engineer]) -> Engineer | None:
    return min(pool, key=lambda e: (e.open_tickets, e.user_id), default=None)


def pick(rule: RuleTerms, ticket: TicketTraits, engineers: Sequence[Engineer]) -> int | None:
    """The engineer `rule` gives `ticket` to, or None."""
    members = set(rule.engineer_ids)
    pool = sorted(
        (
            e
            for e in engineers
            if (not members or e.user_id in members)
            and e.on_duty
            and e.has_room
            and e.handles_kind
            and e.user_id not in ticket.declined_by
        ),
        key=lambda e: e.user_id,
    )
    if rule.strategy is DispatchStrategy.ROUND_ROBIN:
        if not pool:
            return None
        after = rule.last_engineer_id
        following = [e for e in pool if after is not None and e.user_id > after]
        return (following or pool)[0].user_id
    if rule.strategy is DispatchStrategy.SKILL_MATCH:
        wanted = {ticket.kind.casefold()} | ({ticket.brand.casefold()} if ticket.brand else set())
        pool = [e for e in pool if _folded(e.skills) & wanted]
    elif rule.strategy is DispatchStrategy.REGION_MATCH:
        pool = [e for e in pool if e.region_ids & ticket.regions]
    chosen = _least_loaded(pool)
    return chosen.user_id if chosen else None


def choose(
    rules: Iterable[RuleTerms], ticket: TicketTraits, engineers: Sequence[Engineer]
) -> tuple[RuleTerms, int] | None:
    """The first rule (by priority, then id) that matches and picks someone."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        if matches(rule, ticket) and (engineer := pick(rule, ticket, engineers)) is not None:
            return rule, engineer
    return None


def check_priority(value: int) -> int:
    if not 0 <= value <= 10_000:
        raise BadUserInput("must be between 0 and 10000", field="priority")
    return value


def check_max_open(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 1000:
        raise BadUserInput("must be between 0 and 1000, or null (no limit)", field="maxOpenTickets")
    return value
