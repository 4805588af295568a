"""Root fields of channels (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry
from strawberry import ID

from resolvers.channels import log, preferences, setup
from resolvers.context import Info
from schema.accounts.types import User
from schema.channels.inputs import ChannelInput, ChannelPreferencesInput, DeliveryFilter
from schema.channels.types import Channel, ChannelPreferences, ChannelTestResult, Delivery
from schema.pagination import Connection


@strawberry.type
class ChannelQueries:
    @strawberry.field(description="The channels outside the app (ADMIN).")
    async def channels(self, info: Info) -> list[Channel]:
        return await setup.channels(info.context)  # type: ignore[return-value]

    @strawberry.field(description="The delivery log, newest first (ADMIN).")
    async def deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: DeliveryFilter | None = None,
    ) -> Connection[Delivery]:
        return await log.deliveries(info.context, first, after, filter)  # type: ignore[return-value]

    @strawberry.field(description="Your addresses outside the app and the kinds you want.")
    async def my_channel_preferences(self, info: Info) -> ChannelPreferences:
        return await preferences.my_channel_preferences(info.context)  # type: ignore[return-value]


@strawberry.type
class ChannelMutations:
    @strawberry.mutation(description="Makes a channel (ADMIN); it carries what happens from now.")
    async def create_channel(self, info: Info, input: ChannelInput) -> Channel:
        return await setup.create_channel(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(description="Changes a channel (ADMIN).")
    async def update_channel(self, info: Info, id: ID, input: ChannelInput) -> Channel:
        return await setup.update_channel(info.context, id, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Sends a test message through the channel now (to your own address, "
        "or to the webhook) and reports what happened."
    )
    async def test_channel(self, info: Info, id: ID) -> ChannelTestResult:
        return ChannelTestResult(**await setup.test_channel(info.context, id))

    @strawberry.mutation(description="Your addresses outside the app and the kinds you want.")
    async def set_my_channel_preferences(
        self, info: Info, input: ChannelPreferencesInput
    ) -> ChannelPreferences:
        return await preferences.set_my_channel_preferences(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(description="Binds a user's WeChat Work id (ADMIN).")
    async def bind_wecom_user(self, info: Info, user_id: ID, wecom_user_id: str) -> User:
        return await preferences.bind_wecom_user(info.context, user_id, wecom_user_id)  # type: ignore[return-value]

    @strawberry.mutation(description="Sends a delivery that gave up (or is failing) again.")
    async def retry_delivery(self, info: Info, id: ID) -> Delivery:
        return await log.retry_delivery(info.context, id)  # type: ignore[return-value]
