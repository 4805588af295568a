"""DataLoaders, made fresh per request (and per delivered event on websockets)."""

from __future__ import annotations

import asyncio
from datetime import date
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

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
        return future.result()
    return loader.load(key)


class Loaders:
    """The request's DataLoaders, each made on first use (an operation touches a few of
    some forty: a subscriber's context made them all for every operation)."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, shared: bool = False
    ) -> None:
        self._sessionmaker = sessionmaker
        self._shared = shared

    def _by_id(self, model: type) -> DataLoader:
        return DataLoader(load_fn=partial(rows_by_id, self._sessionmaker, model))

    def _by_parent(self, model: type, column: object, *order_by: object) -> DataLoader:
        load = partial(live_rows_by_parent, self._sessionmaker, model, column, order_by=order_by)
        return DataLoader(load_fn=load)

    def _made(self, loader: DataLoader) -> Any:
        return Shielded(loader) if self._shared else loader

    @cached_property
    def user(self) -> DataLoader[int, models.User | None]:
        return self._made(self._by_id(models.User))

    @cached_property
    def customer(self) -> DataLoader[int, models.Customer | None]:
        return self._made(self._by_id(models.Customer))

    @cached_property
    def agent(self) -> DataLoader[int, models.Agent | None]:
        return self._made(self._by_id(models.Agent))

    @cached_property
    def region(self) -> DataLoader[int, models.Region | None]:
        return self._made(self._by_id(models.Region))

    @cached_property
    def device(self) -> DataLoader[int, models.Device | None]:
        return self._made(self._by_id(models.Device))

    @cached_property
    def customer_contacts(self) -> DataLoader[int, list[models.Contact]]:
        return self._made(self._by_parent(models.Contact, models.Contact.customer_id))

    @cached_property
    def agent_contacts(self) -> DataLoader[int, list[models.Contact]]:
        return self._made(self._by_parent(models.Contact, models.Contact.agent_id))

    @cached_property
    def customer_devices(self) -> DataLoader[int, list[models.Device]]:
        return self._made(self._by_parent(models.Device, models.Device.customer_id))

    @cached_property
    def customer_communications(self) -> DataLoader[int, list[models.Communication]]:
        return self._made(
            self._by_parent(
                models.Communication,
                models.Communication.customer_id,
                models.Communication.occurred_at.desc(),
                models.Communication.id.desc(),
            )
        )

    @cached_property
    def ticket(self) -> DataLoader[int, models.Ticket | None]:
        return self._made(self._by_id(models.Ticket))

    @cached_property
    def ticket_check_ins(self) -> DataLoader[int, list[models.CheckIn]]:
        return self._made(
            self._by_parent(
                models.CheckIn, models.CheckIn.ticket_id, models.CheckIn.at, models.CheckIn.id
            )
        )

    @cached_property
    def ticket_work_records(self) -> DataLoader[int, list[models.WorkRecord]]:
        return self._made(
            self._by_parent(
                models.WorkRecord,
                models.WorkRecord.ticket_id,
                models.WorkRecord.started_at,
                models.WorkRecord.id,
            )
        )

    @cached_property
    def ticket_history(self) -> DataLoader[int, list[EventRecord]]:
        return self._made(DataLoader(load_fn=partial(_history, self._sessionmaker)))

    @cached_property
    def region_children(self) -> DataLoader[int, list[models.Region]]:
        return self._made(self._by_parent(models.Region, models.Region.parent_id))

    @cached_property
    def part(self) -> DataLoader[int, models.Part | None]:
        return self._made(self._by_id(models.Part))

    @cached_property
    def ticket_parts(self) -> DataLoader[int, list[models.TicketPart]]:
        return self._made(
            self._by_parent(models.TicketPart, models.TicketPart.ticket_id, models.TicketPart.id)
        )

    @cached_property
    def outing_request(self) -> DataLoader[int, models.OutingRequest | None]:
        return self._made(self._by_id(models.OutingRequest))

    @cached_property
    def outing_request_parts(self) -> DataLoader[int, list[models.OutingRequestPart]]:
        return self._made(
            self._by_parent(models.OutingRequestPart, models.OutingRequestPart.outing_request_id)
        )

    @cached_property
    def outing_expenses(self) -> DataLoader[int, list[models.OutingExpense]]:
        return self._made(
            self._by_parent(models.OutingExpense, models.OutingExpense.outing_request_id)
        )

    @cached_property
    def purchase_order_lines(self) -> DataLoader[int, list[models.PurchaseOrderLine]]:
        return self._made(
            self._by_parent(models.PurchaseOrderLine, models.PurchaseOrderLine.purchase_order_id)
        )

    @cached_property
    def part_sale_lines(self) -> DataLoader[int, list[models.PartSaleLine]]:
        return self._made(self._by_parent(models.PartSaleLine, models.PartSaleLine.part_sale_id))

    @cached_property
    def ticket_sla(self) -> DataLoader[int, models.TicketSla | None]:
        return self._made(DataLoader(load_fn=partial(_clocks, self._sessionmaker)))

    # Keyed by (device id, due date): the ticket the maintenance plans made for it.
    @cached_property
    def scheduled_ticket(self) -> DataLoader[tuple[int, date], models.Ticket | None]:
        return self._made(DataLoader(load_fn=partial(_scheduled, self._sessionmaker)))

    @cached_property
    def channel(self) -> DataLoader[int, models.Channel | None]:
        return self._made(self._by_id(models.Channel))

    @cached_property
    def notification(self) -> DataLoader[int, models.Notification | None]:
        return self._made(self._by_id(models.Notification))

    @cached_property
    def attachment(self) -> DataLoader[int, models.Attachment | None]:
        return self._made(self._by_id(models.Attachment))

    @cached_property
    def ticket_attachments(self) -> DataLoader[int, list[models.Attachment]]:
        return self._made(
            self._by_parent(models.Attachment, models.Attachment.ticket_id, models.Attachment.id)
        )

    @cached_property
    def ticket_charge_lines(self) -> DataLoader[int, list[models.ChargeLineRecord]]:
        return self._made(
            self._by_parent(
                models.ChargeLineRecord,
                models.ChargeLineRecord.ticket_id,
                models.ChargeLineRecord.id,
            )
        )

    # Keyed by device: the defect code of each closed ticket under warranty on it.
    @cached_property
    def device_warranty_defects(self) -> DataLoader[int, list[str]]:
        return self._made(DataLoader(load_fn=partial(_warranty_defects, self._sessionmaker)))

    @cached_property
    def ticket_depot_steps(self) -> DataLoader[int, list[models.DepotStepRecord]]:
        return self._made(DataLoader(load_fn=partial(_depot_steps, self._sessionmaker)))

    @cached_property
    def dispatch_rule(self) -> DataLoader[int, models.DispatchRule | None]:
        return self._made(self._by_id(models.DispatchRule))

    @cached_property
    def sla_policy(self) -> DataLoader[int, models.SlaPolicy | None]:
        return self._made(self._by_id(models.SlaPolicy))

    @cached_property
    def business_calendar(self) -> DataLoader[int, models.BusinessCalendar | None]:
        return self._made(self._by_id(models.BusinessCalendar))

    # Keyed by (engineer id, their ticket-kind limits): whom an engineer serves now.
    @cached_property
    def served(self) -> DataLoader[tuple[int, frozenset[str] | None], Served]:
        return self._made(DataLoader(load_fn=partial(_served, self._sessionmaker)))


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
