"""Devices (assets) at customers; scoped through their customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy, validation
from domain.errors import BadUserInput, NotFound
from domain.policy import Action
from persistence.models import Customer, Device
from persistence.queries.assets import devices_listed, serial_number_taken
from resolvers.directory.customers import visible_customer
from resolvers.ids import decode_id, decode_optional_id, encode_id
from resolvers.pagination import paginate
from resolvers.records import apply_changes, changed_fields, get_for_update, required, set_deleted
from schema.assets.inputs import DeviceFilter, DeviceInput, DevicePatch

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.roles import Actor
    from resolvers.context import Context
    from schema.pagination import Connection

CONVERTERS = {
    "brand": required(lambda v: validation.text(v, "brand", max_length=100), "brand"),
    "model": required(lambda v: validation.text(v, "model", max_length=100), "model"),
    "serial_number": required(
        lambda v: validation.text(v, "serialNumber", max_length=100), "serialNumber"
    ),
    "bought_from_us": required(bool, "boughtFromUs"),
    "vendor": lambda v: validation.optional_text(v, "vendor"),
    "deal_number": lambda v: validation.optional_text(v, "dealNumber", max_length=50),
    "purchase_price": lambda v: validation.money(v, "purchasePrice"),
    "quoted_price": lambda v: validation.money(v, "quotedPrice"),
    "maintenance_interval_days": lambda v: validation.positive_int(
        v, "maintenanceIntervalDays", maximum=3660
    ),
}


def check_device(row: Device) -> None:
    """Rules across fields, checked on the whole row after any change."""
    validation.date_order(row.installed_on, row.warranty_ends_on, "warrantyEndsOn", "installedOn")
    validation.date_order(
        row.installed_on, row.last_maintained_on, "lastMaintainedOn", "installedOn"
    )
    if row.bought_from_us and row.vendor:
        raise BadUserInput("is only for devices bought from other vendors", field="vendor")


async def _check_serial_free(session: AsyncSession, row: Device) -> None:
    if await serial_number_taken(session, row.brand, row.serial_number, row.id):
        raise BadUserInput(
            f"a {row.brand} device with this serial number is already registered",
            field="serialNumber",
        )


async def _live_customer(session: AsyncSession, actor: Actor, pk: int) -> Customer:
    customer = await visible_customer(session, actor, pk)
    if customer.is_deleted:
        raise BadUserInput("is deleted", field="customerId")
    return customer


async def devices(
    ctx: Context, first: int | None, after: str | None, filter: DeviceFilter | None
) -> Connection[Device]:
    actor = await ctx.actor()
    policy.require(actor, Action.DEVICE_READ)
    filter = filter or DeviceFilter()
    stmt = devices_listed(
        policy.customer_scope(actor),
        include_deleted=filter.include_deleted,
        search=validation.search_term(filter.search),
        customer_pk=decode_optional_id(filter.customer_id, "Customer", field="customerId"),
        brand=filter.brand,
        bought_from_us=filter.bought_from_us,
        under_warranty=filter.under_warranty,
    )
    return await paginate(ctx, stmt, Device.id, first=first, after=after)


async def device(ctx: Context, device_id: str) -> Device:
    actor = await ctx.actor()
    policy.require(actor, Action.DEVICE_READ)
    row = await ctx.loaders.device.load(decode_id(device_id, "Device"))
    if row is None:
        raise NotFound("device not found")
    return row  # whether the reader sees it: the Device type's read rule


async def register_device(ctx: Context, data: DeviceInput) -> Device:
    actor = await ctx.actor()
    policy.require(actor, Action.DEVICE_REGISTER)
    policy.check_device_registration(actor, data.bought_from_us)
    customer_pk = decode_id(data.customer_id, "Customer", field="customerId")
    row = Device(customer_id=customer_pk, installed_on=data.installed_on)
    values = {k: v for k, v in vars(data).items() if k not in ("customer_id", "installed_on")}
    apply_changes(row, values, CONVERTERS)
    check_device(row)
    async with ctx.write("registerDevice", actor=actor) as work:
        await _live_customer(work.session, actor, customer_pk)
        await _check_serial_free(work.session, row)
        work.session.add(row)
        await work.session.flush()
        work.touched(encode_id("Device", row.id))
        work.touched(encode_id("Customer", customer_pk))
    return row


async def update_device(ctx: Context, device_id: str, patch: DevicePatch) -> Device:
    actor = await ctx.actor()
    policy.require(actor, Action.DEVICE_UPDATE)
    changes = changed_fields(patch)
    async with ctx.write("updateDevice", actor=actor) as work:
        row = await get_for_update(work.session, Device, decode_id(device_id, "Device"), "device")
        await visible_customer(work.session, actor, row.customer_id)
        if row.is_deleted:
            raise BadUserInput("is deleted; restore it first", field="id")
        if "customer_id" in changes:
            if changes["customer_id"] is None:
                raise BadUserInput("cannot be cleared", field="customerId")
            new_pk = decode_id(changes.pop("customer_id"), "Customer", field="customerId")
            await _live_customer(work.session, actor, new_pk)
            row.customer_id = new_pk
            work.touched(encode_id("Customer", new_pk))
        apply_changes(row, changes, CONVERTERS)
        check_device(row)
        with work.session.no_autoflush:  # the check must run before the changed row is flushed
            await _check_serial_free(work.session, row)
        work.touched(encode_id("Device", row.id))
    return row


async def check_serial_free_to_restore(session: AsyncSession, row: Device) -> None:
    await _check_serial_free(session, row)


async def set_device_deleted(ctx: Context, device_id: str, *, deleted: bool) -> Device:
    """Logical delete or restore (one helper for every record: resolvers.records)."""
    return await set_deleted(
        ctx,
        Device,
        device_id,
        deleted=deleted,
        action=Action.DEVICE_DELETE,
        before_restore=check_serial_free_to_restore,
    )
