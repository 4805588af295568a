"""The service report PDF (resolvers.tickets.report_pdf): Chinese text rendered and
extractable, the CJK font embedded, user text taken as text, long records paginated."""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw
from pypdf import PdfReader

from resolvers.tickets import report_pdf
from resolvers.tickets.report_pdf import (
    ReportChargeLine,
    ReportCheckIn,
    ReportDepotStep,
    ReportDevice,
    ReportFontError,
    ReportRating,
    ReportSignature,
    ReportWork,
    ServiceReport,
    money,
    render_report,
    report_font,
)

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def signature_png() -> bytes:
    picture = PILImage.new("RGB", (300, 100), "white")
    ImageDraw.Draw(picture).line([(10, 80), (120, 20), (200, 70), (290, 30)], "black", 4)
    out = BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def full_report() -> ServiceReport:
    return ServiceReport(
        company_name="华东精工售后服务有限公司",
        ticket_number="SR20240501-0007",
        kind="维修",
        status="已关闭",
        severity="紧急",
        created_at=datetime(2024, 5, 1, 0, 30, tzinfo=UTC),
        customer_name="上海精密仪器有限公司",
        customer_address="上海市浦东新区张江路 88 号 3 号楼",
        contact_name="王经理",
        contact_phone="021-5888 0000",
        device=ReportDevice(
            brand="精工",
            model="CNC-850 数控加工中心",
            serial_number="JG850-2021-00042",
            warranty_ends_on=date(2025, 3, 31),
            under_warranty=True,
        ),
        description="主轴异响，无法启动",
        remote_diagnosis="电话指导检查主轴润滑，怀疑轴承损坏，需上门。",
        engineer_name="李工",
        check_ins=[
            ReportCheckIn(
                at=datetime(2024, 5, 2, 1, 5, tzinfo=UTC),
                latitude=31.2034567,
                longitude=121.5987654,
                note="到达客户现场",
                engineer_name="李工",
            ),
            ReportCheckIn(
                at=datetime(2024, 5, 3, 6, 45, tzinfo=UTC),
                latitude=31.20349,
                longitude=121.59871,
                note="复查",
                engineer_name="张工",
            ),
        ],
        work_records=[
            ReportWork(
                started_at=datetime(2024, 5, 2, 1, 10, tzinfo=UTC),
                ended_at=datetime(2024, 5, 2, 5, 40, tzinfo=UTC),
                method="现场维修",
                place="客户车间",
                details="拆检主轴，更换前端轴承两只，重新加注润滑脂，试机运行正常。",
                issues_left="建议三个月后复查主轴温升。",
                engineer_name="李工",
            )
        ],
        charges=[
            ReportChargeLine(
                kind="配件",
                description="主轴前端轴承 7014C",
                quantity=Decimal("2"),
                unit_price=Decimal("680.00"),
                amount=Decimal("1360.00"),
                waived=True,
            ),
            ReportChargeLine(
                kind="工时",
                description="现场维修 4.5 小时",
                quantity=Decimal("4.5"),
                unit_price=Decimal("200.00"),
                amount=Decimal("900.00"),
                waived=False,
            ),
            ReportChargeLine(
                kind="差旅",
                description="市内交通",
                quantity=Decimal("1"),
                unit_price=Decimal("150.00"),
                amount=Decimal("150.00"),
                waived=False,
            ),
        ],
        charges_total=Decimal("1050.00"),
        charges_confirmed_at=datetime(2024, 5, 2, 6, 0, tzinfo=UTC),
        close_summary="更换轴承后设备恢复正常。",
        rating=ReportRating(communication=5, quality=4, solved=True, comment="响应及时，服务专业"),
        signature=ReportSignature(
            signer_name="王建国",
            signed_at=datetime(2024, 5, 2, 6, 5, tzinfo=UTC),
            image=signature_png(),
        ),
        depot_steps=[
            ReportDepotStep(
                step="寄往厂家",
                at=datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
                tracking_number="SF1234567890",
                note="旧轴承返厂分析",
            )
        ],
        generated_at=datetime(2024, 5, 4, 2, 0, tzinfo=UTC),
    )


