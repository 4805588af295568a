"""The service report (服务单) of a ticket as a PDF: data in, bytes out, no database.

The caller fills a `ServiceReport` (display labels for kind, status, severity, charge
kinds and depot steps: the report prints text as given) and `render_report` lays it out
on A4 with reportlab's platypus.

Chinese needs a CJK font. A TrueType one is embedded (subset, as reportlab always does
for TrueType), so the PDF reads the same everywhere; without one, reportlab's built-in
CID font STSong-Light is used, which is not embedded: the reader supplies the glyphs
(Acrobat does, many others show boxes). `report_font()` tells which one is in use.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from domain.money import to_cent

log = logging.getLogger("aftersales.report_pdf")

MISSING = "—"

# ---------------------------------------------------------------------------------------
# The report's data
# ---------------------------------------------------------------------------------------


# kw_only: the fields are many, and `generated_at` follows the defaulted `timezone`.
@dataclass(frozen=True, kw_only=True)
class ReportDevice:
    brand: str | None
    model: str | None
    serial_number: str | None
    warranty_ends_on: date | None
    under_warranty: bool


@dataclass(frozen=True, kw_only=True)
class ReportCheckIn:
    at: datetime
    latitude: float
    longitude: float
    note: str | None
    engineer_name: str | None


@dataclass(frozen=True, kw_only=True)
class ReportWork:
    started_at: datetime
    ended_at: datetime
    method: str | None
    place: str | None
    details: str
    issues_left: str | None
    engineer_name: str | None


@dataclass(frozen=True, kw_only=True)
class ReportChargeLine:
    kind: str
    description: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    waived: bool  # 三包免费: shown struck through, not counted in `charges_total`


@dataclass(frozen=True, kw_only=True)
class ReportRating:
    communication: int
    quality: int
    solved: bool | None
    comment: str | None


@dataclass(frozen=True, kw_only=True)
class ReportSignature:
    signer_name: str
    signed_at: datetime
    image: bytes  # PNG or JPEG


@dataclass(frozen=True, kw_only=True)
class ReportDepotStep:
    step: str
    at: datetime
    tracking_number: str | None
    note: str | None


@dataclass(frozen=True, kw_only=True)
class ServiceReport:
    company_name: str
    ticket_number: str
    kind: str
    status: str
    severity: str
    created_at: datetime
    customer_name: str
    customer_address: str | None
    contact_name: str | None
    contact_phone: str | None
    device: ReportDevice | None
    description: str  # the fault as reported
    remote_diagnosis: str | None
    engineer_name: str | None
    check_ins: list[ReportCheckIn]
    work_records: list[ReportWork]
    charges: list[ReportChargeLine]
    charges_total: Decimal
    charges_confirmed_at: datetime | None
    close_summary: str | None
    rating: ReportRating | None
    signature: ReportSignature | None
    depot_steps: list[ReportDepotStep]
    timezone: str = "Asia/Shanghai"
    generated_at: datetime


# ---------------------------------------------------------------------------------------
# The font
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFont:
    name: str  # as registered with reportlab
    path: str | None  # None: the built-in CID font
    embedded: bool


# Well-known places of CJK fonts with TrueType outlines, in order of preference. Fonts
# with CFF outlines (Noto/Source Han .otf/.ttc) are tried too but reportlab refuses them
# ("postscript outlines are not supported"), so they are skipped.
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian/Ubuntu fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian/Ubuntu fonts-wqy-zenhei
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",  # Fedora
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Arch, Alpine
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # CFF: skipped
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # CFF: skipped
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",  # Windows: Microsoft YaHei
    "C:/Windows/Fonts/simhei.ttf",
)
FALLBACK_CID_FONT = "STSong-Light"
# A character the font must have to be of use (服, as in 服务单).
_PROBE = ord("服")

_register_lock = threading.Lock()


class ReportFontError(ValueError):
    """The font given cannot be used for the report."""


@functools.cache
def _truetype_font(path: str) -> ReportFont:
    """Load and register the TrueType font at `path` (first face of a collection), once
    per process; ReportFontError when it is no usable CJK TrueType font."""
    if not Path(path).is_file():
        raise ReportFontError(f"no font file at {path}")
    # The registered name only needs to be unique per file; the PDF names the font by
    # its own PostScript name.
    name = "ReportCJK-" + hashlib.sha1(path.encode()).hexdigest()[:10]
    try:
        font = TTFont(name, path, subfontIndex=0)
    except TTFError as error:  # CFF outlines, no embedding allowed, not a font...
        raise ReportFontError(f"{path}: {error}") from error
    if _PROBE not in font.face.charToGlyph:
        raise ReportFontError(f"{path} has no Chinese glyphs")
    with _register_lock:
        _register(font)
    return ReportFont(name=name, path=path, embedded=True)


def _register(font: TTFont | UnicodeCIDFont) -> None:
    pdfmetrics.registerFont(font)
    # Paragraph markup may ask for bold or italic; map them to the same face instead of
    # failing ("Can't map determine family/bold/italic").
    pdfmetrics.registerFontFamily(
        font.fontName,
        normal=font.fontName,
        bold=font.fontName,
        italic=font.fontName,
        boldItalic=font.fontName,
    )


@functools.cache
def report_font() -> ReportFont:
    """The font reports use unless told otherwise: the first usable well-known CJK
    TrueType font, else the built-in, not embedded STSong-Light (warned once)."""
    for path in FONT_CANDIDATES:
        if not Path(path).is_file():
            continue
        try:
            return _truetype_font(path)
        except ReportFontError as error:
            log.info("report font skipped: %s", error)
    log.warning(
        "no CJK TrueType font found (install fonts-wqy-microhei); service reports use "
        "%s, which is not embedded: PDF readers without it show no Chinese",
        FALLBACK_CID_FONT,
    )
    with _register_lock:
        _register(UnicodeCIDFont(FALLBACK_CID_FONT))
    return ReportFont(name=FALLBACK_CID_FONT, path=None, embedded=False)


# ---------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------

# C0 controls other than tab and newline: not text, and not valid in the XML-like markup.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _markup(value: str | None) -> str:
    """User text as paragraph markup: escaped (so "<b>" or "&" stays text), line breaks
    kept, "—" when missing or blank."""
    if value is None or not value.strip():
        return MISSING
    text = escape(_CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))
    return text.replace("\n", "<br/>")


class _Formatter:
    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def time(self, value: datetime | None) -> str:
        if value is None:
            return MISSING
        if value.tzinfo is None:
            # A naive time would be read in the server's zone: wrong, silently.
            raise ValueError(f"naive datetime in the service report: {value!r}")
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


def _day(value: date | None) -> str:
    return MISSING if value is None else value.isoformat()


def money(value: Decimal) -> str:
    """¥1,234.50 (half up to the cent, as everywhere; the sign before the ¥)."""
    cents = to_cent(value)
    sign = "-" if cents < 0 else ""
    return f"{sign}¥{abs(cents):,.2f}"


def _quantity(value: Decimal) -> str:
    # 2.000 -> 2, 1.50 -> 1.5; "f" so that 10 is not printed as 1E+1.
    return format(value.normalize(), "f")


def _coordinate(value: float) -> str:
    return f"{value:.5f}"


def _yes_no(value: bool | None) -> str:
    return MISSING if value is None else ("是" if value else "否")


# ---------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
SIGNATURE_MAX_WIDTH = 60 * mm
SIGNATURE_MAX_HEIGHT = 30 * mm
# A signature larger than this is downscaled before embedding (a phone photo would
# otherwise put megabytes into every report).
SIGNATURE_MAX_PIXELS = 1600
GRID = colors.HexColor("#9ca3af")
SHADE = colors.HexColor("#f3f4f6")


class _Styles:
    def __init__(self, font: str) -> None:
        # wordWrap CJK: a Chinese sentence has no spaces to break at.
        base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
        self.body = base
        self.cell = ParagraphStyle("cell", parent=base, fontSize=9, leading=12)
        self.label = ParagraphStyle("label", parent=self.cell, textColor=colors.HexColor("#374151"))
        self.number = ParagraphStyle("number", parent=self.cell, alignment=TA_RIGHT)
        self.company = ParagraphStyle(
            "company", parent=base, fontSize=16, leading=21, alignment=TA_CENTER
        )
        self.title = ParagraphStyle(
            "title", parent=base, fontSize=14, leading=19, alignment=TA_CENTER, spaceAfter=2
        )
        self.subtitle = ParagraphStyle(
            "subtitle", parent=base, fontSize=10, leading=14, alignment=TA_CENTER
        )
        self.section = ParagraphStyle(
            "section",
            parent=base,
            fontSize=11.5,
            leading=16,
            spaceBefore=8,
            spaceAfter=3,
            textColor=colors.HexColor("#1f2937"),
        )
        self.subsection = ParagraphStyle(
            "subsection", parent=base, fontSize=9.5, leading=13, spaceBefore=4, spaceAfter=1
        )


def _grid(rows: list[list[Any]], widths: list[float], *, header: bool = False) -> Table:
    # splitInRow: a row with a very long cell may split across pages instead of raising
    # LayoutError ("too large on page").
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, splitInRow=1)
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    table.setStyle(TableStyle(style))
    return table


def _fields(pairs: list[tuple[str, str]], styles: _Styles) -> Table:
    """Label/value pairs, two per row; values are markup (already escaped)."""
    rows: list[list[Any]] = []
    for i in range(0, len(pairs), 2):
        row: list[Any] = []
        for label, value in pairs[i : i + 2]:
            row += [Paragraph(label, styles.label), Paragraph(value, styles.cell)]
        row += [""] * (4 - len(row))
        rows.append(row)
    label_width = 22 * mm
    value_width = CONTENT_WIDTH / 2 - label_width
    table = _grid(rows, [label_width, value_width, label_width, value_width])
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), SHADE)]))
    table.setStyle(TableStyle([("BACKGROUND", (2, 0), (2, -1), SHADE)]))
    return table


class _Builder:
    def __init__(self, report: ServiceReport, font: ReportFont) -> None:
        self.report = report
        self.styles = _Styles(font.name)
        self.fmt = _Formatter(report.timezone)
        self.story: list[Flowable] = []

    def p(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(markup, style or self.styles.cell)

    def section(self, title: str, *body: Flowable) -> None:
        # Keep the title with the start of its content, never alone at a page's foot.
        heading = Paragraph(title, self.styles.section)
        if body:
            self.story.append(KeepTogether([heading, body[0]]))
            self.story.extend(body[1:])
        else:
            self.story.append(heading)

    def text_section(self, title: str, value: str | None) -> None:
        self.section(title, Paragraph(_markup(value), self.styles.body))

    def build(self) -> list[Flowable]:
        self.header()
        self.customer()
        self.device()
        self.text_section("故障描述", self.report.description)
        self.text_section("远程诊断", self.report.remote_diagnosis)
        self.check_ins()
        self.work_records()
        if self.report.depot_steps:  # most tickets never go to the depot
            self.depot()
        self.charges()
        self.text_section("服务总结", self.report.close_summary)
        self.rating()
        self.signature()
        return self.story

    def header(self) -> None:
        r, s, t = self.report, self.styles, self.fmt
        self.story += [
            Paragraph(_markup(r.company_name), s.company),
            Paragraph("服务单", s.title),
            Paragraph(f"单号：{_markup(r.ticket_number)}", s.subtitle),
            Spacer(0, 4 * mm),
            _fields(
                [
                    ("类型", _markup(r.kind)),
                    ("状态", _markup(r.status)),
                    ("紧急程度", _markup(r.severity)),
                    ("创建时间", t.time(r.created_at)),
                    ("服务工程师", _markup(r.engineer_name)),
                ],
                s,
            ),
        ]

    def customer(self) -> None:
        r = self.report
        pairs = [
            ("客户名称", _markup(r.customer_name)),
            ("联系人", _markup(r.contact_name)),
            ("地址", _markup(r.customer_address)),
            ("联系电话", _markup(r.contact_phone)),
        ]
        self.section("客户", _fields(pairs, self.styles))

    def device(self) -> None:
        d = self.report.device
        if d is None:
            self.section("设备", self.p(MISSING, self.styles.body))
            return
        pairs = [
            ("品牌", _markup(d.brand)),
            ("型号", _markup(d.model)),
            ("序列号", _markup(d.serial_number)),
            ("保修截止", _day(d.warranty_ends_on)),
            ("保修状态", "保内" if d.under_warranty else "保外"),
        ]
        self.section("设备", _fields(pairs, self.styles))

    def check_ins(self) -> None:
        items = self.report.check_ins
        if not items:
            self.section("签到记录", self.p(MISSING, self.styles.body))
            return
        rows: list[list[Any]] = [
            [self.p(h, self.styles.label) for h in ("时间", "工程师", "位置", "备注")]
        ]
        for c in items:
            rows.append(
                [
                    self.p(self.fmt.time(c.at)),
                    self.p(_markup(c.engineer_name)),
                    self.p(f"{_coordinate(c.latitude)}, {_coordinate(c.longitude)}"),
                    self.p(_markup(c.note)),
                ]
            )
        widths = [32 * mm, 28 * mm, 42 * mm, CONTENT_WIDTH - 102 * mm]
        self.section("签到记录", _grid(rows, widths, header=True))

    def work_records(self) -> None:
        items = self.report.work_records
        if not items:
            self.section("工作记录", self.p(MISSING, self.styles.body))
            return
        body: list[Flowable] = []
        s, t = self.styles, self.fmt
        for n, w in enumerate(items, start=1):
            summary = _fields(
                [
                    ("时间", f"{t.time(w.started_at)} 至 {t.time(w.ended_at)}"),
                    ("工程师", _markup(w.engineer_name)),
                    ("方式", _markup(w.method)),
                    ("地点", _markup(w.place)),
                ],
                s,
            )
            # The details and what is left are paragraphs, not table cells: they may run
            # over pages.
            body += [
                KeepTogether([Paragraph(f"记录 {n}", s.subsection), summary]),
                Paragraph("处理内容", s.subsection),
                Paragraph(_markup(w.details), s.body),
                Paragraph("遗留问题", s.subsection),
                Paragraph(_markup(w.issues_left), s.body),
            ]
        self.section("工作记录", *body)

    def depot(self) -> None:
        header = [self.p(h, self.styles.label) for h in ("环节", "时间", "快递单号", "备注")]
        rows: list[list[Any]] = [header]
        for d in self.report.depot_steps:
            rows.append(
                [
                    self.p(_markup(d.step)),
                    self.p(self.fmt.time(d.at)),
                    self.p(_markup(d.tracking_number)),
                    self.p(_markup(d.note)),
                ]
            )
        widths = [34 * mm, 32 * mm, 40 * mm, CONTENT_WIDTH - 106 * mm]
        self.section("返厂维修", _grid(rows, widths, header=True))

    def charges(self) -> None:
        r, s = self.report, self.styles
        body: list[Flowable] = []
        headers = ("类型", "说明", "数量", "单价", "金额")
        rows: list[list[Any]] = [[self.p(h, s.label) for h in headers]]
        for c in r.charges:
            amount = money(c.amount)
            if c.waived:
                # The amount stays readable, struck through: what the warranty saved.
                amount = f"<strike>{amount}</strike><br/>三包免费"
            rows.append(
                [
                    self.p(_markup(c.kind)),
                    self.p(_markup(c.description)),
                    self.p(_quantity(c.quantity), s.number),
                    self.p(money(c.unit_price), s.number),
                    self.p(amount, s.number),
                ]
            )
        if not r.charges:
            rows.append([self.p(MISSING), "", "", "", ""])
        rows.append([self.p("合计", s.label), "", "", "", self.p(money(r.charges_total), s.number)])
        widths = [22 * mm, CONTENT_WIDTH - 112 * mm, 20 * mm, 35 * mm, 35 * mm]
        table = _grid(rows, widths, header=True)
        table.setStyle(
            TableStyle([("SPAN", (0, -1), (3, -1)), ("BACKGROUND", (0, -1), (-1, -1), SHADE)])
        )
        body.append(table)
        confirmed = r.charges_confirmed_at
        body.append(
            Paragraph(
                "客户确认：" + (f"已确认（{self.fmt.time(confirmed)}）" if confirmed else "未确认"),
                ParagraphStyle("confirmed", parent=s.body, spaceBefore=3),
            )
        )
        self.section("费用", *body)

    def rating(self) -> None:
        g = self.report.rating
        if g is None:
            self.section("服务评价", self.p(MISSING, self.styles.body))
            return
        pairs = [
            ("沟通", f"{g.communication} / 5"),
            ("质量", f"{g.quality} / 5"),
            ("问题已解决", _yes_no(g.solved)),
            ("评价内容", _markup(g.comment)),
        ]
        self.section("服务评价", _fields(pairs, self.styles))

    def signature(self) -> None:
        sig, s = self.report.signature, self.styles
        if sig is None:
            self.section("客户签名", Paragraph("未签名", s.body))
            return
        image = _signature_image(sig.image)
        drawn: Flowable = image if image else Paragraph("（签名图片无法显示）", s.body)
        lines = Paragraph(
            f"签名人：{_markup(sig.signer_name)}<br/>签名时间：{self.fmt.time(sig.signed_at)}",
            s.body,
        )
        table = Table(
            [[drawn, lines]],
            colWidths=[SIGNATURE_MAX_WIDTH + 6 * mm, CONTENT_WIDTH - SIGNATURE_MAX_WIDTH - 6 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("LINEBELOW", (0, 0), (0, 0), 0.5, GRID),
                ]
            )
        )
        self.section("客户签名", table)


def _signature_image(data: bytes) -> Image | None:
    """The signature as a flowable, at most 60 × 30 mm keeping its aspect; None when the
    bytes are no image PIL can read (the report is still rendered)."""
    try:
        with PILImage.open(BytesIO(data)) as picture:
            picture.load()
            width, height = picture.size
            if picture.format not in ("PNG", "JPEG") or max(width, height) > SIGNATURE_MAX_PIXELS:
                # Re-encode as a small PNG: reportlab embeds JPEG as is, anything else
                # through PIL anyway, and a huge image would bloat every report.
                small: PILImage.Image = picture
                if small.mode not in ("1", "L", "LA", "RGB", "RGBA"):
                    small = small.convert("RGBA")  # CMYK, palette, 16 bit: not all PNG
                small.thumbnail((SIGNATURE_MAX_PIXELS, SIGNATURE_MAX_PIXELS))
                out = BytesIO()
                small.save(out, format="PNG")
                data = out.getvalue()
                width, height = small.size
    except (UnidentifiedImageError, OSError, ValueError, PILImage.DecompressionBombError):
        log.warning("service report: the signature image cannot be read")
        return None
    if not width or not height:
        return None
    scale = min(SIGNATURE_MAX_WIDTH / width, SIGNATURE_MAX_HEIGHT / height)
    return Image(BytesIO(data), width=width * scale, height=height * scale)


class _Document(SimpleDocTemplate):
    """A4 with a footer (company, number, generation time, page) on every page."""

    def __init__(self, out: BytesIO, *, footer: str, font: str, **options: Any) -> None:
        super().__init__(out, **options)
        self.footer = footer
        self.font = font

    def afterPage(self) -> None:
        # Drawn after the page's content (not with onPage, before it), so that text
        # extraction and screen readers meet the footer last.
        canvas: Canvas = self.canv
        canvas.saveState()
        canvas.setFont(self.font, 8)  # canvas text, not markup: no escaping
        canvas.setFillColor(colors.HexColor("#6b7280"))
        canvas.drawString(MARGIN, 9 * mm, self.footer)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 9 * mm, f"第 {self.page} 页")
        canvas.restoreState()


def render_report(report: ServiceReport, font_path: str | None = None) -> bytes:
    """The service report as PDF bytes. `font_path`: a CJK TrueType font (.ttf/.ttc,
    first face) to use instead of `report_font()`; ReportFontError if it is unusable."""
    font = _truetype_font(font_path) if font_path else report_font()
    builder = _Builder(report, font)
    story = builder.build()
    generated = builder.fmt.time(report.generated_at)

    out = BytesIO()
    doc = _Document(
        out,
        footer=f"{report.company_name}  服务单 {report.ticket_number}  生成时间 {generated}",
        font=font.name,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 5 * mm,
        title=f"服务单 {report.ticket_number}",
        author=report.company_name,
        subject="服务单",
        creator="aftersales",
        lang="zh-CN",
    )
    doc.build(story)
    return out.getvalue()
