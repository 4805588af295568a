"""DataLoaders, made fresh per request (and per delivered event on websockets)."""

from __future__ import annotations

import asyncio
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar

from strawberry.dataloader import DataLoader

from domain.policy import Served
from persistence import models
from persistence.events import ticket_history
from persistence.loading import live_rows_by_parent, rows_by_id
from persistence.queries.charges import warranty_defects
from persistence.queries.directory import served_customers
from persistence.queries.maintenance import scheduled_tickets
from persistence.queries.sla import clocks_of
from persistence.queries.tickets import depot_steps_of
from realtime.relay import EventRecord

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

K = TypeVar("K")
T = TypeVar("T")


class Shielded(Generic[K, T]):
    """A DataLoader shared by many concurrently delivering subscribers. Awaiting a shared
    future directly would let one cancelled subscriber (a client leaving mid-delivery)
    cancel the result for all the others; each caller waits on a shield instead."""

    def __init__(self, loader: DataLoader[K, T]) -> None:
        self._loader = loader

    def load(self, key: K) -> Awaitable[T]:
        return asyncio.shield(self._loader.load(key))

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[T]]:
        return asyncio.shield(self._loader.load_many(keys))


def _inner(loader: DataLoader[K, T] | Shielded[K, T]) -> DataLoader[K, T]:
    return loader._loader if isinstance(loader, Shielded) else loader


def known(loader: DataLoader[K, T] | Shielded[K, T], key: K) -> bool:
    """Whether `key` is loaded already (successfully or not)."""
    future = _inner(loader).cache_map.get(key)
    return future is not None and future.done() and not future.cancelled()


def load_known(loader: DataLoader[K, T] | Shielded[K, T], key: K) -> T | Awaitable[T]:
    """The row itself when it is loaded already (no await, no task: schema.relations),
    else the loader's awaitable. A failed load raises its error, as awaiting would."""
    future = _inner(loader).cache_map.get(key)
    if future is not None and future.done() and not future.cancelled():
        return future.result()  # type: ignore[no-any-return]
    return loader.load(key)


class Loaders:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, shared: bool = False
    ) -> None:
        def by_id(model: type) -> DataLoader:
            return DataLoader(load_fn=partial(rows_by_id, sessionmaker, model))

        def by_parent(model: type, column: object, *order_by: object) -> DataLoader:
            load = partial(live_rows_by_parent, sessionmaker, model, column, order_by=order_by)
            return DataLoader(load_fn=load)

        self.user: DataLoader[int, models.User | None] = by_id(models.User)
        self.customer: DataLoader[int, models.Customer | None] = by_id(models.Customer)
        self.agent: DataLoader[int, models.Agent | None] = by_id(models.Agent)
        self.region: DataLoader[int, models.Region | None] = by_id(models.Region)
        self.device: DataLoader[int, models.Device | None] = by_id(models.Device)
        self.customer_contacts: DataLoader[int, list[models.Contact]] = by_parent(
            models.Contact, models.Contact.customer_id
        )
        self.agent_contacts: DataLoader[int, list[models.Contact]] = by_parent(
            models.Contact, models.Contact.agent_id
        )
        self.customer_devices: DataLoader[int, list[models.Device]] = by_parent(
            models.Device, models.Device.customer_id
        )
        self.customer_communications: DataLoader[int, list[models.Communication]] = by_parent(
            models.Communication,
            models.Communication.customer_id,
            models.Communication.occurred_at.desc(),
            models.Communication.id.desc(),
        )
        self.ticket: DataLoader[int, models.Ticket | None] = by_id(models.Ticket)
        self.ticket_check_ins: DataLoader[int, list[models.CheckIn]] = by_parent(
            models.CheckIn, models.CheckIn.ticket_id, models.CheckIn.at, models.CheckIn.id
        )
        self.ticket_work_records: DataLoader[int, list[models.WorkRecord]] = by_parent(
            models.WorkRecord,
            models.WorkRecord.ticket_id,
            models.WorkRecord.started_at,
            models.WorkRecord.id,
        )
        self.ticket_history: DataLoader[int, list[EventRecord]] = DataLoader(
            load_fn=partial(_history, sessionmaker)
        )
        self.region_children: DataLoader[int, list[models.Region]] = by_parent(
            models.Region, models.Region.parent_id
        )
        self.part: DataLoader[int, models.Part | None] = by_id(models.Part)
        self.ticket_parts: DataLoader[int, list[models.TicketPart]] = by_parent(
            models.TicketPart, models.TicketPart.ticket_id, models.TicketPart.id
        )
        self.outing_request: DataLoader[int, models.OutingRequest | None] = by_id(
            models.OutingRequest
        )
        self.outing_request_parts: DataLoader[int, list[models.OutingRequestPart]] = by_parent(
            models.OutingRequestPart, models.OutingRequestPart.outing_request_id
        )
        self.outing_expenses: DataLoader[int, list[models.OutingExpense]] = by_parent(
            models.OutingExpense, models.OutingExpense.outing_request_id
        )
        self.purchase_order_lines: DataLoader[int, list[models.PurchaseOrderLine]] = by_parent(
            models.PurchaseOrderLine, models.PurchaseOrderLine.purchase_order_id
        )
        self.part_sale_lines: DataLoader[int, list[models.PartSaleLine]] = by_parent(
            models.PartSaleLine, models.PartSaleLine.part_sale_id
        )
        self.ticket_sla: DataLoader[int, models.TicketSla | None] = DataLoader(
            load_fn=partial(_clocks, sessionmaker)
        )
        # Keyed by (device id, due date): the ticket the maintenance plans made for it.
        self.scheduled_ticket: DataLoader[tuple[int, date], models.Ticket | None] = DataLoader(
            load_fn=partial(_scheduled, sessionmaker)
        )
        self.channel: DataLoader[int, models.Channel | None] = by_id(models.Channel)
        self.notification: DataLoader[int, models.Notification | None] = by_id(models.Notification)
        self.attachment: DataLoader[int, models.Attachment | None] = by_id(models.Attachment)
        self.ticket_attachments: DataLoader[int, list[models.Attachment]] = by_parent(
            models.Attachment, models.Attachment.ticket_id, models.Attachment.id
        )
        self.ticket_charge_lines: DataLoader[int, list[models.ChargeLineRecord]] = by_parent(
            models.ChargeLineRecord, models.ChargeLineRecord.ticket_id, models.ChargeLineRecord.id
        )
        # Keyed by device: the defect code of each closed ticket under warranty on it.
        self.device_warranty_defects: DataLoader[int, list[str]] = DataLoader(
            load_fn=partial(_warranty_defects, sessionmaker)
        )
        self.ticket_depot_steps: DataLoader[int, list[models.DepotStepRecord]] = DataLoader(
            load_fn=partial(_depot_steps, sessionmaker)
        )
        self.dispatch_rule: DataLoader[int, models.DispatchRule | None] = by_id(models.DispatchRule)
        self.sla_policy: DataLoader[int, models.SlaPolicy | None] = by_id(models.SlaPolicy)
        self.business_calendar: DataLoader[int, models.BusinessCalendar | None] = by_id(
            models.BusinessCalendar
        )
        # Keyed by (engineer id, their ticket-kind limits): whom an engineer serves now.
        self.served: DataLoader[tuple[int, frozenset[str] | None], Served] = DataLoader(
            load_fn=partial(_served, sessionmaker)
        )
        if shared:
            for name, loader in list(vars(self).items()):
                setattr(self, name, Shielded(loader))


