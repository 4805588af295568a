"""The demo data set's content: regions, agents, customers, devices, users, parts,
tickets and the outing, as `resolvers.demo` makes them through the operations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# (name, level, parent name or None); names are unique within this list.
REGIONS: list[tuple[str, str, str | None]] = [
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

DEMO_PASSWORD = "demo-pass-2026"

MARKER_USER = "demo-admin"


@dataclass(frozen=True)
class AgentRow:
    key: str
    name: str
    level: str
    region: str
    phone: str
    email: str
    address: str
    contact: tuple[str, str, str, str]  # name, department, phone, email


AGENTS = [
    AgentRow(
        "suzhou",
        "苏州精工自动化设备有限公司",
        "GOLD",
        "苏州市",
        "+86 512 5555 0101",
        "sales@jinggong-auto.example.cn",
        "苏州工业园区星湖街 328 号",
        ("周杰", "销售部", "+86 138 0000 1101", "zhou.jie@jinggong-auto.example.cn"),
    ),
    AgentRow(
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
class CustomerRow:
    code: str
    name: str
    category: str
    region: str
    address: str
    phone: str
    agent: str | None
    contacts: tuple[tuple[str, str, str, str], ...]
    notes: str | None = None


CUSTOMERS = [
    CustomerRow(
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
    CustomerRow(
        "C-0002",
        "苏州新锐汽车零部件有限公司",
        "WON",
        "吴江区",
        "江苏省苏州市吴江区交通路 566 号",
        "+86 512 6330 2002",
        "suzhou",
        (("吴建国", "设备科", "+86 136 0000 4401", "wu.jg@xinrui-auto.example.cn"),),
    ),
    CustomerRow(
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
    CustomerRow(
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
    CustomerRow(
        "C-0005",
        "上海嘉定智能装备有限公司",
        "PARTNER",
        "嘉定区",
        "上海市嘉定区叶城路 1118 号",
        "+86 21 6950 5005",
        "shanghai",
        (("马丽", "技术部", "+86 138 0000 7701", "ma.li@jd-smart.example.cn"),),
    ),
    CustomerRow(
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
class DeviceRow:
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
DEVICES = [
    # customer, brand, model, serial, vendor (None: bought from us), deal, purchase price,
    # installed N days ago, warranty years, maintenance interval days, last maintained N days ago
    DeviceRow("C-0001", "Fanuc", "R-2000iC/165F", "F-210934", None, "XS-2023-0412",
               "486000.00", 900, 2, 90, 70),
    DeviceRow("C-0001", "Fanuc", "R-2000iC/210F", "F-210935", None, "XS-2023-0412",
               "512000.00", 900, 2, 90, 120),
    DeviceRow("C-0001", "Siemens", "SIMATIC S7-1500 CPU 1516-3", "S-C1516-88231", None,
               "XS-2024-0107", "68000.00", 420, 3, 180, 30),
    DeviceRow("C-0002", "KUKA", "KR 210 R2700-2", "K-4410872", None, "XS-2024-0233",
               "455000.00", 300, 2, 120, 100),
    DeviceRow("C-0002", "KUKA", "KR 16 R2010-2", "K-4410990", None, "XS-2024-0233",
               "238000.00", 300, 2, 120, None),
    DeviceRow("C-0003", "ABB", "IRB 6700-200/2.60", "A-6700-51877", "无锡博远机器人贸易有限公司",
               None, "430000.00", 1500, 1, 180, 400),
    DeviceRow("C-0003", "Fanuc", "M-20iD/25", "F-198771", "江阴鑫达自动化工程有限公司",
               None, None, 1100, 1, 90, None),
    DeviceRow("C-0004", "Siemens", "SINUMERIK 828D", "S-828D-20417", None, "XS-2025-0031",
               "156000.00", 150, 2, 180, None),
    DeviceRow("C-0004", "Fanuc", "LR Mate 200iD/7L", "F-231102", None, "XS-2025-0031",
               "165000.00", 150, 2, 90, 60),
    DeviceRow("C-0004", "KUKA", "KR 6 R900 sixx", "K-3320145", "上海德控工业设备有限公司",
               None, "142000.00", 800, 1, 180, 200),
    DeviceRow("C-0005", "Siemens", "SIMATIC S7-1200 CPU 1214C", "S-C1214-30518", None,
               "XS-2022-0588", "21000.00", 1300, 3, 365, 330),
    DeviceRow("C-0006", "Fanuc", "M-410iC/185", "F-205660", None, "XS-2024-0390",
               "398000.00", 540, 2, 90, 95),
]

# (customer code, days ago, channel, summary)
COMMUNICATIONS = [
    ("C-0001", 40, "VISIT", "年度回访：两条焊装线运行正常，客户希望增加一次季度保养。"),
    ("C-0001", 12, "PHONE", "Asked for a quote on a spare teach pendant for line 2."),
    ("C-0003", 25, "VISIT", "现场考察：ABB 与 Fanuc 机器人各一台，原厂质保已过。"),
    ("C-0004", 8, "EMAIL", "Sent the SINUMERIK 828D commissioning report and training plan."),
    ("C-0005", 60, "PHONE", "Partner confirmed a joint bid for the Jiading packaging line."),
]

# (username, display name, role, phone, email, customer code, agent key)
USERS: list[tuple[str, str, str, str, str, str | None, str | None]] = [
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
PARTS = [
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
class TicketRow:
    customer: str
    kind: str
    severity: int
    description: str
    reporter: str  # who opens it: the customer's own user on the portal, or the dispatcher
    engineer: str | None
    stage: str  # how far it gets: NEW, DISPATCHED, ACCEPTED or IN_PROGRESS
    dispatch_note: str | None = None


TICKETS = [
    TicketRow(
        "C-0001", "REPAIR", 2, "焊装线 2 号机器人报警 SRVO-050,停机", "demo-customer", None, "NEW"
    ),
    TicketRow(
        "C-0003",
        "REPAIR",
        1,
        "Spindle alarm 1023 on the KUKA cell, line stopped",
        "demo-cs",
        "demo-eng1",
        "DISPATCHED",
        "Line stopped: on site today, bring an encoder cable.",
    ),
    TicketRow(
        "C-0002",
        "MAINTENANCE",
        3,
        "Quarterly maintenance of the palletiser",
        "demo-cs",
        "demo-eng1",
        "ACCEPTED",
        "Quarterly plan: grease, belts and filters.",
    ),
    TicketRow(
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
STAGES = ("NEW", "DISPATCHED", "ACCEPTED", "IN_PROGRESS")
# Where the engineer of the in-progress ticket checks in (金科路, 浦东新区).
CHECK_IN = (31.2036, 121.6010, "On site, the machine is powered down for the retrofit")


@dataclass(frozen=True)
class OutingRow:
    """The in-progress ticket's outing: requested by its engineer, approved by the back
    office (the parts go to the engineer), and one part used on the ticket."""

    customer: str  # the ticket of this customer
    parts: tuple[tuple[str, int], ...]
    expenses: tuple[tuple[str, str, str], ...]  # kind, amount, note
    note: str
    approver: str
    decision_note: str
    used: tuple[tuple[str, int], ...]


OUTING = OutingRow(
    "C-0004",
    (("CBL-ENC-5M", 2), ("RLY-24V", 4)),
    (("TRAVEL", "180.00", "Taxi and tolls to 金科路"),),
    "Cabling and relays for the 828D retrofit",
    "demo-office",
    "Approved; keep the receipts",
    (("CBL-ENC-5M", 1),),
)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# Service levels (SPEC.md: "level 1: on site within 8 hours; others: respond within 24
# hours"), in business minutes of the default calendar (China working days).
# (severity, name, response, on site, resolution, warn before, escalate to)
SLA_POLICIES: list[tuple[int, str, int | None, int | None, int | None, int, list[str]]] = [
    (1, "一级故障: 8 小时内到场", 60, 480, 1440, 60, ["ADMIN"]),
    (2, "二级故障: 4 小时内响应", 240, None, 2880, 60, []),
    (3, "三级: 24 小时内响应", 1440, None, 4320, 120, []),
    (4, "四级: 24 小时内响应", 1440, None, 7200, 120, []),
]
# Close requests the customer leaves unanswered for three days are confirmed by rule.
AUTO_CLOSE_AFTER_MINUTES = 3 * 24 * 60
