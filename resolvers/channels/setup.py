"""Channels (ADMIN): made, changed, listed, tried. Secrets are write-only: sealed with
a key derived from SECRET_KEY (resolvers.channels.secrets), shown as `secretSet`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain import policy, validation
from domain.channels.config import (
    ChannelConfig,
    ChannelKind,
    check_config,
    check_kinds,
    check_max_attempts,
)
from domain.channels.delivery import Outcome
from domain.errors import BadUserInput, NotFound
from domain.notifications.kinds import KIND_NAMES
from domain.policy import Action
from persistence.models import Channel, ChannelPreference
from persistence.queries import channels as channel_rows
from persistence.types import utcnow
from resolvers.channels.deliverer import start_cursor, target_of
from resolvers.channels.secrets import SecretsUnreadable, seal, unseal
from resolvers.channels.senders import Message, Senders
from resolvers.ids import decode_id, encode_id
from resolvers.records import changed_fields

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.channels.inputs import ChannelInput


async def channels(ctx: Context) -> list[Channel]:
    actor = await ctx.actor()
    policy.require(actor, Action.CHANNEL_MANAGE)
    async with ctx.read() as session:
        return await channel_rows.live_channels(session)


async def _checked_destination(ctx: Context, kind: ChannelKind, config: ChannelConfig) -> None:
    senders = Senders(allow_private=ctx.services.settings.webhook_allow_private)
    try:
        await senders.check_destination(kind, config.public)
    finally:
        await senders.close()


async def create_channel(ctx: Context, data: ChannelInput) -> Channel:
    actor = await ctx.actor()
    policy.require(actor, Action.CHANNEL_MANAGE)
    given = changed_fields(data)
    if given.get("kind") is None:
        raise BadUserInput("is required", field="kind")
    kind = ChannelKind(given["kind"].value)
    name = validation.text(given.get("name"), "name", max_length=100)
    config = check_config(kind, given.get("config"))
    kinds = check_kinds(given.get("notification_kinds"), KIND_NAMES, "notificationKinds")
    attempts = check_max_attempts(given.get("max_attempts"))
    enabled = given.get("enabled")
    await _checked_destination(ctx, kind, config)
    cursor = await start_cursor(ctx.services)
    async with ctx.write("createChannel", actor=actor) as work:
        row = Channel(
            kind=kind.value,
            name=name,
            enabled=True if enabled is None else bool(enabled),
            config=config.public,
            secrets=seal(ctx.services.signing_key, config.secrets),
            notification_kinds=kinds,
            max_attempts=attempts,
            cursor=cursor,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
        )
        work.session.add(row)
        await work.session.flush()
        work.touched(encode_id("Channel", row.id))
    return row


async def update_channel(ctx: Context, channel_id: str, data: ChannelInput) -> Channel:
    """Fields left out keep their value; so do secrets left out of `config`."""
    actor = await ctx.actor()
    policy.require(actor, Action.CHANNEL_MANAGE)
    pk = decode_id(channel_id, "Channel")
    given = changed_fields(data)
    async with ctx.read() as session:
        found = await session.get(Channel, pk)
    if found is None or found.deleted_at is not None:
        raise NotFound("channel not found")
    kind = ChannelKind(found.kind)
    if given.get("kind") is not None and given["kind"].value != kind.value:
        raise BadUserInput("a channel's kind cannot change; make another channel", field="kind")
    name = validation.text(given["name"], "name", max_length=100) if "name" in given else None
    config = None
    if "config" in given:
        try:
            current = ChannelConfig(
                dict(found.config or {}), unseal(ctx.services.signing_key, found.secrets)
            )
        except SecretsUnreadable:
            current = ChannelConfig(dict(found.config or {}), {})
        config = check_config(kind, given["config"], current=current)
        await _checked_destination(ctx, kind, config)
    kinds = (
        check_kinds(given["notification_kinds"], KIND_NAMES, "notificationKinds")
        if "notification_kinds" in given
        else None
    )
    attempts = check_max_attempts(given["max_attempts"]) if "max_attempts" in given else None
    if "enabled" in given and given["enabled"] is None:
        raise BadUserInput("cannot be cleared", field="enabled")
    cursor = await start_cursor(ctx.services)
    async with ctx.write("updateChannel", actor=actor) as work:
        row = await work.session.get(Channel, pk, with_for_update=True)
        if row is None or row.deleted_at is not None:
            raise NotFound("channel not found")
        if name is not None:
            row.name = name
        if config is not None:
            row.config = config.public
            row.secrets = seal(ctx.services.signing_key, config.secrets)
        if kinds is not None:
            row.notification_kinds = kinds
        if attempts is not None:
            row.max_attempts = attempts
        if "enabled" in given:
            if given["enabled"] and not row.enabled:
                # Back on: from now, not everything that happened while it was off.
                row.cursor = max(row.cursor, cursor)
            row.enabled = bool(given["enabled"])
        row.updated_at, row.updated_by_id = utcnow(), actor.user_id
        work.touched(encode_id("Channel", row.id))
    return row


async def test_channel(ctx: Context, channel_id: str) -> dict[str, Any]:
    """A real message through the channel now: to the caller's own address (WeChat
    Work, e-mail) or to the webhook's URL (type TEST)."""
    actor = await ctx.actor()
    policy.require(actor, Action.CHANNEL_MANAGE)
    pk = decode_id(channel_id, "Channel")
    async with ctx.read() as session:
        row = await session.get(Channel, pk)
        preference = await session.get(ChannelPreference, actor.user_id)
    if row is None or row.deleted_at is not None:
        raise NotFound("channel not found")
    kind = ChannelKind(row.kind)
    try:
        target = target_of(ctx.services, row)
    except SecretsUnreadable as exc:
        return {"ok": False, "status": "GAVE_UP", "detail": str(exc)}
    address = None
    if preference is not None:
        address = preference.wecom_user_id if kind is ChannelKind.WECOM else preference.email
    if kind is not ChannelKind.WEBHOOK and not address:
        what = "WeChat Work id" if kind is ChannelKind.WECOM else "e-mail address"
        return {
            "ok": False,
            "status": "GAVE_UP",
            "detail": f"set your {what} (setMyChannelPreferences) to receive the test",
        }
    now = utcnow()
    message = Message(
        delivery_id=f"test-{row.id}-{int(now.timestamp())}",
        event_type="TEST",
        at=now.isoformat(),
        title="Aftersales test message",
        description=f"A test of the channel {row.name}, sent by {actor.username}.",
        url=ctx.services.settings.public_url,
    )
    senders = Senders(allow_private=ctx.services.settings.webhook_allow_private)
    try:
        result = await senders.send(target, address, message)
    finally:
        await senders.close()
    status = {Outcome.SENT: "SENT", Outcome.RETRY: "FAILED", Outcome.GIVE_UP: "GAVE_UP"}
    return {
        "ok": result.outcome is Outcome.SENT,
        "status": status[result.outcome],
        "detail": result.detail,
    }
