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

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from domain.roles import Role
from persistence.loading import live_rows_by_parent
from persistence.models import Customer, Device, Part, User
from persistence.queries.accounts import by_username
from persistence.types import utcnow
from persistence.unit_of_work import unit_of_work
from resolvers.accounts.tokens import issue_token
from resolvers.accounts.users import NewAccount, add_user
from resolvers.context import Context, Services
from schema.root import build_schema

if TYPE_CHECKING:
    from collections.abc import Sequence

DEMO_PASSWORD = "demo-pass-2026"
MARKER_USER = "demo-admin"
# The audit operation of the last step: present once the whole data set is loaded.
DONE_OPERATION = "seedDemo"


class DemoError(Exception):
    """The demo data set was not (fully) loaded; the message says why."""


# -- the data set -------------------------------------------------------------------

# (name, level, parent name or None); names are unique within this list.
_REGIONS: list[tuple[str, str, str | None]] = [
    ("江苏省", "PROVINCE", None),
    ("苏州市", "CITY", "江苏省"),
    ("昆山市", "COUNTY", "苏州市"),
    ("吴江区", "COUNTY", "苏州市"),
    ("无锡市", "CITY", "江苏省"),
    ("江阴市", "COUNTY", "无锡市"),
    ("上海市", "PROVINCE", None),
    ("市辖区", "CITY", "上海市"),
    ("浦东新区", "COUNTY", "市辖区"),
    ("嘉定区", "COUNTY", "市辖区"),
]


@dataclass(frozen=True)
class _AgentRow:
    key: str
    name: str
    level: str
    region: str
    phone: str
    email: str
    address: str
    contact: tuple[str, str, str, str]  # name, department, phone, email


_AGENTS = [
    _AgentRow(
        "suzhou",
        "苏州精工自动化设备有限公司",
        "GOLD",
        "苏州市",
        "+86 512 5555 0101",
        "sales@jinggong-auto.example.cn",
        "苏州工业园区星湖街 328 号",
        ("周杰", "销售部", "+86 138 0000 1101", "zhou.jie@jinggong-auto.example.cn"),
    ),
    _AgentRow(
        "shanghai",
        "上海浦联机电科技有限公司",
        "SILVER",
        "市辖区",
        "+86 21 5555 0202",
        "service@pulian-me.example.cn",
        "上海市浦东新区张江路 88 号",
        ("孙磊", "技术服务部", "+86 139 0000 2202", "sun.lei@pulian-me.example.cn"),
    ),
]


@dataclass(frozen=True)
class _CustomerRow:
    code: str
    name: str
    category: str
    region: str
    address: str
    phone: str
    agent: str | None
    contacts: tuple[tuple[str, str, str, str], ...]
    notes: str | None = None


_CUSTOMERS = [
    _CustomerRow(
        "C-0001",
        "昆山华达精密机械有限公司",
        "KEY_ACCOUNT",
        "昆山市",
        "江苏省昆山市开发区前进东路 1200 号",
        "+86 512 5760 1001",
        "suzhou",
        (
            ("陈静", "设备部", "+86 137 0000 3301", "chen.jing@huada-precision.example.cn"),
            ("黄志明", "生产部", "+86 137 0000 3302", "huang.zm@huada-precision.example.cn"),
        ),
        "Two welding lines; service contract renewed every January.",
    ),
    _CustomerRow(
        "C-0002",
        "苏州新锐汽车零部件有限公司",
        "WON",
        "吴江区",
        "江苏省苏州市吴江区交通路 566 号",
        "+86 512 6330 2002",
        "suzhou",
        (("吴建国", "设备科", "+86 136 0000 4401", "wu.jg@xinrui-auto.example.cn"),),
    ),
    _CustomerRow(
        "C-0003",
        "江阴恒力钢构有限公司",
        "PROSPECT",
        "江阴市",
        "江苏省江阴市临港街道滨江路 19 号",
        "+86 510 8690 3003",
        None,
        (("钱峰", "采购部", "+86 135 0000 5501", "qian.feng@hengli-steel.example.cn"),),
        "Runs robots bought elsewhere; interested in a maintenance contract.",
    ),
    _CustomerRow(
        "C-0004",
        "上海东海电子科技有限公司",
        "KEY_ACCOUNT",
        "浦东新区",
        "上海市浦东新区金科路 2966 号",
        "+86 21 5080 4004",
        None,
        (
            ("林晓燕", "工程部", "+86 139 0000 6601", "lin.xy@donghai-elec.example.cn"),
            ("郑海涛", "设备维护", "+86 139 0000 6602", "zheng.ht@donghai-elec.example.cn"),
        ),
    ),
    _CustomerRow(
        "C-0005",
        "上海嘉定智能装备有限公司",
        "PARTNER",
        "嘉定区",
        "上海市嘉定区叶城路 1118 号",
        "+86 21 6950 5005",
        "shanghai",
        (("马丽", "技术部", "+86 138 0000 7701", "ma.li@jd-smart.example.cn"),),
    ),
    _CustomerRow(
        "C-0006",
        "昆山立信包装材料有限公司",
        "WON",
        "昆山市",
        "江苏省昆山市周市镇横长泾路 77 号",
        "+86 512 5768 6006",
        "suzhou",
        (("徐刚", "厂务部", "+86 133 0000 8801", "xu.gang@lixin-pack.example.cn"),),
    ),
]


