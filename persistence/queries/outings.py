"""Outing requests and their expense lines: the lists, the lines of a request, and
the lookups the request and expense mutations make under their locks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outings.requests import ExpenseStatus
from persistence.models import OutingExpense, OutingRequest, OutingRequestPart, Part, Ticket
from persistence.queries.common import live_only


def outing_requests_listed(
    *,
    own_engineer_id: int | None,
    status: str | None,
    ticket_id: int | None,
    engineer_id: int | None,
) -> Select[Any]:
    """Live requests, for `paginate` on `OutingRequest.id`. `own_engineer_id` narrows
    them to an engineer reading their own; the rest are the reader's filter."""
    stmt = live_only(select(OutingRequest), OutingRequest, include_deleted=False)
    if own_engineer_id is not None:
        stmt = stmt.where(OutingRequest.engineer_id == own_engineer_id)
    if status is not None:
        stmt = stmt.where(OutingRequest.status == status)
    if ticket_id is not None:
        stmt = stmt.where(OutingRequest.ticket_id == ticket_id)
    if engineer_id is not None:
        stmt = stmt.where(OutingRequest.engineer_id == engineer_id)
    return stmt


async def live_part_ids(session: AsyncSession, part_ids: Iterable[int]) -> set[int]:
    """Those of `part_ids` that name a live part."""
    stmt = live_only(
        select(Part.id).where(Part.id.in_(list(part_ids))), Part, include_deleted=False
    )
    return set((await session.scalars(stmt)).all())


async def request_part_lines(session: AsyncSession, request_id: int) -> list[OutingRequestPart]:
    """The request's live part lines, in entry order."""
    stmt = live_only(
        select(OutingRequestPart).where(OutingRequestPart.outing_request_id == request_id),
        OutingRequestPart,
        include_deleted=False,
    ).order_by(OutingRequestPart.id)
    return list((await session.scalars(stmt)).all())


async def request_expenses(session: AsyncSession, request_id: int) -> list[OutingExpense]:
    """The request's live expense lines, in entry order."""
    stmt = live_only(
        select(OutingExpense).where(OutingExpense.outing_request_id == request_id),
        OutingExpense,
        include_deleted=False,
    ).order_by(OutingExpense.id)
    return list((await session.scalars(stmt)).all())


async def expense_request_id(session: AsyncSession, expense_id: int) -> int | None:
    """The request an expense line belongs to (read unlocked: the caller locks the
    request, then the line); None when there is no such line."""
    return await session.scalar(
        select(OutingExpense.outing_request_id).where(OutingExpense.id == expense_id)
    )


async def claim_waiting(session: AsyncSession, request_id: int) -> bool:
    """Whether any expense line of the request is claimed and not yet decided."""
    waiting = await session.scalar(
        select(OutingExpense.id).where(
            OutingExpense.outing_request_id == request_id,
            OutingExpense.status == ExpenseStatus.CLAIMED.value,
        )
    )
    return waiting is not None


async def ticket_kind(session: AsyncSession, ticket_id: int) -> str | None:
    """The kind of the request's ticket (it decides which approvers handle it)."""
    return await session.scalar(select(Ticket.kind).where(Ticket.id == ticket_id))
