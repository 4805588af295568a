"""The one way stock changes: a movement on locked part rows, with its alarm.

Every operation that moves stock (adjustment, purchase receipt, outing approval,
parts used on or returned from a ticket, sales) locks the parts it touches with
`lock_parts` (in id order, so two operations can never wait on each other) and then
calls `move` once per part and place. `move` refuses to take more than there is,
writes the movement row (the part's traceable history), keeps the three-purchase
average current on receipts, and raises or clears the part's stock alarm, all in the
caller's transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from domain.errors import NotFound
from domain.notifications.kinds import NotificationKind
from domain.parts import stock as rules
from domain.parts.stock import AlarmChange, MovementKind
from domain.roles import Role
from persistence.models import EngineerStock, Part, StockMovement
from persistence.queries import parts as part_rows
from persistence.queries.tickets import user_ids_with_roles
from persistence.types import utcnow
from resolvers.ids import encode_id
from resolvers.notifications.notices import notify, settle

if TYPE_CHECKING:
    from collections.abc import Iterable

    from persistence.unit_of_work import UnitOfWork

ALARM_RECIPIENTS = (Role.ADMIN, Role.BACK_OFFICE)


async def lock_parts(
    work: UnitOfWork, part_ids: Iterable[int], *, field: str = "partId"
) -> dict[int, Part]:
    """The live parts named, locked for update in id order; NOT_FOUND naming `field`."""
    wanted = sorted(set(part_ids))
    if not wanted:
        return {}
    rows = await part_rows.locked_parts(work.session, wanted)
    for pk in wanted:
        row = rows.get(pk)
        if row is None or row.is_deleted:
            raise NotFound("part not found", field=field, partId=encode_id("Part", pk))
    return rows


def _holdings(work: UnitOfWork) -> dict[tuple[int, int], EngineerStock | None]:
    """The engineers' stock rows this unit of work has locked (None: there is none)."""
    return work.cache.setdefault("holdings", {})


async def lock_holdings(
    work: UnitOfWork, engineer_id: int, part_ids: Iterable[int]
) -> dict[int, int]:
    """Locks what an engineer carries of these (already locked) parts, in one statement;
    `move` then uses the rows it found. Returns part id -> quantity carried."""
    wanted = sorted(set(part_ids))
    found = await part_rows.locked_holdings(work.session, engineer_id, wanted)
    cache = _holdings(work)
    for pk in wanted:
        cache[(engineer_id, pk)] = found.get(pk)
    return {pk: row.quantity for pk, row in found.items()}


async def engineer_holding(work: UnitOfWork, engineer_id: int, part_id: int) -> EngineerStock:
    """The engineer's stock row of a part, locked (created empty when missing)."""
    cache = _holdings(work)
    key = (engineer_id, part_id)
    if key in cache:
        row = cache[key]
    else:
        row = await part_rows.locked_holding(work.session, engineer_id, part_id)
    if row is None:
        row = EngineerStock(engineer_id=engineer_id, part_id=part_id, quantity=0)
        work.session.add(row)
    cache[key] = row
    return row


async def move(
    work: UnitOfWork,
    part: Part,
    kind: MovementKind,
    *,
    warehouse: int = 0,
    engineer_id: int | None = None,
    engineer: int = 0,
    unit_cost: Decimal | None = None,
    reason: str | None = None,
    ticket_id: int | None = None,
    purchase_order_id: int | None = None,
    part_sale_id: int | None = None,
    outing_request_id: int | None = None,
    field: str = "quantity",
) -> StockMovement:
    """Applies one movement to a locked `part`: `warehouse` and `engineer` are the signed
    changes of the warehouse stock and of `engineer_id`'s stock."""
    before = part.on_hand
    if warehouse < 0:
        part.on_hand = rules.take(before, -warehouse, what=part.part_number, field=field)
    else:
        part.on_hand = before + warehouse
    if engineer:
        assert engineer_id is not None
        holding = await engineer_holding(work, engineer_id, part.id)
        if engineer < 0:
            holding.quantity = rules.take(
                holding.quantity, -engineer, what=f"{part.part_number} with the engineer"
            )
        else:
            holding.quantity += engineer
    row = StockMovement(
        part_id=part.id,
        kind=kind.value,
        quantity=warehouse,
        engineer_quantity=engineer,
        unit_cost=unit_cost if unit_cost is not None else part.cost_price,
        on_hand_after=part.on_hand,
        at=utcnow(),
        actor_id=work.actor_id,
        reason=reason,
        engineer_id=engineer_id,
        ticket_id=ticket_id,
        purchase_order_id=purchase_order_id,
        part_sale_id=part_sale_id,
        outing_request_id=outing_request_id,
    )
    work.session.add(row)
    work.touched(encode_id("Part", part.id))
    if kind is MovementKind.RECEIPT:
        await work.session.flush()
        await _update_average(work, part)
    await sync_alarm(work, part, before, part.alarm_threshold)
    return row


async def _update_average(work: UnitOfWork, part: Part) -> None:
    purchases = await part_rows.latest_purchases(work.session, part.id, rules.PURCHASES_AVERAGED)
    part.average_purchase_price = rules.average_purchase_price(
        [rules.purchase_price(receipts) for receipts in purchases]
    )


async def sync_alarm(
    work: UnitOfWork, part: Part, on_hand_before: int, threshold_before: int
) -> None:
    """Raises the part's stock alarm when it falls to or below its threshold (a
    notification, live, to every ADMIN and BACK_OFFICE user), clears it (the same
    notifications, handled) when it is back above."""
    change = rules.alarm_change(
        on_hand_before, part.on_hand, threshold_before, part.alarm_threshold
    )
    if change is AlarmChange.RAISED:
        await raise_alarm(work, part)
    elif change is AlarmChange.CLEARED:
        await clear_alarm(work, part)


async def raise_alarm(work: UnitOfWork, part: Part) -> None:
    recipients = work.cache.get("alarm_recipients")
    if recipients is None:
        recipients = await user_ids_with_roles(work.session, ALARM_RECIPIENTS)
        work.cache["alarm_recipients"] = recipients
    message = (
        f"Stock alarm: {part.part_number} {part.name}: {part.on_hand} {part.unit} left "
        f"(threshold {part.alarm_threshold})"
    )
    await notify(work, None, recipients, NotificationKind.STOCK_ALARM, message, part_id=part.id)


async def clear_alarm(work: UnitOfWork, part: Part) -> None:
    """Every open alarm of the part, handled (on every recipient's sessions)."""
    await settle(work, None, [NotificationKind.STOCK_ALARM], part_id=part.id)
