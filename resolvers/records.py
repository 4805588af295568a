"""What every record's mutations share: partial updates, logical delete and restore."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from strawberry import UNSET

from domain import policy
from domain.errors import BadUserInput, NotFound
from persistence.models import Base, Tracked
from persistence.types import utcnow
from resolvers.ids import decode_id, encode_id

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.policy import Action
    from resolvers.context import Context

R = TypeVar("R", bound=Base)


def changed_fields(patch: object) -> dict[str, Any]:
    """The fields a patch input actually carries (UNSET ones are left out)."""
    return {name: value for name, value in vars(patch).items() if value is not UNSET}


def apply_changes(row: object, changes: dict[str, Any], converters: dict[str, Callable]) -> None:
    """Sets each changed field through its converter (which validates it)."""
    for name, value in changes.items():
        convert = converters.get(name)
        setattr(row, name, convert(value) if convert else value)


def required(convert: Callable[[Any], Any], field: str) -> Callable[[Any], Any]:
    """A converter that refuses an explicit null for a field that must have a value."""

    def check(value: Any) -> Any:
        if value is None:
            raise BadUserInput("cannot be cleared", field=field)
        return convert(value)

    return check


async def get_for_update(session: AsyncSession, model: type[R], pk: int, what: str) -> R:
    row = await session.get(model, pk, with_for_update=True)
    if row is None:
        raise NotFound(f"{what} not found")
    return row


async def live_reference(
    session: AsyncSession, model: type[Base], pk: int | None, field: str
) -> int | None:
    """`pk` when it names a live row of `model` (or is None); NOT_FOUND naming `field` else."""
    if pk is not None:
        row = await session.get(model, pk)
        if row is None or getattr(row, "deleted_at", None) is not None:
            raise NotFound(f"{model.__name__.lower()} not found", field=field)
    return pk


def soft_delete(row: Tracked, actor_id: int | None) -> None:
    if row.deleted_at is None:
        row.deleted_at = utcnow()
        row.deleted_by_id = actor_id


def restore(row: Tracked) -> None:
    row.deleted_at = None
    row.deleted_by_id = None


async def set_deleted(
    ctx: Context,
    model: type[R],
    record_id: str,
    *,
    deleted: bool,
    action: Action,
    before_restore: Callable[[AsyncSession, R], Awaitable[None]] | None = None,
) -> R:
    """Logical delete or restore of any record; audited as deleteX / restoreX."""
    actor = await ctx.actor()
    policy.require(actor, action)
    type_name = model.__name__
    operation = f"{'delete' if deleted else 'restore'}{type_name}"
    async with ctx.write(operation, actor=actor) as work:
        row = await get_for_update(
            work.session, model, decode_id(record_id, type_name), type_name.lower()
        )
        assert isinstance(row, Tracked)
        if deleted:
            soft_delete(row, actor.user_id)
        elif row.is_deleted:
            if before_restore is not None:
                await before_restore(work.session, row)
            restore(row)
        work.touched(encode_id(type_name, row.id))
    return row


async def set_active(
    ctx: Context, model: type[R], record_id: str, *, active: bool, action: Action
) -> R:
    """Turns a live record (a rule, a policy) on or off; audited as set<X>Active."""
    actor = await ctx.actor()
    policy.require(actor, action)
    type_name = model.__name__
    async with ctx.write(f"set{type_name}Active", actor=actor) as work:
        row = await get_for_update(
            work.session, model, decode_id(record_id, type_name), type_name.lower()
        )
        if getattr(row, "deleted_at", None) is not None:
            raise NotFound(f"{type_name.lower()} not found")
        row.active = active  # type: ignore[attr-defined]
        work.touched(encode_id(type_name, row.id))
    return row
