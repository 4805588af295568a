"""The demo data set's steps: each record made by the mutation a person would send, as
that person (`Run` executes them in-process and stops at the first error)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from persistence.models import User
from persistence.queries.accounts import by_username
from persistence.types import utcnow
from resolvers.accounts.tokens import issue_token
from resolvers.context import Context, Services
from resolvers.demo_data import (
    AGENTS,
    AUTO_CLOSE_AFTER_MINUTES,
    CHECK_IN,
    COMMUNICATIONS,
    CUSTOMERS,
    DEMO_PASSWORD,
    DEVICES,
    MARKER_USER,
    OPENING_STOCK_REASON,
    OUTING,
    PARTS,
    REGIONS,
    SLA_POLICIES,
    STAGES,
    TICKETS,
    USERS,
    add_years,
)
from schema.root import build_schema

if TYPE_CHECKING:
    from collections.abc import Sequence


class DemoError(Exception):
    """The demo data set was not (fully) loaded; the message says why."""


_CREATE_USER = "mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }"


_CREATE_REGION = "mutation ($input: RegionInput!) { createRegion(input: $input) { id } }"


_CREATE_AGENT = "mutation ($input: AgentInput!) { createAgent(input: $input) { id } }"


_CREATE_CUSTOMER = "mutation ($input: CustomerInput!) { createCustomer(input: $input) { id } }"


_LOG_COMMUNICATION = (
    "mutation ($input: CommunicationInput!) { logCommunication(input: $input) { id } }"
)


_REGISTER_DEVICE = "mutation ($input: DeviceInput!) { registerDevice(input: $input) { id } }"


_CREATE_PART = "mutation ($input: PartInput!) { createPart(input: $input) { id } }"


_ADJUST_STOCK = """
mutation ($partId: ID!, $quantity: Int!, $reason: String!) {
  adjustStock(partId: $partId, quantity: $quantity, reason: $reason) { id onHand }
}"""


_CREATE_TICKET = """
mutation ($input: CreateTicketInput!) { createTicket(input: $input) { id number version } }"""


_DISPATCH = """
mutation ($id: ID!, $engineerId: ID!, $note: String, $expectedVersion: Int) {
  dispatchTicket(id: $id, engineerId: $engineerId, note: $note, expectedVersion: $expectedVersion) {
    id version
  }
}"""


_ACKNOWLEDGE = """
mutation ($id: ID!, $expectedVersion: Int) {
  acknowledgeTicket(id: $id, expectedVersion: $expectedVersion) { id version }
}"""


_CHECK_IN_DOCUMENT = """
mutation ($ticketId: ID!, $latitude: Float!, $longitude: Float!, $note: String,
          $expectedVersion: Int) {
  checkIn(ticketId: $ticketId, latitude: $latitude, longitude: $longitude, note: $note,
          expectedVersion: $expectedVersion) { id version }
}"""


_CREATE_OUTING = """
mutation ($input: OutingRequestInput!) { createOutingRequest(input: $input) { id status } }"""


_APPROVE_OUTING = """
mutation ($id: ID!, $note: String) { approveOutingRequest(id: $id, note: $note) { id status } }"""


_ISSUE_PARTS = """
mutation ($ticketId: ID!, $lines: [PartLineInput!]!, $expectedVersion: Int) {
  issuePartsToTicket(ticketId: $ticketId, lines: $lines, expectedVersion: $expectedVersion) {
    id version
  }
}"""


class Run:
    """One load: the schema, each demo user's token, and the ids of what was made."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.schema = build_schema(services.settings)
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}  # "<kind>:<natural key>" -> global id

    async def token(self, username: str) -> str:
        """A bearer token for `username`, as `login` would issue it."""
        if username not in self.tokens:
            user = await find_user(self.services, username)
            if user is None:
                raise DemoError(f"demo data: no user {username!r} to act as")
            self.tokens[username] = issue_token(
                self.services.signing_key,
                user_id=user.id,
                token_version=user.token_version,
                ttl_minutes=self.services.settings.token_ttl_minutes,
            )
        return self.tokens[username]

    async def run(self, username: str, what: str, document: str, **variables: Any) -> Any:
        """`document` (one operation, one root field) as `username`: the field's result,
        or DemoError naming the operation and the errors it returned."""
        token = await self.token(username)
        result = await self.schema.execute(
            document,
            variable_values=variables,
            context_value=Context.in_process(self.services, token),
        )
        if result.errors:
            reasons = "; ".join(_describe(error) for error in result.errors)
            stays = (
                " What was loaded before it stays; load the demo data into a fresh database."
                if document.lstrip().startswith("mutation")
                else ""
            )
            raise DemoError(f"demo data: {what} (as {username}) failed: {reasons}.{stays}")
        assert result.data is not None
        (value,) = result.data.values()
        return value

    def id(self, kind: str, key: str) -> str:
        return self.ids[f"{kind}:{key}"]

    def keep(self, kind: str, key: str, global_id: str) -> str:
        self.ids[f"{kind}:{key}"] = global_id
        return global_id