@dataclass(frozen=True)
class _DeviceRow:
    customer: str
    brand: str
    model: str
    serial: str
    vendor: str | None  # None: bought from us
    deal: str | None
    price: str | None
    installed_days_ago: int
    warranty_years: int
    interval_days: int | None
    maintained_days_ago: int | None


# fmt: off
_DEVICES = [
    # customer, brand, model, serial, vendor (None: bought from us), deal, purchase price,
    # installed N days ago, warranty years, maintenance interval days, last maintained N days ago
    _DeviceRow("C-0001", "Fanuc", "R-2000iC/165F", "F-210934", None, "XS-2023-0412",
               "486000.00", 900, 2, 90, 70),
    _DeviceRow("C-0001", "Fanuc", "R-2000iC/210F", "F-210935", None, "XS-2023-0412",
               "512000.00", 900, 2, 90, 120),
    _DeviceRow("C-0001", "Siemens", "SIMATIC S7-1500 CPU 1516-3", "S-C1516-88231", None,
               "XS-2024-0107", "68000.00", 420, 3, 180, 30),
    _DeviceRow("C-0002", "KUKA", "KR 210 R2700-2", "K-4410872", None, "XS-2024-0233",
               "455000.00", 300, 2, 120, 100),
    _DeviceRow("C-0002", "KUKA", "KR 16 R2010-2", "K-4410990", None, "XS-2024-0233",
               "238000.00", 300, 2, 120, None),
    _DeviceRow("C-0003", "ABB", "IRB 6700-200/2.60", "A-6700-51877", "无锡博远机器人贸易有限公司",
               None, "430000.00", 1500, 1, 180, 400),
    _DeviceRow("C-0003", "Fanuc", "M-20iD/25", "F-198771", "江阴鑫达自动化工程有限公司",
               None, None, 1100, 1, 90, None),
    _DeviceRow("C-0004", "Siemens", "SINUMERIK 828D", "S-828D-20417", None, "XS-2025-0031",
               "156000.00", 150, 2, 180, None),
    _DeviceRow("C-0004", "Fanuc", "LR Mate 200iD/7L", "F-231102", None, "XS-2025-0031",
               "165000.00", 150, 2, 90, 60),
    _DeviceRow("C-0004", "KUKA", "KR 6 R900 sixx", "K-3320145", "上海德控工业设备有限公司",
               None, "142000.00", 800, 1, 180, 200),
    _DeviceRow("C-0005", "Siemens", "SIMATIC S7-1200 CPU 1214C", "S-C1214-30518", None,
               "XS-2022-0588", "21000.00", 1300, 3, 365, 330),
    _DeviceRow("C-0006", "Fanuc", "M-410iC/185", "F-205660", None, "XS-2024-0390",
               "398000.00", 540, 2, 90, 95),
]

# (customer code, days ago, channel, summary)
_COMMUNICATIONS = [
    ("C-0001", 40, "VISIT", "年度回访：两条焊装线运行正常，客户希望增加一次季度保养。"),
    ("C-0001", 12, "PHONE", "Asked for a quote on a spare teach pendant for line 2."),
    ("C-0003", 25, "VISIT", "现场考察：ABB 与 Fanuc 机器人各一台，原厂质保已过。"),
    ("C-0004", 8, "EMAIL", "Sent the SINUMERIK 828D commissioning report and training plan."),
    ("C-0005", 60, "PHONE", "Partner confirmed a joint bid for the Jiading packaging line."),
]

