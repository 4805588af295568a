"""A small, believable demo data set (`aftersales seed-demo`).

Regions, two reseller agents, six customers with contacts and a communication log,
twelve devices, one user of every role sharing the password `demo-pass-2026`, a few
tickets in different states, and a small parts catalogue with opening stock (one part
just above its alarm threshold, to watch an alarm go off). Loaded in one transaction;
running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.passwords import hash_password
from domain.tickets.lifecycle import ticket_number
from persistence.db import make_engine, make_sessionmaker
from persistence.events import NewEvent, append_events, ticket_event
from persistence.models import (
    Agent,
    AuditEntry,
    CheckIn,
    Communication,
    Contact,
    Customer,
    Device,
    Part,
    Region,
    StockMovement,
    Ticket,
    User,
)
from persistence.types import utcnow

DEMO_PASSWORD = "demo-pass-2026"
MARKER_USER = "demo-admin"

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
# fmt: on


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


async def seed(database_url: str) -> str:
    """Loads the demo data set into an up-to-date database; returns a summary to print."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            if await session.scalar(select(User.id).where(User.username == MARKER_USER)):
                return "demo data already present"
            clash = await _first_clash(session)
            if clash:
                return f"demo data not loaded: {clash} already exists in this database"
            return await _load(session)
    finally:
        await engine.dispose()


async def _first_clash(session: AsyncSession) -> str | None:
    usernames = [row[0] for row in _USERS]
    taken = await session.scalar(select(User.username).where(User.username.in_(usernames)))
    if taken:
        return f"user {taken!r}"
    codes = [row.code for row in _CUSTOMERS]
    code = await session.scalar(
        select(Customer.code).where(Customer.code.in_(codes), Customer.deleted_at.is_(None))
    )
    return f"customer code {code!r}" if code else None


