"""Root fields of assets (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.assets import devices
from resolvers.context import Info
from schema.assets.inputs import DeviceFilter, DeviceInput, DevicePatch
from schema.assets.types import Device
from schema.pagination import Connection


@strawberry.type
class AssetQueries:
    @strawberry.field(description="The devices this user may see (row-level rules apply).")
    async def devices(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: DeviceFilter | None = None,
    ) -> Connection[Device]:
        return await devices.devices(info.context, first, after, filter)

    @strawberry.field
    async def device(self, info: Info, id: ID) -> Device:
        return await devices.device(info.context, id)


@strawberry.type
class AssetMutations:
    @strawberry.mutation
    async def register_device(self, info: Info, input: DeviceInput) -> Device:
        return await devices.register_device(info.context, input)

    @strawberry.mutation
    async def update_device(self, info: Info, id: ID, input: DevicePatch) -> Device:
        return await devices.update_device(info.context, id, input)

    @strawberry.mutation
    async def delete_device(self, info: Info, id: ID) -> Device:
        return await devices.set_device_deleted(info.context, id, deleted=True)

    @strawberry.mutation
    async def restore_device(self, info: Info, id: ID) -> Device:
        return await devices.set_device_deleted(info.context, id, deleted=False)
