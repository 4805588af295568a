"""Who may do what: the role matrix of SPEC.md and the row-level rules, in one place.

Resolvers ask `require(actor, action)` before anything else, and use `customer_scope`
to narrow every read of customer-owned rows (customers, devices, later tickets).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Forbidden, NotFound
from domain.roles import OFFICE, STAFF, Actor, Role

A, BO, CS, ENG, CUST, AG = (
    Role.ADMIN,
    Role.BACK_OFFICE,
    Role.CUSTOMER_SERVICE,
    Role.ENGINEER,
    Role.CUSTOMER,
    Role.AGENT,
)
EVERYONE = frozenset(Role)


class Action(StrEnum):
    USER_READ = "user.read"
    USER_MANAGE = "user.manage"
    REGION_READ = "region.read"
    REGION_MANAGE = "region.manage"
    AGENT_READ = "agent.read"
    AGENT_MANAGE = "agent.manage"
    CUSTOMER_READ = "customer.read"
    CUSTOMER_CREATE = "customer.create"
    CUSTOMER_UPDATE = "customer.update"
    CUSTOMER_DELETE = "customer.delete"
    COMMUNICATION_READ = "communication.read"
    COMMUNICATION_WRITE = "communication.write"
    DEVICE_READ = "device.read"
    DEVICE_REGISTER = "device.register"
    DEVICE_UPDATE = "device.update"
    DEVICE_DELETE = "device.delete"
    AUDIT_READ = "audit.read"
    PART_READ = "part.read"
    PART_MANAGE = "part.manage"
    STOCK_READ = "stock.read"
    OUTING_READ = "outing.read"
    OUTING_REQUEST = "outing.request"
    OUTING_DECIDE = "outing.decide"
    EXPENSE_CLAIM = "expense.claim"
    EXPENSE_SETTLE = "expense.settle"
    PURCHASE_READ = "purchase.read"
    PURCHASE_MANAGE = "purchase.manage"
    SALE_READ = "sale.read"
    SALE_CREATE = "sale.create"
    # The time engine (time.graphql).
    SLA_READ = "sla.read"
    SLA_MANAGE = "sla.manage"
    DISPATCH_RULE_READ = "dispatch_rule.read"
    DISPATCH_RULE_MANAGE = "dispatch_rule.manage"
    ENGINEER_PROFILE_READ = "engineer_profile.read"
    SERVICE_SETTINGS_READ = "service_settings.read"
    SERVICE_SETTINGS_MANAGE = "service_settings.manage"
    MAINTENANCE_READ = "maintenance.read"
    REMINDER_MANAGE = "reminder.manage"
    JOB_RUN_READ = "job_run.read"
    CHARGE_RATES_READ = "charge_rates.read"
    CHARGE_RATES_MANAGE = "charge_rates.manage"
    CHANNEL_MANAGE = "channel.manage"
    DELIVERY_READ = "delivery.read"


MATRIX: dict[Action, frozenset[Role]] = {
    # Dispatchers need the staff directory to pick engineers; accounts are the admin's.
    Action.USER_READ: OFFICE,
    Action.USER_MANAGE: frozenset({A}),
    Action.REGION_READ: EVERYONE,
    Action.REGION_MANAGE: frozenset({A, BO}),
    # Agent lookup is office work; an agent reads its own record only (row rule below).
    Action.AGENT_READ: OFFICE | {AG},
    Action.AGENT_MANAGE: frozenset({A, BO}),
    Action.CUSTOMER_READ: EVERYONE,
    Action.CUSTOMER_CREATE: OFFICE | {AG},
    Action.CUSTOMER_UPDATE: OFFICE | {AG},
    Action.CUSTOMER_DELETE: frozenset({A, BO}),
    # The communication log is internal sales history: never shown to the customer.
    Action.COMMUNICATION_READ: OFFICE | {AG},
    Action.COMMUNICATION_WRITE: OFFICE | {AG},
    Action.DEVICE_READ: EVERYONE,
    # Customers register devices bought from other vendors (see `check_device_registration`).
    Action.DEVICE_REGISTER: OFFICE | {AG, CUST},
    Action.DEVICE_UPDATE: OFFICE | {AG},
    Action.DEVICE_DELETE: frozenset({A, BO}),
    Action.AUDIT_READ: frozenset({A}),
    # The catalogue is read by all (agents and customers quote from it); which of its
    # prices each reader sees is the Part type's read rule (schema/parts/types.py).
    Action.PART_READ: EVERYONE,
    # Catalogue upkeep, stock corrections and imports are back-office work.
    Action.PART_MANAGE: frozenset({A, BO}),
    # Movements and engineers' stock carry cost prices: staff only.
    Action.STOCK_READ: STAFF,
    # Engineers read their own outing requests (row rule in resolvers.outings).
    Action.OUTING_READ: STAFF,
    Action.OUTING_REQUEST: frozenset({ENG}),
    Action.OUTING_DECIDE: frozenset({A, BO}),
    Action.EXPENSE_CLAIM: frozenset({ENG}),
    Action.EXPENSE_SETTLE: frozenset({A, BO}),
    Action.PURCHASE_READ: frozenset({A, BO}),
    Action.PURCHASE_MANAGE: frozenset({A, BO}),
    # Sales are read in each reader's customer scope (customers theirs, agents their
    # customers'); the office sells. Engineers have no business with sales and margins.
    Action.SALE_READ: OFFICE | {CUST, AG},
    Action.SALE_CREATE: OFFICE,
    # Calendars, SLA policies and a ticket's clock are the company's own business: staff
    # read them; "ADMIN and BACK_OFFICE manage calendars, policies, rules, settings".
    Action.SLA_READ: STAFF,
    Action.SLA_MANAGE: frozenset({A, BO}),
    Action.DISPATCH_RULE_READ: STAFF,
    Action.DISPATCH_RULE_MANAGE: frozenset({A, BO}),
    Action.ENGINEER_PROFILE_READ: OFFICE,
    Action.SERVICE_SETTINGS_READ: OFFICE,
    Action.SERVICE_SETTINGS_MANAGE: frozenset({A, BO}),
    Action.MAINTENANCE_READ: OFFICE,
    # Reminders the office keeps (CUSTOMER_SERVICE may create them too); recipients
    # complete the ones addressed to them (row rule in resolvers.reminders).
    Action.REMINDER_MANAGE: OFFICE,
    # What the job runner did: the admin ("sees all data").
    Action.JOB_RUN_READ: frozenset({A}),
    # The hourly rates and travel fee: staff quote them (an engineer tells the customer
    # what the work will cost before doing it); "BACK_OFFICE and ADMIN set rates".
    Action.CHARGE_RATES_READ: STAFF,
    Action.CHARGE_RATES_MANAGE: frozenset({A, BO}),
    # "ADMIN manages channels" (channels.graphql), binds WeChat Work ids, reads and
    # retries the delivery log.
    Action.CHANNEL_MANAGE: frozenset({A}),
    Action.DELIVERY_READ: frozenset({A}),
}


def allowed(actor: Actor, action: Action) -> bool:
    return actor.role in MATRIX[action]


def require(actor: Actor, action: Action) -> None:
    if not allowed(actor, action):
        raise Forbidden(f"role {actor.role} may not {action.value.replace('.', ' ')}")


@dataclass(frozen=True, slots=True)
class CustomerScope:
    """Which customers an actor may see: all, one customer, one agent's customers, or the
    customers an engineer serves (those of the tickets assigned to them now)."""

    customer_id: int | None = None
    agent_id: int | None = None
    engineer_id: int | None = None
    # An engineer's ticket-kind limits: a ticket of another kind serves no customer.
    ticket_kinds: frozenset[str] | None = None
    everything: bool = False
    nothing: bool = False

    def admits(
        self, customer_id: int, customer_agent_id: int | None, served: Collection[int] = ()
    ) -> bool:
        """`served`: for an engineer's scope, the customers they serve (read by the caller)."""
        if self.everything:
            return True
        if self.nothing:
            return False
        if self.customer_id is not None:
            return customer_id == self.customer_id
        if self.engineer_id is not None:
            return customer_id in served
        return self.agent_id is not None and customer_agent_id == self.agent_id