def bare_report(**changes: Any) -> ServiceReport:
    """No device, check-ins, work, charges, rating, signature or depot steps."""
    return dataclasses.replace(
        full_report(),
        **{
            "customer_address": None,
            "contact_name": None,
            "contact_phone": None,
            "device": None,
            "remote_diagnosis": None,
            "engineer_name": None,
            "check_ins": [],
            "work_records": [],
            "charges": [],
            "charges_total": Decimal("0"),
            "charges_confirmed_at": None,
            "close_summary": None,
            "rating": None,
            "signature": None,
            "depot_steps": [],
            **changes,
        },
    )


def text_of(pdf: bytes) -> str:
    """All pages' text, without whitespace (wrapping may break a line anywhere)."""
    reader = PdfReader(BytesIO(pdf))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def resources(pdf: bytes, kind: str) -> list[Any]:
    """The resolved /Font or /XObject entries of every page."""
    found: list[Any] = []
    for page in PdfReader(BytesIO(pdf)).pages:
        page_resources: Any = page["/Resources"].get_object()
        entries = page_resources.get(kind)
        if entries is not None:
            found += [entry.get_object() for entry in entries.get_object().values()]
    return found


def test_the_full_report_renders_its_chinese_text() -> None:
    pdf = render_report(full_report())

    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in (
        "服务单",
        "SR20240501-0007",
        "上海精密仪器有限公司",
        "主轴异响，无法启动",
        "王建国",  # the signer
        "合计",
        "¥1,050.00",
        "2024-05-0209:05",  # the first check-in, 01:05 UTC in Asia/Shanghai
        "31.20346,121.59877",  # five decimals
        "三包免费",
        "¥1,360.00",  # a waived amount is still shown
        "客户确认",
        "返厂维修",
        "生成时间",
    ):
        assert expected in text, expected
    assert "未签名" not in text


def test_the_signature_is_drawn_as_an_image() -> None:
    images = [x for x in resources(render_report(full_report()), "/XObject")]
    assert any(x.get("/Subtype") == "/Image" for x in images)


def test_the_metadata_names_the_ticket_and_the_company() -> None:
    meta = PdfReader(BytesIO(render_report(full_report()))).metadata
    assert meta is not None
    assert meta.title == "服务单 SR20240501-0007"
    assert meta.author == "华东精工售后服务有限公司"


def need_wqy() -> None:
    """CI installs the font (.ci/run): there its absence fails; elsewhere it skips."""
    if not Path(WQY).is_file():
        message = f"{WQY} missing: install the Debian package fonts-wqy-microhei"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_the_cjk_font_is_embedded() -> None:
    need_wqy()
    font = report_font()
    assert font.embedded
    assert font.path == WQY

    fonts = resources(render_report(full_report()), "/Font")
    # reportlab embeds TrueType as subsets (of up to 256 glyphs each), each a font with
    # its own descriptor holding the glyphs (FontFile2).
    embedded = [
        f
        for f in fonts
        if "WenQuanYi" in str(f.get("/BaseFont"))
        and "/FontFile2" in f["/FontDescriptor"].get_object()
    ]
    assert embedded
    assert all(
        "/FontFile2" in f["/FontDescriptor"].get_object() for f in fonts if "/FontDescriptor" in f
    )


def test_user_text_is_text_not_markup() -> None:
    tricky = "<b>&<script>"
    report = dataclasses.replace(
        full_report(),
        customer_name=f"客户{tricky}",
        description=f"故障{tricky}&amp; <br/> 2 < 3",
        signature=dataclasses.replace(full_report().signature, signer_name=tricky),  # type: ignore[type-var]
    )

    text = text_of(render_report(report))

    assert f"客户{tricky}" in text
    assert f"故障{tricky}&amp;<br/>2<3" in text
    assert f"签名人：{tricky}" in text


