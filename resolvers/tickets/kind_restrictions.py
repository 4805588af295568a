"""The admins' setting that limits a role, or one user, to some ticket kinds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy
from domain.errors import BadUserInput, NotFound
from domain.events import EventFacts, EventType
from domain.policy import Action
from persistence.events import NewEvent
from persistence.models import KindRestriction, User
from persistence.queries import tickets as ticket_rows
from resolvers.ids import decode_optional_id, encode_id

if TYPE_CHECKING:
    from domain.roles import Role
    from domain.tickets.lifecycle import TicketKind
    from resolvers.context import Context


async def kind_restrictions(ctx: Context) -> list[KindRestriction]:
    policy.require(await ctx.actor(), Action.USER_MANAGE)
    async with ctx.read() as session:
        return await ticket_rows.kind_restrictions(session)


async def set_kind_restriction(
    ctx: Context, role: Role | None, user_id: str | None, kinds: list[TicketKind] | None
) -> KindRestriction | None:
    """Limits `role` or the user to `kinds`; `kinds: null` lifts the limit."""
    actor = await ctx.actor()
    policy.require(actor, Action.USER_MANAGE)
    user_pk = decode_optional_id(user_id, "User", field="userId")
    if (role is None) == (user_pk is None):
        raise BadUserInput("give exactly one of role and userId", field="role")
    if kinds is not None and not kinds:
        raise BadUserInput("must name at least one kind (null lifts the limit)", field="kinds")
    async with ctx.write("setTicketKindRestriction", actor=actor) as work:
        session = work.session
        if user_pk is not None:
            user = await session.get(User, user_pk)
            if user is None:
                raise NotFound("user not found", field="userId")
            row = await ticket_rows.kind_restriction_of(session, user_id=user_pk)
        else:
            assert role is not None
            row = await ticket_rows.kind_restriction_of(session, role=role.value)
        _announce(work, role, user_pk)
        if kinds is None:
            if row is not None:
                await session.delete(row)
                work.touched(encode_id("KindRestriction", row.id))
            return None
        values = sorted({k.value for k in kinds})
        if row is None:
            row = KindRestriction(role=role.value if role else None, user_id=user_pk, kinds=values)
            session.add(row)
        else:
            row.kinds = values
        await session.flush()
        work.touched(encode_id("KindRestriction", row.id))
    return row


def _announce(work: object, role: Role | None, user_pk: int | None) -> None:
    """Live subscriptions of the users concerned reload their limits at once."""
    work.emit(  # type: ignore[attr-defined]
        NewEvent(
            type=EventType.KIND_LIMITS_CHANGED,
            actor_id=work.actor_id,  # type: ignore[attr-defined]
            facts=EventFacts(recipient_id=user_pk),
            payload={"role": role.value} if role else {},
        )
    )
