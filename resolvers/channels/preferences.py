"""Users' addresses outside the app and the kinds they want there: every user sets
their own; ADMIN binds a user's WeChat Work id (the usual way, from the directory)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from domain import policy, validation
from domain.channels.config import check_kinds
from domain.errors import BadUserInput, NotFound
from domain.notifications.kinds import KIND_NAMES
from domain.policy import Action
from persistence.models import ChannelPreference, User
from persistence.types import utcnow
from resolvers.ids import decode_id, encode_id
from resolvers.records import changed_fields

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import Context
    from schema.channels.inputs import ChannelPreferencesInput

# WeChat Work account ids (userid): letters, digits, _ - . @, at most 64.
WECOM_ID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _wecom_id(value: str | None, field: str) -> str | None:
    cleaned = validation.optional_text(value, field, max_length=64)
    if cleaned is not None and not WECOM_ID.fullmatch(cleaned):
        raise BadUserInput("letters, digits and _ - . @ only", field=field)
    return cleaned


async def _row(session: AsyncSession, user_id: int) -> ChannelPreference:
    row = await session.get(ChannelPreference, user_id, with_for_update=True)
    if row is None:
        row = ChannelPreference(user_id=user_id, kinds=[], updated_at=utcnow())
        session.add(row)
    return row


async def my_channel_preferences(ctx: Context) -> ChannelPreference:
    actor = await ctx.actor()
    async with ctx.read() as session:
        row = await session.get(ChannelPreference, actor.user_id)
    return row or ChannelPreference(user_id=actor.user_id, kinds=[], updated_at=utcnow())


async def set_my_channel_preferences(
    ctx: Context, data: ChannelPreferencesInput
) -> ChannelPreference:
    """Fields left out keep their value; null clears an address; `kinds: []` is every
    kind the channels carry."""
    actor = await ctx.actor()
    given = changed_fields(data)
    changes: dict[str, object] = {}
    if "wecom_user_id" in given:
        changes["wecom_user_id"] = _wecom_id(given["wecom_user_id"], "wecomUserId")
    if "email" in given:
        email = validation.optional_text(given["email"], "email", max_length=254)
        if email is not None and not EMAIL.fullmatch(email):
            raise BadUserInput("is not an e-mail address", field="email")
        changes["email"] = email
    if "kinds" in given:
        changes["kinds"] = check_kinds(given["kinds"], KIND_NAMES, "kinds")
    async with ctx.write("setMyChannelPreferences", actor=actor) as work:
        row = await _row(work.session, actor.user_id)
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        work.touched(encode_id("User", actor.user_id))
    return row


async def bind_wecom_user(ctx: Context, user_id: str, wecom_user_id: str) -> User:
    actor = await ctx.actor()
    policy.require(actor, Action.CHANNEL_MANAGE)
    pk = decode_id(user_id, "User", field="userId")
    bound = _wecom_id(wecom_user_id, "wecomUserId")
    if bound is None:
        raise BadUserInput("is required", field="wecomUserId")
    async with ctx.write("bindWecomUser", actor=actor) as work:
        user = await work.session.get(User, pk)
        if user is None or user.is_deleted:
            raise NotFound("user not found", field="userId")
        row = await _row(work.session, pk)
        row.wecom_user_id, row.updated_at = bound, utcnow()
        work.touched(encode_id("User", pk))
    return user
