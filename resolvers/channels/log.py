"""The delivery log (ADMIN): what went out, how often it was tried, the last error;
a delivery that gave up is sent again on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy
from domain.channels.config import DeliveryStatus
from domain.errors import Conflict, NotFound
from domain.policy import Action
from persistence.models import Delivery
from persistence.queries import channels as channel_rows
from persistence.types import utcnow
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.pagination import paginate

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.channels.inputs import DeliveryFilter
    from schema.pagination import Connection


async def deliveries(
    ctx: Context, first: int | None, after: str | None, filter: DeliveryFilter | None
) -> Connection[Delivery]:
    actor = await ctx.actor()
    policy.require(actor, Action.DELIVERY_READ)
    channel_pk = notification_pk = None
    statuses: list[str] | None = None
    if filter is not None:
        channel_pk = decode_optional_id(filter.channel_id, "Channel", field="filter.channelId")
        notification_pk = decode_optional_id(
            filter.notification_id, "Notification", field="filter.notificationId"
        )
        statuses = [s.value for s in filter.status] if filter.status else None
    stmt = channel_rows.deliveries_listed(channel_pk, statuses, notification_pk)
    return await paginate(ctx, stmt, Delivery.id, first=first, after=after, newest_first=True)


async def retry_delivery(ctx: Context, delivery_id: str) -> Delivery:
    """A delivery that gave up (or is failing) goes out again at once, with a fresh
    count of tries; a sent one is CONFLICT (nothing to retry)."""
    actor = await ctx.actor()
    policy.require(actor, Action.DELIVERY_READ)
    pk = decode_id(delivery_id, "Delivery")
    async with ctx.write("retryDelivery", actor=actor) as work:
        row = await work.session.get(Delivery, pk, with_for_update=True)
        if row is None:
            raise NotFound("delivery not found")
        if row.status in (DeliveryStatus.SENT.value, DeliveryStatus.PENDING.value):
            raise Conflict(f"the delivery is {row.status}: nothing to retry")
        row.status = DeliveryStatus.PENDING.value
        row.attempts = 0
        row.next_attempt_at = utcnow()
        work.touched(encode_id("Delivery", row.id))
    return row
