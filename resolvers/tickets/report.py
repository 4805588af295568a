"""The service report (服务单) of a ticket, served as PDF at GET
/tickets/{id}/report.pdf to whoever may see the ticket (the TICKETS row rule; anyone
else: NOT_FOUND). Its data is read through the request's loaders, the same as the
ticket's GraphQL fields; resolvers.tickets.report_pdf lays it out."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from domain.errors import DomainError, NotFound
from persistence.types import utcnow
from resolvers import visibility
from resolvers.attachments.serving import admitted, read_whole, signature_of
from resolvers.charges.statement import statement_for
from resolvers.ids import decode_id
from resolvers.tickets.report_pdf import (
    ReportChargeLine,
    ReportCheckIn,
    ReportDepotStep,
    ReportDevice,
    ReportRating,
    ReportSignature,
    ReportWork,
    ServiceReport,
    render_report,
)

if TYPE_CHECKING:
    from resolvers.context import Context

KINDS = {"REPAIR": "维修", "MAINTENANCE": "保养", "INSTALLATION": "安装"}
STATUSES = {
    "NEW": "新建",
    "DISPATCHED": "已派单",
    "ACCEPTED": "已接单",
    "IN_PROGRESS": "处理中",
    "CLOSE_REQUESTED": "待客户确认",
    "CUSTOMER_CONFIRMED": "客户已确认",
    "CLOSED": "已关闭",
    "CANCELLED": "已取消",
}
SEVERITIES = {1: "1 紧急", 2: "2 高", 3: "3 中", 4: "4 低"}
CHARGE_KINDS = {"PART": "备件", "LABOUR": "人工", "TRAVEL": "差旅", "OTHER": "其他"}
LABOUR_TEXT = {
    "labour (own product)": "人工（本公司产品）",
    "labour (other vendor)": "人工（非本公司产品）",
}
DEPOT_STEPS = {
    "RECEIVED_FROM_CUSTOMER": "从客户处收回",
    "SENT_TO_VENDOR": "寄往厂家",
    "BACK_FROM_VENDOR": "厂家返回",
    "RETURNED_TO_CUSTOMER": "交还客户",
}


async def _name(ctx: Context, pk: int | None) -> str | None:
    user = None if pk is None else await ctx.loaders.user.load(pk)
    return None if user is None else user.display_name


async def report_pdf(ctx: Context, ticket_id: str) -> tuple[str, bytes]:
    """(file name, PDF) of a ticket the reader may see."""
    try:
        await ctx.actor()
        pk = decode_id(ticket_id, "Ticket")
    except DomainError:
        raise NotFound("ticket not found") from None
    loaders = ctx.loaders
    ticket: Any = await loaders.ticket.load(pk)
    if ticket is None or ticket.deleted_at is not None:
        raise NotFound("ticket not found")
    if not await admitted(ctx, visibility.TICKETS, ticket):
        raise NotFound("ticket not found")
    customer = await loaders.customer.load(ticket.customer_id)
    device = None if ticket.device_id is None else await loaders.device.load(ticket.device_id)
    statement = await statement_for(ctx, ticket)
    signature = None
    image = await signature_of(ctx, ticket)
    if image is not None:
        signature = ReportSignature(
            signer_name=ticket.signer_name or "",
            signed_at=ticket.signed_at,
            image=await read_whole(ctx, image.storage_key),
        )
    report = ServiceReport(
        company_name=ctx.services.settings.company_name,
        ticket_number=ticket.number or f"#{ticket.id}",
        kind=KINDS.get(ticket.kind, ticket.kind),
        status=STATUSES.get(ticket.status, ticket.status),
        severity=SEVERITIES.get(ticket.severity, str(ticket.severity)),
        created_at=ticket.created_at,
        customer_name=customer.name if customer else "",
        customer_address=customer.address if customer else None,
        contact_name=ticket.contact_name,
        contact_phone=ticket.contact_phone,
        device=None
        if device is None
        else ReportDevice(
            brand=device.brand,
            model=device.model,
            serial_number=device.serial_number,
            warranty_ends_on=device.warranty_ends_on,
            under_warranty=ticket.under_warranty,
        ),
        description=ticket.description,
        remote_diagnosis=ticket.remote_diagnosis,
        engineer_name=await _name(ctx, ticket.assignee_id),
        check_ins=[
            ReportCheckIn(
                at=c.at,
                latitude=c.latitude,
                longitude=c.longitude,
                note=c.note,
                engineer_name=await _name(ctx, c.engineer_id),
            )
            for c in await loaders.ticket_check_ins.load(ticket.id)
        ],
        work_records=[
            ReportWork(
                started_at=w.started_at,
                ended_at=w.ended_at,
                method=w.method,
                place=w.place,
                details=w.details,
                issues_left=w.issues_left,
                engineer_name=await _name(ctx, w.engineer_id),
            )
            for w in await loaders.ticket_work_records.load(ticket.id)
        ],
        charges=[
            ReportChargeLine(
                kind=CHARGE_KINDS.get(line.kind.value, line.kind.value),
                description=LABOUR_TEXT.get(line.description, line.description),
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                waived=line.waived,
            )
            for line in statement.lines
        ],
        charges_total=statement.total,
        charges_confirmed_at=ticket.confirmed_at
        if ticket.charges_confirmed_total is not None
        else None,
        close_summary=ticket.close_summary,
        rating=None
        if ticket.rating_communication is None
        else ReportRating(
            communication=ticket.rating_communication,
            quality=ticket.rating_quality,
            solved=ticket.rating_solved,
            comment=ticket.rating_comment,
        ),
        signature=signature,
        depot_steps=[
            ReportDepotStep(
                step=DEPOT_STEPS.get(s.step, s.step),
                at=s.at,
                tracking_number=s.tracking_number,
                note=s.note,
            )
            for s in await loaders.ticket_depot_steps.load(ticket.id)
        ],
        generated_at=utcnow(),
    )
    font = ctx.services.settings.report_font
    pdf = await asyncio.to_thread(render_report, report, str(font) if font else None)
    return f"{report.ticket_number}.pdf", pdf