# (username, display name, role, phone, email, customer code, agent key)
_USERS: list[tuple[str, str, str, str, str, str | None, str | None]] = [
    ("demo-admin", "系统管理员", "ADMIN", "+86 21 5555 0100",
     "admin@aftersales.example.cn", None, None),
    ("demo-office", "王芳", "BACK_OFFICE", "+86 21 5555 0110",
     "wang.fang@aftersales.example.cn", None, None),
    ("demo-cs", "李娜", "CUSTOMER_SERVICE", "+86 21 5555 0120",
     "li.na@aftersales.example.cn", None, None),
    ("demo-eng1", "张伟", "ENGINEER", "+86 138 0000 0131",
     "zhang.wei@aftersales.example.cn", None, None),
    ("demo-eng2", "刘强", "ENGINEER", "+86 138 0000 0132",
     "liu.qiang@aftersales.example.cn", None, None),
    ("demo-customer", "陈静", "CUSTOMER", "+86 137 0000 3301",
     "chen.jing@huada-precision.example.cn", "C-0001", None),
    ("demo-agent", "周杰", "AGENT", "+86 138 0000 1101",
     "zhou.jie@jinggong-auto.example.cn", None, "suzhou"),
]

# part number, name, spec, unit, brand it fits, cost, list, minimum, threshold, stock
_PARTS = [
    ("SV-ENC-17", "伺服电机编码器", "17-bit absolute", "pcs", "FANUC", "180", "320", "280", 2, 3),
    ("BRG-6204", "深沟球轴承", "6204-2RS", "pcs", "SKF", "12.5", "28", "22", 10, 60),
    ("BLT-HTD5M", "同步带", "HTD 5M-800-25", "pcs", "Gates", "46", "95", "80", 4, 12),
    ("FLT-HYD-10", "液压滤芯", "10 µm, 160 l/min", "pcs", None, "65", "130", "110", 5, 9),
    ("CBL-ENC-5M", "编码器电缆", "5 m, shielded", "pcs", "SIEMENS", "85", "160", "140", 3, 8),
    ("RLY-24V", "中间继电器", "24 V DC, 2 CO", "pcs", "Omron", "18", "45", "36", 10, 25),
    ("GRS-EP2", "润滑脂", "EP2, 400 g", "can", None, "22", "48", "40", 6, 30),
    ("FAN-120", "散热风扇", "120 mm, 24 V", "pcs", None, "35", "75", "60", 4, 6),
]
# fmt: on
OPENING_STOCK_REASON = "opening stock (demo)"


@dataclass(frozen=True)
class _TicketRow:
    customer: str
    kind: str
    severity: int
    description: str
    reporter: str  # who opens it: the customer's own user on the portal, or the dispatcher
    engineer: str | None
    stage: str  # how far it gets: NEW, DISPATCHED, ACCEPTED or IN_PROGRESS
    dispatch_note: str | None = None


_TICKETS = [
    _TicketRow(
        "C-0001", "REPAIR", 2, "焊装线 2 号机器人报警 SRVO-050,停机", "demo-customer", None, "NEW"
    ),
    _TicketRow(
        "C-0003",
        "REPAIR",
        1,
        "Spindle alarm 1023 on the KUKA cell, line stopped",
        "demo-cs",
        "demo-eng1",
        "DISPATCHED",
        "Line stopped: on site today, bring an encoder cable.",
    ),
    _TicketRow(
        "C-0002",
        "MAINTENANCE",
        3,
        "Quarterly maintenance of the palletiser",
        "demo-cs",
        "demo-eng1",
        "ACCEPTED",
        "Quarterly plan: grease, belts and filters.",
    ),
    _TicketRow(
        "C-0004",
        "INSTALLATION",
        3,
        "Install and commission the SINUMERIK 828D retrofit",
        "demo-cs",
        "demo-eng2",
        "IN_PROGRESS",
        "Commission with 林晓燕 (engineering); training plan already sent.",
    ),
]
_STAGES = ("NEW", "DISPATCHED", "ACCEPTED", "IN_PROGRESS")
# Where the engineer of the in-progress ticket checks in (金科路, 浦东新区).
_CHECK_IN = (31.2036, 121.6010, "On site, the machine is powered down for the retrofit")