async def _load(session: AsyncSession) -> str:
    today = date.today()
    now = utcnow()

    regions: dict[str, Region] = {}
    for name, level, parent in _REGIONS:
        row = Region(name=name, level=level, parent_id=regions[parent].id if parent else None)
        session.add(row)
        await session.flush()
        regions[name] = row

    agents: dict[str, Agent] = {}
    for a in _AGENTS:
        agents[a.key] = Agent(
            name=a.name,
            level=a.level,
            region_id=regions[a.region].id,
            phone=a.phone,
            email=a.email,
            address=a.address,
        )
    session.add_all(agents.values())
    await session.flush()
    for a in _AGENTS:
        name, department, phone, email = a.contact
        session.add(
            Contact(
                agent_id=agents[a.key].id,
                name=name,
                department=department,
                phone=phone,
                email=email,
            )
        )

    customers: dict[str, Customer] = {}
    for c in _CUSTOMERS:
        customers[c.code] = Customer(
            code=c.code,
            name=c.name,
            category=c.category,
            region_id=regions[c.region].id,
            address=c.address,
            phone=c.phone,
            agent_id=agents[c.agent].id if c.agent else None,
            notes=c.notes,
        )
    session.add_all(customers.values())
    await session.flush()

    contacts = 0
    for c in _CUSTOMERS:
        for name, department, phone, email in c.contacts:
            session.add(
                Contact(
                    customer_id=customers[c.code].id,
                    name=name,
                    department=department,
                    phone=phone,
                    email=email,
                )
            )
            contacts += 1

    for code, days_ago, channel, summary in _COMMUNICATIONS:
        session.add(
            Communication(
                customer_id=customers[code].id,
                occurred_at=(now - timedelta(days=days_ago)).replace(
                    hour=2, minute=30, second=0, microsecond=0
                ),
                channel=channel,
                summary=summary,
            )
        )

    in_warranty = 0
    for d in _DEVICES:
        installed = today - timedelta(days=d.installed_days_ago)
        warranty_end = _add_years(installed, d.warranty_years)
        in_warranty += warranty_end >= today
        price = Decimal(d.price) if d.price else None
        session.add(
            Device(
                customer_id=customers[d.customer].id,
                brand=d.brand,
                model=d.model,
                serial_number=d.serial,
                bought_from_us=d.vendor is None,
                vendor=d.vendor,
                deal_number=d.deal,
                purchase_price=price,
                quoted_price=(price * Decimal("1.08")).quantize(Decimal("0.01"))
                if price is not None and d.vendor is None
                else None,
                installed_on=installed,
                warranty_ends_on=warranty_end,
                maintenance_interval_days=d.interval_days,
                last_maintained_on=today - timedelta(days=d.maintained_days_ago)
                if d.maintained_days_ago is not None
                else None,
            )
        )

    for username, display_name, role, phone, email, customer_code, agent_key in _USERS:
        session.add(
            User(
                username=username,
                display_name=display_name,
                role=role,
                phone=phone,
                email=email,
                password_hash=hash_password(DEMO_PASSWORD),
                enabled=True,
                failed_logins=0,
                token_version=1,
                customer_id=customers[customer_code].id if customer_code else None,
                agent_id=agents[agent_key].id if agent_key else None,
            )
        )

    await session.flush()
    tickets = await _load_tickets(session, customers)
    admin = await session.scalar(select(User).where(User.username == MARKER_USER))
    assert admin is not None
    parts = await _load_parts(session, admin)

    session.add(
        AuditEntry(
            actor_id=None,
            operation="seedDemo",
            record_ids=[],
            detail={"customers": len(_CUSTOMERS), "devices": len(_DEVICES)},
        )
    )
    await session.flush()

    ours = sum(d.vendor is None for d in _DEVICES)
    own = [c.code for c in _CUSTOMERS if c.agent == "suzhou"]
    lines = [
        "demo data loaded:",
        f"  regions      {len(_REGIONS)} (江苏省 > 苏州市 > 昆山市 ..., 上海市 > 浦东新区 ...)",
        f"  agents       {len(_AGENTS)} ({', '.join(a.name for a in _AGENTS)})",
        f"  customers    {len(_CUSTOMERS)} ({_CUSTOMERS[0].code}..{_CUSTOMERS[-1].code}), "
        f"{contacts} contacts, {len(_COMMUNICATIONS)} communication log entries",
        f"  devices      {len(_DEVICES)} ({ours} bought from us, {in_warranty} under warranty)",
        f"  tickets      {tickets} (new, dispatched, accepted, in progress; with their events)",
        f"  parts        {parts} with opening stock ({_PARTS[0][0]}: 3 left, threshold 2)",
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


# (customer code, kind, severity, description, engineer, the steps it went through)
_TICKETS: list[tuple[str, str, int, str, str | None, list[str]]] = [
    ("C-0001", "REPAIR", 2, "焊装线 2 号机器人报警 SRVO-050,停机", None, []),
    (
        "C-0003",
        "REPAIR",
        1,
        "Spindle alarm 1023 on the KUKA cell, line stopped",
        "demo-eng1",
        ["DISPATCHED"],
    ),
    (
        "C-0002",
        "MAINTENANCE",
        3,
        "Quarterly maintenance of the palletiser",
        "demo-eng1",
        ["DISPATCHED", "ACKNOWLEDGED"],
    ),
    (
        "C-0004",
        "INSTALLATION",
        3,
        "Install and commission the SINUMERIK 828D retrofit",
        "demo-eng2",
        ["DISPATCHED", "ACKNOWLEDGED", "CHECKED_IN"],
    ),
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


async def _load_parts(session: AsyncSession, admin: User) -> int:
    """The catalogue, each part's opening stock as a movement (its history starts there)."""
    for number, name, spec, unit, brand, cost, price, minimum, threshold, stock in _PARTS:
        part = Part(
            part_number=number,
            name=name,
            spec=spec,
            unit=unit,
            brand=brand,
            cost_price=Decimal(cost),
            list_price=Decimal(price),
            minimum_price=Decimal(minimum),
            alarm_threshold=threshold,
            on_hand=stock,
        )
        session.add(part)
        await session.flush()
        if stock:
            session.add(
                StockMovement(
                    part_id=part.id,
                    kind="ADJUSTMENT",
                    quantity=stock,
                    engineer_quantity=0,
                    unit_cost=part.cost_price,
                    on_hand_after=stock,
                    at=utcnow(),
                    actor_id=admin.id,
                    reason="opening stock (demo)",
                )
            )
    return len(_PARTS)


_STATUS_AFTER = {
    "DISPATCHED": "DISPATCHED",
    "ACKNOWLEDGED": "ACCEPTED",
    "CHECKED_IN": "IN_PROGRESS",
}


async def _load_tickets(session: AsyncSession, customers: dict[str, Customer]) -> int:
    """A few tickets in different states, each with the events a live client replays."""
    users = {
        row.username: row
        for row in (await session.scalars(select(User).where(User.username.like("demo-%")))).all()
    }
    dispatcher = users["demo-cs"]
    events: list[NewEvent] = []
    for code, kind, severity, description, engineer_name, steps in _TICKETS:
        customer = customers[code]
        device = await session.scalar(
            select(Device).where(Device.customer_id == customer.id).order_by(Device.id).limit(1)
        )
        ticket = Ticket(
            kind=kind,
            status="NEW",
            severity=severity,
            source="PHONE",
            customer_id=customer.id,
            device_id=device.id if device else None,
            description=description,
            under_warranty=bool(device and device.warranty_ends_on >= date.today()),
        )
        session.add(ticket)
        await session.flush()
        ticket.number = ticket_number(ticket.created_at.year, ticket.id)
        engineer = users[engineer_name] if engineer_name else None

        def event(type_: str, actor: User, ticket: Ticket = ticket, customer: Customer = customer):
            events.append(ticket_event(type_, ticket, customer, actor_id=actor.id))

        await session.flush()
        event("TICKET_CREATED", dispatcher)
        for step in steps:
            ticket.status = _STATUS_AFTER[step]
            if step == "DISPATCHED" and engineer is not None:
                ticket.assignee_id, ticket.dispatched_by_id = engineer.id, dispatcher.id
                ticket.dispatched_at = utcnow()
            if step == "ACKNOWLEDGED":
                ticket.accepted_at = utcnow()
            if step == "CHECKED_IN" and engineer is not None:
                ticket.started_at = utcnow()
                session.add(
                    CheckIn(
                        ticket_id=ticket.id,
                        engineer_id=engineer.id,
                        at=utcnow(),
                        latitude=31.2989,
                        longitude=120.5853,
                        note="On site",
                    )
                )
            await session.flush()
            event(f"TICKET_{step}", engineer if step != "DISPATCHED" and engineer else dispatcher)
    await append_events(session, events)
    return len(_TICKETS)