async def _history(
    sessionmaker: async_sessionmaker[AsyncSession], ticket_ids: list[int]
) -> list[list[EventRecord]]:
    async with sessionmaker() as session:
        rows = await ticket_history(session, ticket_ids)
    grouped: dict[int, list[EventRecord]] = {pk: [] for pk in ticket_ids}
    for row in rows:
        grouped[row.ticket_id].append(EventRecord.from_row(row))  # type: ignore[index]
    return [grouped[pk] for pk in ticket_ids]


async def _scheduled(
    sessionmaker: async_sessionmaker[AsyncSession], keys: list[tuple[int, date]]
) -> list[models.Ticket | None]:
    async with sessionmaker() as session:
        rows = await scheduled_tickets(session, keys)
    found = {(t.device_id, t.maintenance_due_on): t for t in rows}
    return [found.get(key) for key in keys]


async def _depot_steps(
    sessionmaker: async_sessionmaker[AsyncSession], ticket_ids: list[int]
) -> list[list[models.DepotStepRecord]]:
    async with sessionmaker() as session:
        rows = await depot_steps_of(session, ticket_ids)
    grouped: dict[int, list[models.DepotStepRecord]] = {pk: [] for pk in ticket_ids}
    for row in rows:
        grouped[row.ticket_id].append(row)
    return [grouped[pk] for pk in ticket_ids]


async def _warranty_defects(
    sessionmaker: async_sessionmaker[AsyncSession], device_ids: list[int]
) -> list[list[str]]:
    async with sessionmaker() as session:
        rows = await warranty_defects(session, device_ids)
    grouped: dict[int, list[str]] = {pk: [] for pk in device_ids}
    for device_id, code in rows:
        grouped[device_id].append(code)
    return [grouped[pk] for pk in device_ids]


async def _clocks(
    sessionmaker: async_sessionmaker[AsyncSession], ticket_ids: list[int]
) -> list[models.TicketSla | None]:
    async with sessionmaker() as session:
        found = {c.ticket_id: c for c in await clocks_of(session, ticket_ids)}
    return [found.get(pk) for pk in ticket_ids]


async def _served(
    sessionmaker: async_sessionmaker[AsyncSession],
    keys: list[tuple[int, frozenset[str] | None]],
) -> list[Served]:
    found: list[Served] = []
    async with sessionmaker() as session:
        for engineer_id, kinds in keys:
            rows = await served_customers(session, engineer_id, kinds)
            found.append(
                Served(
                    customers=frozenset(pk for pk, _ in rows),
                    agents=frozenset(agent for _, agent in rows if agent is not None),
                )
            )
    return found
