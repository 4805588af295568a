"""Idempotency keys: a retried mutation with the same key returns the first result and changes nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.errors import BadUserInput, Conflict
from persistence.errors import DuplicateKey
from persistence.events import ticket_snapshot
from persistence.models import IdempotencyKey, Ticket
from persistence.queries import tickets as ticket_rows
from resolvers.ids import encode_id
from resolvers.tickets.snapshots import ticket_as_of

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.roles import Actor
    from persistence.unit_of_work import UnitOfWork
    from resolvers.context import Context

MAX_KEY_LENGTH = 100


class KeyTaken(Exception):
    """A concurrent request with the same idempotency key committed first."""


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(f"must be 1-{MAX_KEY_LENGTH} characters", field="idempotencyKey")
    return key


async def _stored(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    *,
    ticket_pk: int | None = None,
    record_type: str | None = None,
) -> IdempotencyKey | None:
    """The key's first use, if any; BAD_USER_INPUT if it was for something else."""
    stored = await ticket_rows.idempotency_key(session, actor.user_id, key)
    if stored is None:
        return None
    if (
        stored.operation != operation
        or (ticket_pk is not None and stored.ticket_id != ticket_pk)
        or stored.record_type != record_type
    ):
        raise BadUserInput(
            f"was already used for {stored.operation} on another request; use a new key",
            field="idempotencyKey",
        )
    return stored


async def _store(work: UnitOfWork, row: IdempotencyKey) -> None:
    work.session.add(row)
    try:
        await work.session.flush()
    except DuplicateKey as exc:
        raise KeyTaken from exc


async def stored_result(
    session: AsyncSession, actor: Actor, key: str, operation: str, ticket_pk: int | None = None
) -> Any | None:
    stored = await _stored(session, actor, key, operation, ticket_pk=ticket_pk)
    if stored is None:
        return None
    row = await session.get(Ticket, stored.ticket_id)
    assert row is not None
    return ticket_as_of(row, stored.result)


async def remember(work: UnitOfWork, actor: Actor, key: str, operation: str, row: Ticket) -> None:
    await _store(
        work,
        IdempotencyKey(
            user_id=actor.user_id,
            key=key,
            operation=operation,
            ticket_id=row.id,
            result=ticket_snapshot(row),
        ),
    )


async def idempotent(
    ctx: Context,
    actor: Actor,
    key: str | None,
    operation: str,
    attempt: Callable[[], Awaitable[Any]],
    ticket_pk: int | None = None,
) -> Any:
    try:
        return await attempt()
    except KeyTaken:
        assert key is not None
        async with ctx.read() as session:
            replay = await stored_result(session, actor, key, operation, ticket_pk)
        if replay is None:  # pragma: no cover - the winner committed before we failed
            raise Conflict("a concurrent request with this key failed; retry") from None
        ctx.wrote(encode_id("Ticket", replay.id))
        return replay


# -- keys whose result is another record of a ticket (an outing request, a claim) -------


async def stored_record(
    session: AsyncSession, actor: Actor, key: str, operation: str, record_type: str
) -> int | None:
    """The id of the record a first request with this key made or changed; None if the
    key is new. BAD_USER_INPUT if the key was used for something else."""
    stored = await _stored(session, actor, key, operation, record_type=record_type)
    return None if stored is None else stored.record_id


async def remember_record(
    work: UnitOfWork,
    actor: Actor,
    key: str,
    operation: str,
    ticket_pk: int,
    record_type: str,
    record_pk: int,
) -> None:
    await _store(
        work,
        IdempotencyKey(
            user_id=actor.user_id,
            key=key,
            operation=operation,
            ticket_id=ticket_pk,
            result={},
            record_type=record_type,
            record_id=record_pk,
        ),
    )


async def idempotent_record(
    ctx: Context,
    actor: Actor,
    key: str | None,
    operation: str,
    model: Any,
    attempt: Callable[[], Awaitable[Any]],
) -> Any:
    """Runs `attempt`; a concurrent first request with the same key that committed
    first is answered with its record instead."""
    try:
        return await attempt()
    except KeyTaken:
        assert key is not None
        async with ctx.read() as session:
            pk = await stored_record(session, actor, key, operation, model.__name__)
            row = None if pk is None else await session.get(model, pk)
        if row is None:  # pragma: no cover - the winner committed before we failed
            raise Conflict("a concurrent request with this key failed; retry") from None
        ctx.wrote(encode_id(model.__name__, row.id))
        return row