def _describe(error: Any) -> str:
    extensions = error.extensions or {}
    where = extensions.get("field")
    code = extensions.get("code", "ERROR")
    return f"{error.message} ({code}{f', field {where}' if where else ''})"


async def find_user(services: Services, username: str) -> User | None:
    async with services.sessionmaker() as session:
        return await by_username(session, username)


async def create_user(
    run: Run, row: tuple[str, str, str, str, str, str | None, str | None]
) -> None:
    username, display_name, role, phone, email, customer_code, agent_key = row
    extra: dict[str, str] = {}
    if customer_code:
        extra["customerId"] = run.id("customer", customer_code)
    if agent_key:
        extra["agentId"] = run.id("agent", agent_key)
    user = await run.run(
        MARKER_USER,
        f"createUser {username}",
        _CREATE_USER,
        input={
            "username": username,
            "password": DEMO_PASSWORD,
            "role": role,
            "displayName": display_name,
            "phone": phone,
            "email": email,
            **extra,
        },
    )
    run.keep("user", username, user["id"])


async def create_staff(run: Run) -> None:
    """The admin opens the staff accounts."""
    for row in USERS[1:]:
        if row[5] is None and row[6] is None:
            await create_user(run, row)


async def create_portal_users(run: Run) -> None:
    """The admin opens the customer's and the agent's portal accounts."""
    for row in USERS[1:]:
        if row[5] is not None or row[6] is not None:
            await create_user(run, row)


def _contacts(rows: Sequence[tuple[str, str, str, str]]) -> list[dict[str, str]]:
    return [
        {"name": name, "department": department, "phone": phone, "email": email}
        for name, department, phone, email in rows
    ]


async def create_directory(run: Run) -> None:
    """The back office enters regions, agents, customers and their devices; the
    dispatcher logs the calls and visits."""
    office = "demo-office"
    for name, level, parent in REGIONS:
        region = await run.run(
            office,
            f"createRegion {name}",
            _CREATE_REGION,
            input={
                "name": name,
                "level": level,
                "parentId": run.id("region", parent) if parent else None,
            },
        )
        run.keep("region", name, region["id"])
    for a in AGENTS:
        agent = await run.run(
            office,
            f"createAgent {a.name}",
            _CREATE_AGENT,
            input={
                "name": a.name,
                "level": a.level,
                "regionId": run.id("region", a.region),
                "phone": a.phone,
                "email": a.email,
                "address": a.address,
                "contacts": _contacts([a.contact]),
            },
        )
        run.keep("agent", a.key, agent["id"])
    for c in CUSTOMERS:
        customer = await run.run(
            office,
            f"createCustomer {c.code}",
            _CREATE_CUSTOMER,
            input={
                "code": c.code,
                "name": c.name,
                "category": c.category,
                "regionId": run.id("region", c.region),
                "address": c.address,
                "phone": c.phone,
                "agentId": run.id("agent", c.agent) if c.agent else None,
                "notes": c.notes,
                "contacts": _contacts(c.contacts),
            },
        )
        run.keep("customer", c.code, customer["id"])
    now = utcnow()
    for code, days_ago, channel, summary in COMMUNICATIONS:
        occurred = (now - timedelta(days=days_ago)).replace(
            hour=2, minute=30, second=0, microsecond=0
        )
        await run.run(
            "demo-cs",
            f"logCommunication {code}",
            _LOG_COMMUNICATION,
            input={
                "customerId": run.id("customer", code),
                "summary": summary,
                "channel": channel,
                "occurredAt": occurred.isoformat(),
            },
        )
    today = date.today()
    for d in DEVICES:
        installed = today - timedelta(days=d.installed_days_ago)
        price = Decimal(d.price) if d.price else None
        quoted = (
            (price * Decimal("1.08")).quantize(Decimal("0.01"))
            if price is not None and d.vendor is None
            else None
        )
        device = await run.run(
            office,
            f"registerDevice {d.brand} {d.serial}",
            _REGISTER_DEVICE,
            input={
                "customerId": run.id("customer", d.customer),
                "brand": d.brand,
                "model": d.model,
                "serialNumber": d.serial,
                "boughtFromUs": d.vendor is None,
                "vendor": d.vendor,
                "dealNumber": d.deal,
                "purchasePrice": str(price) if price is not None else None,
                "quotedPrice": str(quoted) if quoted is not None else None,
                "installedOn": installed.isoformat(),
                "warrantyEndsOn": add_years(installed, d.warranty_years).isoformat(),
                "maintenanceIntervalDays": d.interval_days,
                "lastMaintainedOn": (today - timedelta(days=d.maintained_days_ago)).isoformat()
                if d.maintained_days_ago is not None
                else None,
            },
        )
        # A ticket names its customer's first device.
        run.ids.setdefault(f"device:{d.customer}", device["id"])


