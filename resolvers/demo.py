"""The demo data set (`aftersales seed-demo`, `make seed`), made through the real operations.

Regions, two reseller agents, six customers with contacts and a communication log,
twelve devices, one user of every role sharing the password `demo-pass-2026`, a small
parts catalogue with opening stock (`SV-ENC-17` just above its alarm threshold, to watch
an alarm go off), and four tickets at different stages of their lifecycle.

Every record is made by the GraphQL mutation the person who would make it runs,
executed in-process against the served schema with that person's token: the admin
opens the accounts; the back office keeps the directory, the devices, the catalogue
and the opening stock; the dispatcher logs calls, opens and dispatches tickets; a
customer reports a fault on the portal; the engineers acknowledge and check in; one
asks to go out with parts, the back office approves it and the engineer uses a part on
the ticket. So each ticket ends at the version a real run gives, with its events and
notifications, stock has its movements, and every change its audit entry. Only the
first administrator is written directly, the way `aftersales create-user` writes it
(audited as well); a last `seedDemo` audit entry marks the load complete.

Running it again changes nothing. The operations commit one by one: a failing one stops
the load with its error (`DemoError`); what was made before it stays, and a later run
refuses, asking for a fresh database.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.roles import Role
from persistence.loading import live_rows_by_parent
from persistence.models import Customer, Device, Part
from persistence.unit_of_work import unit_of_work
from resolvers.accounts.users import NewAccount, add_user
from resolvers.context import Services
from resolvers.demo_data import (
    AGENTS,
    COMMUNICATIONS,
    CUSTOMERS,
    DEMO_PASSWORD,
    DEVICES,
    MARKER_USER,
    OUTING,
    PARTS,
    REGIONS,
    SLA_POLICIES,
    TICKETS,
    USERS,
    add_years,
)
from resolvers.demo_steps import (
    DemoError,
    Run,
    create_directory,
    create_parts,
    create_portal_users,
    create_service_levels,
    create_staff,
    create_tickets,
    find_user,
)

if TYPE_CHECKING:
    pass


# The audit operation of the last step: present once the whole data set is loaded.
DONE_OPERATION = "seedDemo"


async def seed_demo(services: Services) -> bool:
    """Loads the demo data set into an up-to-date database through the real operations.

    True when it was loaded, False when it already was (nothing is changed then);
    DemoError when it cannot be loaded (a clash with existing records, an earlier load
    that stopped part-way, or an operation returning errors)."""
    if await _already_loaded(services):
        return False
    clash = await _first_clash(services)
    if clash:
        raise DemoError(f"demo data not loaded: {clash} already exists in this database")
    await _create_first_admin(services)
    run = Run(services)
    await create_staff(run)
    await create_directory(run)
    await create_portal_users(run)
    await create_parts(run)
    await create_service_levels(run)
    await create_tickets(run)
    await _mark_done(services)
    return True


_LOADED = """
query ($operation: String) { auditLog(first: 1, filter: {operation: $operation}) { totalCount } }"""


async def _already_loaded(services: Services) -> bool:
    """Whether the data set is in (its administrator exists and, in the audit log as the
    administrator reads it, the last step is done); DemoError if only part of it is."""
    if await find_user(services, MARKER_USER) is None:
        return False
    done = await Run(services).run(
        MARKER_USER, "auditLog (is the demo data loaded?)", _LOADED, operation=DONE_OPERATION
    )
    if not done["totalCount"]:
        raise DemoError(
            "demo data partly loaded: an earlier seed-demo stopped before the end; "
            "load the demo data into a fresh database"
        )
    return True


async def _first_clash(services: Services) -> str | None:
    """The first record of the data set that an existing one would refuse."""
    for username, *_rest in USERS:
        if await find_user(services, username) is not None:
            return f"user {username!r}"
    customers = await live_rows_by_parent(
        services.sessionmaker, Customer, Customer.code, [c.code for c in CUSTOMERS]
    )
    for rows in customers:
        if rows:
            return f"customer code {rows[0].code!r}"
    parts = await live_rows_by_parent(
        services.sessionmaker, Part, Part.part_number, [row[0] for row in PARTS]
    )
    for rows in parts:
        if rows:
            return f"part number {rows[0].part_number!r}"
    devices = await live_rows_by_parent(
        services.sessionmaker, Device, Device.serial_number, [d.serial for d in DEVICES]
    )
    for d, rows in zip(DEVICES, devices, strict=True):
        if any(row.brand == d.brand for row in rows):
            return f"{d.brand} device {d.serial!r}"
    return None


async def _create_first_admin(services: Services) -> None:
    """`demo-admin`, made as `aftersales create-user` makes the first ADMIN (nobody could
    create it through a mutation yet): by the one account service, audited."""
    username, display_name, role, phone, email, _customer, _agent = USERS[0]
    account = NewAccount(
        username=username,
        password=DEMO_PASSWORD,
        role=Role(role),
        display_name=display_name,
        phone=phone,
        email=email,
    )
    async with unit_of_work(
        services.sessionmaker, actor_id=None, operation="createUser", ip=None
    ) as work:
        work.detail = {"via": "seed-demo", "role": role}
        await add_user(work, account)


async def _mark_done(services: Services) -> None:
    """The last audit entry: the whole data set is in (what a later run looks for)."""
    admin = await find_user(services, MARKER_USER)
    assert admin is not None
    async with unit_of_work(
        services.sessionmaker, actor_id=admin.id, operation=DONE_OPERATION, ip=None
    ) as work:
        work.detail = {
            "users": len(USERS),
            "customers": len(CUSTOMERS),
            "devices": len(DEVICES),
            "parts": len(PARTS),
            "tickets": len(TICKETS),
        }


def summary() -> str:
    """What `aftersales seed-demo` prints once the data set is loaded."""
    today = date.today()
    in_warranty = sum(
        add_years(today - timedelta(days=d.installed_days_ago), d.warranty_years) >= today
        for d in DEVICES
    )
    contacts = sum(len(c.contacts) for c in CUSTOMERS)
    ours = sum(d.vendor is None for d in DEVICES)
    own = [c.code for c in CUSTOMERS if c.agent == "suzhou"]
    stages = ", ".join(t.stage.lower().replace("_", " ") for t in TICKETS)
    sv_enc = PARTS[0]
    lines = [
        "demo data loaded (every record through the GraphQL operations, each audited):",
        f"  regions      {len(REGIONS)} (江苏省 > 苏州市 > 昆山市 ..., 上海市 > 浦东新区 ...)",
        f"  agents       {len(AGENTS)} ({', '.join(a.name for a in AGENTS)})",
        f"  customers    {len(CUSTOMERS)} ({CUSTOMERS[0].code}..{CUSTOMERS[-1].code}), "
        f"{contacts} contacts, {len(COMMUNICATIONS)} communication log entries",
        f"  devices      {len(DEVICES)} ({ours} bought from us, {in_warranty} under warranty)",
        f"  tickets      {len(TICKETS)} ({stages}; with their events and notifications)",
        f"  outings      1 approved (parts issued to the engineer, "
        f"{OUTING.used[0][0]} used on the in-progress ticket)",
        f"  SLA policies {len(SLA_POLICIES)} (severity 1: on site within 8 business hours; "
        "the tickets carry their clocks), automatic close after 3 days",
        f"  parts        {len(PARTS)} with opening stock "
        f"({sv_enc[0]}: {sv_enc[9]} left, threshold {sv_enc[8]})",
        f"logins (password for all: {DEMO_PASSWORD}):",
    ]
    for username, display_name, role, _phone, _email, customer_code, agent_key in USERS:
        extra = ""
        if customer_code:
            extra = f" of customer {customer_code}"
        elif agent_key:
            extra = f" owning {', '.join(own)}"
        lines.append(f"  {username:<14} {role:<17} {display_name}{extra}")
    return "\n".join(lines)