@dataclass(frozen=True, slots=True)
class Served:
    """The customers an engineer serves now, and their agents."""

    customers: frozenset[int] = frozenset()
    agents: frozenset[int] = frozenset()


def customer_scope(actor: Actor) -> CustomerScope:
    if actor.role in OFFICE:
        return CustomerScope(everything=True)
    if actor.role is Role.ENGINEER:
        return CustomerScope(engineer_id=actor.user_id, ticket_kinds=actor.ticket_kinds)
    if actor.role is Role.CUSTOMER:
        if actor.customer_id is None:
            return CustomerScope(nothing=True)
        return CustomerScope(customer_id=actor.customer_id)
    if actor.role is Role.AGENT:
        if actor.agent_id is None:
            return CustomerScope(nothing=True)
        return CustomerScope(agent_id=actor.agent_id)
    return CustomerScope(nothing=True)


def require_customer_visible(actor: Actor, customer_id: int, customer_agent_id: int | None) -> None:
    """Row rule for one customer; NOT_FOUND so that others' existence does not leak."""
    if not customer_scope(actor).admits(customer_id, customer_agent_id):
        raise NotFound("customer not found")


def agent_for_new_customer(actor: Actor, requested_agent_id: int | None) -> int | None:
    """An agent's customers always belong to that agent; staff choose freely."""
    if actor.role is Role.AGENT:
        if actor.agent_id is None:
            raise Forbidden("this agent account is not linked to an agent")
        if requested_agent_id is not None and requested_agent_id != actor.agent_id:
            raise Forbidden("an agent may only enter customers for itself")
        return actor.agent_id
    return requested_agent_id


def check_device_registration(actor: Actor, bought_from_us: bool) -> None:
    """Customers register only devices bought elsewhere; ours are registered by staff."""
    if actor.role is Role.CUSTOMER and bought_from_us:
        raise Forbidden("customers may register only devices bought from other vendors")