async def create_parts(run: Run) -> None:
    """The back office enters the catalogue, then each part's opening stock (a
    movement: each part's history starts there)."""
    office = "demo-office"
    for number, name, spec, unit, brand, cost, price, minimum, threshold, _stock in PARTS:
        part = await run.run(
            office,
            f"createPart {number}",
            _CREATE_PART,
            input={
                "partNumber": number,
                "name": name,
                "spec": spec,
                "unit": unit,
                "brand": brand,
                "costPrice": cost,
                "listPrice": price,
                "minimumPrice": minimum,
                "alarmThreshold": threshold,
            },
        )
        run.keep("part", number, part["id"])
    for number, *_rest, stock in PARTS:
        if stock:
            await run.run(
                office,
                f"adjustStock {number}",
                _ADJUST_STOCK,
                partId=run.id("part", number),
                quantity=stock,
                reason=OPENING_STOCK_REASON,
            )


_CREATE_SLA_POLICY = """
mutation ($input: SlaPolicyInput!) { createSlaPolicy(input: $input) { id } }"""
_SET_SERVICE_SETTINGS = """
mutation ($input: ServiceSettingsInput!) { setServiceSettings(input: $input) { maintenanceLeadDays } }"""


async def create_service_levels(run: Run) -> None:
    """The SLA policies of SPEC.md on the default calendar, and automatic close; made
    before the tickets, so the tickets carry their clocks."""
    for severity, name, response, on_site, resolution, warn, escalate in SLA_POLICIES:
        await run.run(
            "demo-office",
            f"createSlaPolicy for severity {severity}",
            _CREATE_SLA_POLICY,
            input={
                "name": name,
                "severity": severity,
                "responseMinutes": response,
                "onSiteMinutes": on_site,
                "resolutionMinutes": resolution,
                "warnBeforeMinutes": warn,
                "escalateTo": escalate,
            },
        )
    await run.run(
        "demo-office",
        "setServiceSettings",
        _SET_SERVICE_SETTINGS,
        input={"autoCloseAfterMinutes": AUTO_CLOSE_AFTER_MINUTES},
    )


async def create_tickets(run: Run) -> None:
    """Each ticket opened by whoever reports it and taken as far as its stage by the
    people who would: the dispatcher dispatches, the engineer acknowledges and checks
    in; then the in-progress ticket's outing and the part used on it."""
    for t in TICKETS:
        customer = next(c for c in CUSTOMERS if c.code == t.customer)
        contact_name, _department, contact_phone, _email = customer.contacts[0]
        ticket = await run.run(
            t.reporter,
            f"createTicket for {t.customer}",
            _CREATE_TICKET,
            input={
                "kind": t.kind,
                "customerId": run.id("customer", t.customer),
                "deviceId": run.ids.get(f"device:{t.customer}"),
                "severity": t.severity,
                "description": t.description,
                "contactName": contact_name,
                "contactPhone": contact_phone,
            },
        )
        ticket_id, version, label = ticket["id"], ticket["version"], f"ticket {ticket['number']}"
        run.keep("ticket", t.customer, ticket_id)
        stage = STAGES.index(t.stage)
        if stage >= 1:
            assert t.engineer is not None
            version = (
                await run.run(
                    "demo-cs",
                    f"dispatchTicket {label}",
                    _DISPATCH,
                    id=ticket_id,
                    engineerId=run.id("user", t.engineer),
                    note=t.dispatch_note,
                    expectedVersion=version,
                )
            )["version"]
        if stage >= 2:
            assert t.engineer is not None
            version = (
                await run.run(
                    t.engineer,
                    f"acknowledgeTicket {label}",
                    _ACKNOWLEDGE,
                    id=ticket_id,
                    expectedVersion=version,
                )
            )["version"]
        if stage >= 3:
            assert t.engineer is not None
            latitude, longitude, note = CHECK_IN
            version = (
                await run.run(
                    t.engineer,
                    f"checkIn {label}",
                    _CHECK_IN_DOCUMENT,
                    ticketId=ticket_id,
                    latitude=latitude,
                    longitude=longitude,
                    note=note,
                    expectedVersion=version,
                )
            )["version"]
        if t.customer == OUTING.customer:
            assert t.engineer is not None
            await create_outing(run, t.engineer, ticket_id, version, label)


async def create_outing(run: Run, engineer: str, ticket_id: str, version: int, label: str) -> None:
    o = OUTING
    outing = await run.run(
        engineer,
        f"createOutingRequest {label}",
        _CREATE_OUTING,
        input={
            "ticketId": ticket_id,
            "parts": [
                {"partId": run.id("part", number), "quantity": quantity}
                for number, quantity in o.parts
            ],
            "expenses": [
                {"kind": kind, "amount": amount, "note": note} for kind, amount, note in o.expenses
            ],
            "note": o.note,
        },
    )
    await run.run(
        o.approver,
        f"approveOutingRequest {label}",
        _APPROVE_OUTING,
        id=outing["id"],
        note=o.decision_note,
    )
    await run.run(
        engineer,
        f"issuePartsToTicket {label}",
        _ISSUE_PARTS,
        ticketId=ticket_id,
        lines=[
            {"partId": run.id("part", number), "quantity": quantity} for number, quantity in o.used
        ],
        expectedVersion=version,
    )