@dataclass(frozen=True)
class _OutingRow:
    """The in-progress ticket's outing: requested by its engineer, approved by the back
    office (the parts go to the engineer), and one part used on the ticket."""

    customer: str  # the ticket of this customer
    parts: tuple[tuple[str, int], ...]
    expenses: tuple[tuple[str, str, str], ...]  # kind, amount, note
    note: str
    approver: str
    decision_note: str
    used: tuple[tuple[str, int], ...]


_OUTING = _OutingRow(
    "C-0004",
    (("CBL-ENC-5M", 2), ("RLY-24V", 4)),
    (("TRAVEL", "180.00", "Taxi and tolls to 金科路"),),
    "Cabling and relays for the 828D retrofit",
    "demo-office",
    "Approved; keep the receipts",
    (("CBL-ENC-5M", 1),),
)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- the operations ------------------------------------------------------------------

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


class _Run:
    """One load: the schema, each demo user's token, and the ids of what was made."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.schema = build_schema(services.settings)
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, str] = {}  # "<kind>:<natural key>" -> global id

    async def token(self, username: str) -> str:
        """A bearer token for `username`, as `login` would issue it."""
        if username not in self.tokens:
            user = await _user(self.services, username)
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
        request = Request(
            {
                "type": "http",
                "method": "POST",
                "path": "/graphql",
                "headers": [(b"authorization", f"Bearer {token}".encode())],
            }
        )
        result = await self.schema.execute(
            document,
            variable_values=variables,
            context_value=Context(self.services, request),
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


# -- loading -------------------------------------------------------------------------


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
    run = _Run(services)
    await _staff(run)
    await _directory(run)
    await _portal_users(run)
    await _parts(run)
    await _tickets(run)
    await _mark_done(services)
    return True


async def _user(services: Services, username: str) -> User | None:
    async with services.sessionmaker() as session:
        return await by_username(session, username)


_LOADED = """
query ($operation: String) { auditLog(first: 1, filter: {operation: $operation}) { totalCount } }"""


async def _already_loaded(services: Services) -> bool:
    """Whether the data set is in (its administrator exists and, in the audit log as the
    administrator reads it, the last step is done); DemoError if only part of it is."""
    if await _user(services, MARKER_USER) is None:
        return False
    done = await _Run(services).run(
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
    for username, *_rest in _USERS:
        if await _user(services, username) is not None:
            return f"user {username!r}"
    customers = await live_rows_by_parent(
        services.sessionmaker, Customer, Customer.code, [c.code for c in _CUSTOMERS]
    )
    for rows in customers:
        if rows:
            return f"customer code {rows[0].code!r}"
    parts = await live_rows_by_parent(
        services.sessionmaker, Part, Part.part_number, [row[0] for row in _PARTS]
    )
    for rows in parts:
        if rows:
            return f"part number {rows[0].part_number!r}"
    devices = await live_rows_by_parent(
        services.sessionmaker, Device, Device.serial_number, [d.serial for d in _DEVICES]
    )
    for d, rows in zip(_DEVICES, devices, strict=True):
        if any(row.brand == d.brand for row in rows):
            return f"{d.brand} device {d.serial!r}"
    return None


async def _create_first_admin(services: Services) -> None:
    """`demo-admin`, made as `aftersales create-user` makes the first ADMIN (nobody could
    create it through a mutation yet): by the one account service, audited."""
    username, display_name, role, phone, email, _customer, _agent = _USERS[0]
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


async def _create_user(
    run: _Run, row: tuple[str, str, str, str, str, str | None, str | None]
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


async def _staff(run: _Run) -> None:
    """The admin opens the staff accounts."""
    for row in _USERS[1:]:
        if row[5] is None and row[6] is None:
            await _create_user(run, row)


async def _portal_users(run: _Run) -> None:
    """The admin opens the customer's and the agent's portal accounts."""
    for row in _USERS[1:]:
        if row[5] is not None or row[6] is not None:
            await _create_user(run, row)


def _contacts(rows: Sequence[tuple[str, str, str, str]]) -> list[dict[str, str]]:
    return [
        {"name": name, "department": department, "phone": phone, "email": email}
        for name, department, phone, email in rows
    ]


async def _directory(run: _Run) -> None:
    """The back office enters regions, agents, customers and their devices; the
    dispatcher logs the calls and visits."""
    office = "demo-office"
    for name, level, parent in _REGIONS:
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
    for a in _AGENTS:
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
    for c in _CUSTOMERS:
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
    for code, days_ago, channel, summary in _COMMUNICATIONS:
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
    for d in _DEVICES:
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
                "warrantyEndsOn": _add_years(installed, d.warranty_years).isoformat(),
                "maintenanceIntervalDays": d.interval_days,
                "lastMaintainedOn": (today - timedelta(days=d.maintained_days_ago)).isoformat()
                if d.maintained_days_ago is not None
                else None,
            },
        )
        # A ticket names its customer's first device.
        run.ids.setdefault(f"device:{d.customer}", device["id"])


async def _parts(run: _Run) -> None:
    """The back office enters the catalogue, then each part's opening stock (a
    movement: each part's history starts there)."""
    office = "demo-office"
    for number, name, spec, unit, brand, cost, price, minimum, threshold, _stock in _PARTS:
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
    for number, *_rest, stock in _PARTS:
        if stock:
            await run.run(
                office,
                f"adjustStock {number}",
                _ADJUST_STOCK,
                partId=run.id("part", number),
                quantity=stock,
                reason=OPENING_STOCK_REASON,
            )


