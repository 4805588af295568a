"""The charge rates: hourly labour on our own products and on other vendors', and the
travel fee. Changing them changes the lines made from then on; each line keeps the
rate it was made at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain import policy
from domain.money import amount
from domain.policy import Action
from persistence.models import ServiceSettings
from persistence.queries import automation as automation_rows
from resolvers.ids import encode_id
from resolvers.records import changed_fields

if TYPE_CHECKING:
    from resolvers.context import Context
    from schema.charges.inputs import ChargeRatesInput

FIELDS = {
    "own_device_hourly": "ownDeviceHourly",
    "other_device_hourly": "otherDeviceHourly",
    "travel_fee": "travelFee",
}


async def charge_rates(ctx: Context) -> ServiceSettings:
    actor = await ctx.actor()
    policy.require(actor, Action.CHARGE_RATES_READ)
    async with ctx.read() as session:
        return await automation_rows.service_settings(session)


async def set_charge_rates(ctx: Context, data: ChargeRatesInput) -> ServiceSettings:
    """Fields left out keep their value."""
    actor = await ctx.actor()
    policy.require(actor, Action.CHARGE_RATES_MANAGE)
    given = changed_fields(data)
    values = {name: amount(given[name], field) for name, field in FIELDS.items() if name in given}
    async with ctx.write("setChargeRates", actor=actor) as work:
        row = await automation_rows.service_settings(work.session)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by_id = actor.user_id
        work.touched(encode_id("ServiceSettings", row.id))
    return row
