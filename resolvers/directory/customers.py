"""Customers, their contacts and the communication log; scoped per actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import BadUserInput, Forbidden, NotFound
from domain.policy import Action
from domain.roles import OFFICE, Actor, Role
from persistence.models import Agent, Communication, Customer, User
from persistence.queries.directory import (
    customer_code_taken,
    customers_listed,
    region_and_descendants,
)
from persistence.types import utcnow
from resolvers.directory.agents import existing_region
from resolvers.directory.contacts import new_contacts
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.pagination import paginate
from resolvers.records import (
    apply_changes,
    changed_fields,
    get_for_update,
    live_reference,
    required,
    set_deleted,
)
from schema.directory.inputs import CommunicationInput, CustomerFilter, CustomerInput, CustomerPatch

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.pagination import Connection


def _code(value: str) -> str:
    return validation.code(value, "code")


def _name(value: str) -> str:
    return validation.text(value, "name")


def _category(value: str | None) -> str | None:
    cleaned = validation.optional_text(value, "category", max_length=50)
    return cleaned.upper().replace(" ", "_").replace("-", "_") if cleaned else None


CONVERTERS = {
    "code": required(_code, "code"),
    "name": required(_name, "name"),
    "category": _category,
    "address": lambda v: validation.optional_text(v, "address", max_length=300),
    "phone": validation.phone,
    "notes": lambda v: validation.optional_text(v, "notes", max_length=4000),
}


async def _check_code_free(session: AsyncSession, code: str, except_pk: int | None = None) -> None:
    if await customer_code_taken(session, code, except_pk):
        raise BadUserInput("is already used by another customer", field="code")


async def _existing_salesperson(session: AsyncSession, user_pk: int | None) -> int | None:
    if user_pk is not None:
        row = await session.get(User, user_pk)
        if row is None or row.role not in {r.value for r in OFFICE | {Role.AGENT}}:
            raise NotFound("no such salesperson", field="salespersonId")
    return user_pk


async def visible_customer(session: AsyncSession, actor: Actor, pk: int) -> Customer:
    """A customer the actor may see, or NOT_FOUND (never FORBIDDEN: existence must not leak)."""
    row = await session.get(Customer, pk)
    if row is None:
        raise NotFound("customer not found")
    policy.require_customer_visible(actor, row.id, row.agent_id)
    return row


async def customers(
    ctx: Context, first: int | None, after: str | None, filter: CustomerFilter | None
) -> Connection[Customer]:
    actor = await ctx.actor()
    policy.require(actor, Action.CUSTOMER_READ)
    filter = filter or CustomerFilter()
    scope = policy.customer_scope(actor)
    category = _category(filter.category) if filter.category else None
    agent_pk = decode_optional_id(filter.agent_id, "Agent", field="filter.agentId")
    region_pks: list[int] | None = None
    if filter.region_id is not None:
        region_pk = decode_id(filter.region_id, "Region", field="filter.regionId")
        async with ctx.read() as session:
            region_pks = await region_and_descendants(session, region_pk)
    stmt = customers_listed(
        scope,
        include_deleted=filter.include_deleted,
        search=validation.search_term(filter.search),
        by_category=bool(filter.category),
        category=category,
        agent_pk=agent_pk,
        region_pks=region_pks,
    )
    return await paginate(ctx, stmt, Customer.id, first=first, after=after)


async def customer(ctx: Context, customer_id: str) -> Customer:
    actor = await ctx.actor()
    policy.require(actor, Action.CUSTOMER_READ)
    row = await ctx.loaders.customer.load(decode_id(customer_id, "Customer"))
    if row is None:
        raise NotFound("customer not found")
    return row  # whether the reader sees it: the Customer type's read rule


async def create_customer(ctx: Context, data: CustomerInput) -> Customer:
    actor = await ctx.actor()
    policy.require(actor, Action.CUSTOMER_CREATE)
    row = Customer(
        code=_code(data.code),
        name=_name(data.name),
        category=_category(data.category),
        address=CONVERTERS["address"](data.address),
        phone=validation.phone(data.phone),
        notes=CONVERTERS["notes"](data.notes),
    )
    contacts = new_contacts(data.contacts)
    agent_pk = policy.agent_for_new_customer(
        actor, decode_optional_id(data.agent_id, "Agent", field="agentId")
    )
    region_pk = decode_optional_id(data.region_id, "Region", field="regionId")
    salesperson_pk = decode_optional_id(data.salesperson_id, "User", field="salespersonId")
    async with ctx.write("createCustomer", actor=actor) as work:
        await _check_code_free(work.session, row.code)
        row.agent_id = await live_reference(work.session, Agent, agent_pk, "agentId")
        row.region_id = await existing_region(work.session, region_pk)
        row.salesperson_id = await _existing_salesperson(work.session, salesperson_pk)
        work.session.add(row)
        await work.session.flush()
        for contact in contacts:
            contact.customer_id = row.id
        work.session.add_all(contacts)
        work.touched(encode_id("Customer", row.id))
    return row


async def update_customer(ctx: Context, customer_id: str, patch: CustomerPatch) -> Customer:
    actor = await ctx.actor()
    policy.require(actor, Action.CUSTOMER_UPDATE)
    changes = changed_fields(patch)
    pk = decode_id(customer_id, "Customer")
    async with ctx.write("updateCustomer", actor=actor) as work:
        row = await get_for_update(work.session, Customer, pk, "customer")
        policy.require_customer_visible(actor, row.id, row.agent_id)
        if row.is_deleted:
            raise BadUserInput("is deleted; restore it first", field="id")
        if "agent_id" in changes:
            agent_pk = decode_optional_id(changes["agent_id"], "Agent", field="agentId")
            if actor.role is Role.AGENT and agent_pk != actor.agent_id:
                raise Forbidden("an agent cannot hand its customers to another agent")
            changes["agent_id"] = await live_reference(work.session, Agent, agent_pk, "agentId")
        if "region_id" in changes:
            region_pk = decode_optional_id(changes["region_id"], "Region", field="regionId")
            changes["region_id"] = await existing_region(work.session, region_pk)
        if "salesperson_id" in changes:
            user_pk = decode_optional_id(changes["salesperson_id"], "User", field="salespersonId")
            changes["salesperson_id"] = await _existing_salesperson(work.session, user_pk)
        # Checked before the row changes: a flush first would trip the unique index instead.
        if "code" in changes:
            changes["code"] = CONVERTERS["code"](changes["code"])
            await _check_code_free(work.session, changes["code"], except_pk=row.id)
        apply_changes(row, changes, CONVERTERS)
        work.touched(encode_id("Customer", row.id))
    return row


async def check_code_free_to_restore(session: AsyncSession, row: Customer) -> None:
    await _check_code_free(session, row.code, except_pk=row.id)


async def log_communication(ctx: Context, data: CommunicationInput) -> Communication:
    actor = await ctx.actor()
    policy.require(actor, Action.COMMUNICATION_WRITE)
    pk = decode_id(data.customer_id, "Customer", field="customerId")
    occurred_at = validation.optional_aware_time(data.occurred_at, "occurredAt") or utcnow()
    entry = Communication(
        customer_id=pk,
        summary=validation.text(data.summary, "summary", max_length=4000),
        channel=_category(validation.optional_text(data.channel, "channel", max_length=30)),
        occurred_at=occurred_at,
    )
    async with ctx.write("logCommunication", actor=actor) as work:
        customer = await visible_customer(work.session, actor, pk)
        if customer.is_deleted:
            raise BadUserInput("is deleted", field="customerId")
        work.session.add(entry)
        await work.session.flush()
        work.touched(encode_id("Customer", pk))
        work.touched(encode_id("Communication", entry.id))
    return entry


async def set_customer_deleted(ctx: Context, customer_id: str, *, deleted: bool) -> Customer:
    """Logical delete or restore (one helper for every record: resolvers.records)."""
    return await set_deleted(
        ctx,
        Customer,
        customer_id,
        deleted=deleted,
        action=Action.CUSTOMER_DELETE,
        before_restore=check_code_free_to_restore,
    )
