"""Contacts: people at a customer or at an agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.policy import Action
from persistence.models import Agent, Contact, Customer
from resolvers.ids import decode_id, encode_id
from resolvers.records import apply_changes, changed_fields, get_for_update, required, soft_delete

if TYPE_CHECKING:
    from domain.roles import Actor
    from resolvers.context import Context, UnitOfWork
    from schema.directory.inputs import ContactInput, ContactPatch

MAX_CONTACTS = 50


def new_contact(data: ContactInput) -> Contact:
    return Contact(
        name=validation.text(data.name, "contacts.name", max_length=100),
        department=validation.optional_text(data.department, "contacts.department", max_length=100),
        phone=validation.phone(data.phone, "contacts.phone"),
        email=validation.email(data.email, "contacts.email"),
    )


def new_contacts(items: list[ContactInput] | None) -> list[Contact]:
    if items and len(items) > MAX_CONTACTS:
        raise BadUserInput(f"at most {MAX_CONTACTS} at once", field="contacts")
    return [new_contact(item) for item in items or []]


async def _check_owner(work: UnitOfWork, actor: Actor, contact: Contact) -> None:
    """Writing a customer's contact is updating the customer; an agent's, managing agents."""
    if contact.customer_id is not None:
        policy.require(actor, Action.CUSTOMER_UPDATE)
        customer = await work.session.get(Customer, contact.customer_id)
        if customer is None or customer.is_deleted:
            raise NotFound("customer not found")
        policy.require_customer_visible(actor, customer.id, customer.agent_id)
    else:
        policy.require(actor, Action.AGENT_MANAGE)
        agent = await work.session.get(Agent, contact.agent_id)
        if agent is None or agent.is_deleted:
            raise NotFound("agent not found")


async def add_contact(
    ctx: Context, customer_id: str | None, agent_id: str | None, data: ContactInput
) -> Contact:
    actor = await ctx.actor()
    if (customer_id is None) == (agent_id is None):
        raise BadUserInput("give exactly one of customerId and agentId", field="customerId")
    contact = new_contact(data)
    if customer_id is not None:
        contact.customer_id = decode_id(customer_id, "Customer", field="customerId")
    else:
        contact.agent_id = decode_id(agent_id or "", "Agent", field="agentId")
    async with ctx.write("addContact", actor=actor) as work:
        await _check_owner(work, actor, contact)
        work.session.add(contact)
        await work.session.flush()
        work.touched(encode_id("Contact", contact.id))
    return contact


async def update_contact(ctx: Context, contact_id: str, data: ContactPatch) -> Contact:
    """Only the fields given change (a contact's name cannot be cleared)."""
    actor = await ctx.actor()
    async with ctx.write("updateContact", actor=actor) as work:
        contact = await get_for_update(
            work.session, Contact, decode_id(contact_id, "Contact"), "contact"
        )
        await _check_owner(work, actor, contact)
        apply_changes(
            contact,
            changed_fields(data),
            {
                "name": required(lambda v: validation.text(v, "name", max_length=100), "name"),
                "department": lambda v: validation.optional_text(v, "department", max_length=100),
                "phone": validation.phone,
                "email": validation.email,
            },
        )
        work.touched(encode_id("Contact", contact.id))
    return contact


async def remove_contact(ctx: Context, contact_id: str) -> Contact:
    actor = await ctx.actor()
    async with ctx.write("removeContact", actor=actor) as work:
        contact = await get_for_update(
            work.session, Contact, decode_id(contact_id, "Contact"), "contact"
        )
        await _check_owner(work, actor, contact)
        soft_delete(contact, actor.user_id)
        work.touched(encode_id("Contact", contact.id))
    return contact