async def _tickets(run: _Run) -> None:
    """Each ticket opened by whoever reports it and taken as far as its stage by the
    people who would: the dispatcher dispatches, the engineer acknowledges and checks
    in; then the in-progress ticket's outing and the part used on it."""
    for t in _TICKETS:
        customer = next(c for c in _CUSTOMERS if c.code == t.customer)
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
        stage = _STAGES.index(t.stage)
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
            latitude, longitude, note = _CHECK_IN
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
        if t.customer == _OUTING.customer:
            assert t.engineer is not None
            await _outing(run, t.engineer, ticket_id, version, label)


async def _outing(run: _Run, engineer: str, ticket_id: str, version: int, label: str) -> None:
    o = _OUTING
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


async def _mark_done(services: Services) -> None:
    """The last audit entry: the whole data set is in (what a later run looks for)."""
    admin = await _user(services, MARKER_USER)
    assert admin is not None
    async with unit_of_work(
        services.sessionmaker, actor_id=admin.id, operation=DONE_OPERATION, ip=None
    ) as work:
        work.detail = {
            "users": len(_USERS),
            "customers": len(_CUSTOMERS),
            "devices": len(_DEVICES),
            "parts": len(_PARTS),
            "tickets": len(_TICKETS),
        }


# -- what the command prints ---------------------------------------------------------


def summary() -> str:
    """What `aftersales seed-demo` prints once the data set is loaded."""
    today = date.today()
    in_warranty = sum(
        _add_years(today - timedelta(days=d.installed_days_ago), d.warranty_years) >= today
        for d in _DEVICES
    )
    contacts = sum(len(c.contacts) for c in _CUSTOMERS)
    ours = sum(d.vendor is None for d in _DEVICES)
    own = [c.code for c in _CUSTOMERS if c.agent == "suzhou"]
    stages = ", ".join(t.stage.lower().replace("_", " ") for t in _TICKETS)
    sv_enc = _PARTS[0]
    lines = [
        "demo data loaded (every record through the GraphQL operations, each audited):",
        f"  regions      {len(_REGIONS)} (江苏省 > 苏州市 > 昆山市 ..., 上海市 > 浦东新区 ...)",
        f"  agents       {len(_AGENTS)} ({', '.join(a.name for a in _AGENTS)})",
        f"  customers    {len(_CUSTOMERS)} ({_CUSTOMERS[0].code}..{_CUSTOMERS[-1].code}), "
        f"{contacts} contacts, {len(_COMMUNICATIONS)} communication log entries",
        f"  devices      {len(_DEVICES)} ({ours} bought from us, {in_warranty} under warranty)",
        f"  tickets      {len(_TICKETS)} ({stages}; with their events and notifications)",
        f"  outings      1 approved (parts issued to the engineer, "
        f"{_OUTING.used[0][0]} used on the in-progress ticket)",
        f"  parts        {len(_PARTS)} with opening stock "
        f"({sv_enc[0]}: {sv_enc[9]} left, threshold {sv_enc[8]})",
        f"logins (password for all: {DEMO_PASSWORD}):",
    ]
    for username, display_name, role, _phone, _email, customer_code, agent_key in _USERS:
        extra = ""
        if customer_code:
            extra = f" of customer {customer_code}"
        elif agent_key:
            extra = f" owning {', '.join(own)}"
        lines.append(f"  {username:<14} {role:<17} {display_name}{extra}")
    return "\n".join(lines)