def test_a_report_without_device_signature_rating_or_charges_renders() -> None:
    pdf = render_report(bare_report())

    text = text_of(pdf)
    assert "未签名" in text
    assert "上海精密仪器有限公司" in text
    assert "—" in text
    assert "¥0.00" in text
    assert "返厂维修" not in text  # no depot trip, no section
    assert not [x for x in resources(pdf, "/XObject") if x.get("/Subtype") == "/Image"]


def test_a_long_work_record_flows_onto_a_second_page() -> None:
    details = ("拆检主轴并更换轴承，清洗润滑系统，校准主轴跳动。" * 130)[:3000]
    assert len(details) == 3000
    work = dataclasses.replace(full_report().work_records[0], details=details)
    report = dataclasses.replace(full_report(), work_records=[work])

    pdf = render_report(report)

    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) >= 2
    # The page's footer comes between the two parts.
    footer = re.compile(r"华东精工售后服务有限公司服务单SR20240501-0007生成时间[-0-9:]+第\d+页")
    assert details in footer.sub("", text_of(pdf))


def test_a_long_cell_splits_instead_of_failing() -> None:
    # A table row taller than a page would raise LayoutError without in-row splitting.
    check_in = dataclasses.replace(full_report().check_ins[0], note="备注很长。" * 800)
    pdf = render_report(dataclasses.replace(full_report(), check_ins=[check_in]))
    assert len(PdfReader(BytesIO(pdf)).pages) >= 3


def test_an_unreadable_signature_image_does_not_break_the_report() -> None:
    broken = dataclasses.replace(full_report().signature, image=b"not an image")  # type: ignore[type-var]
    text = text_of(render_report(dataclasses.replace(full_report(), signature=broken)))
    assert "王建国" in text


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        render_report(dataclasses.replace(full_report(), created_at=datetime(2024, 5, 1)))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [("0", "¥0.00"), ("1234567.5", "¥1,234,567.50"), ("1.005", "¥1.01"), ("-3", "-¥3.00")],
)
def test_money_is_shown_to_the_cent(amount: str, shown: str) -> None:
    assert money(Decimal(amount)) == shown


def test_without_a_cjk_truetype_font_the_builtin_cid_font_is_used(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(report_pdf, "FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    report_font.cache_clear()
    try:
        font = report_font()
        assert report_font() is font  # resolved once: warned once
        pdf = render_report(full_report())
    finally:
        report_font.cache_clear()  # the next caller resolves the real font again

    assert (font.name, font.path, font.embedded) == ("STSong-Light", None, False)
    assert [r for r in caplog.records if "fonts-wqy-microhei" in r.getMessage()]
    assert pdf.startswith(b"%PDF")
    fonts = resources(pdf, "/Font")
    assert any("STSong-Light" in str(f.get("/BaseFont")) for f in fonts)
    assert not any("/FontFile2" in str(f.get("/FontDescriptor")) for f in fonts)


def test_a_font_path_that_is_no_usable_font_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    with pytest.raises(ReportFontError):
        render_report(full_report(), font_path=str(bogus))
    with pytest.raises(ReportFontError, match="no font file"):
        render_report(full_report(), font_path=str(tmp_path / "missing.ttf"))


def test_a_font_path_is_used_when_given() -> None:
    need_wqy()
    text = text_of(render_report(full_report(), font_path=WQY))
    assert "上海精密仪器有限公司" in text


def test_a_large_signature_of_another_format_is_downscaled_and_drawn() -> None:
    picture = PILImage.new("P", (4000, 1200), 0)
    ImageDraw.Draw(picture).line([(100, 1000), (3900, 200)], 1, 40)
    out = BytesIO()
    picture.save(out, format="GIF")
    signature = dataclasses.replace(full_report().signature, image=out.getvalue())  # type: ignore[type-var]

    pdf = render_report(dataclasses.replace(full_report(), signature=signature))

    images = [x for x in resources(pdf, "/XObject") if x.get("/Subtype") == "/Image"]
    assert [(x["/Width"], x["/Height"]) for x in images] == [(1600, 480)]
