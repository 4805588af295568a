"""A subscription's executor keeps no memory of past events (schema.root.EventScopedExecutor).

graphql-core 3.3 makes a copy of a subscription's executor for every event; the copy
shared the original's subfield memo, keyed by the identity of each event's own field
lists, so the memo grew by a few entries per event for as long as the subscription
lived. The control case proves the probe sees that growth with the stock executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.roles import Actor, Role
from realtime.executor import EventScopedExecutor

EVENTS = 30


@strawberry.type
class Item:
    name: str


@strawberry.type
class Thing:
    number: int

    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(name=f"{self.number}-{i}") for i in range(3)]


@strawberry.type
class Query:
    hello: str = "hi"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def things(self) -> AsyncGenerator[Thing, None]:
        for number in range(EVENTS):
            yield Thing(number=number)


async def memo_sizes(executor_class: type) -> list[int]:
    """The size of the subscription executor's memo before each event is executed."""
    sizes: list[int] = []

    class Probe(executor_class):  # type: ignore[misc, valid-type]
        def build_per_event_executor(self, payload: object) -> object:
            sizes.append(len(self._relevant_sub_fields))
            return super().build_per_event_executor(payload)

    schema = strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=Probe
    )
    stream = await schema.subscribe("subscription { things { number items { name } } }")
    received = [result async for result in stream]  # type: ignore[union-attr]
    assert len(received) == EVENTS
    assert all(not result.errors for result in received)
    assert received[-1].data == {
        "things": {"number": EVENTS - 1, "items": [{"name": f"{EVENTS - 1}-{i}"} for i in range(3)]}
    }
    return sizes


async def test_the_stock_executor_remembers_every_event() -> None:
    sizes = await memo_sizes(StrawberryGraphQLCoreExecutionContext)
    assert sizes[-1] > sizes[1] + EVENTS // 2  # grows with the events


async def test_each_event_has_a_memo_of_its_own() -> None:
    sizes = await memo_sizes(EventScopedExecutor)
    assert sizes == [0] * EVENTS


# -- one execution per event for subscribers who would get the same answer ------------

CALLS: list[int] = []


@dataclass
class Payload:
    number: int
    shared: dict[str, Any] = field(default_factory=dict)


@strawberry.type
class Event:
    number: int

    @strawberry.field
    def costly(self, info: strawberry.Info) -> str:
        CALLS.append(self.number)
        return f"{self.number} for {info.context.known_actor.role}"


PAYLOADS = [Payload(number) for number in range(EVENTS)]


@strawberry.type
class SharedSubscription:
    @strawberry.subscription
    async def events(self, prefix: str = "") -> AsyncGenerator[Event, None]:
        for payload in PAYLOADS:
            yield payload  # type: ignore[misc]


@dataclass
class FakeContext:
    known_actor: Actor


def actor(role: Role, user_id: int) -> Actor:
    return Actor(user_id=user_id, username=f"u{user_id}", role=role, ticket_kinds=frozenset())


async def deliveries(contexts: list[FakeContext], documents: list[str]) -> list[list[Any]]:
    for payload in PAYLOADS:
        payload.shared.clear()
    CALLS.clear()
    schema = strawberry.Schema(
        query=Query, subscription=SharedSubscription, execution_context_class=EventScopedExecutor
    )
    streams = [
        await schema.subscribe(document, context_value=context)
        for context, document in zip(contexts, documents, strict=True)
    ]

    async def drain(stream: Any) -> list[Any]:
        return [result.data async for result in stream]

    return list(await asyncio.gather(*(drain(stream) for stream in streams)))


DOCUMENT = "subscription { events { number costly } }"


async def test_office_subscribers_of_one_role_share_one_execution_per_event() -> None:
    contexts = [FakeContext(actor(Role.BACK_OFFICE, n)) for n in (1, 2, 3)]
    received = await deliveries(contexts, [DOCUMENT] * 3)
    assert sorted(CALLS) == list(range(EVENTS))  # once per event, not three times
    expected = [{"events": {"number": n, "costly": f"{n} for BACK_OFFICE"}} for n in range(EVENTS)]
    assert received == [expected, expected, expected]


async def test_different_roles_documents_or_field_users_do_not_share() -> None:
    contexts = [
        FakeContext(actor(Role.BACK_OFFICE, 1)),
        FakeContext(actor(Role.CUSTOMER_SERVICE, 2)),  # another role
        FakeContext(actor(Role.BACK_OFFICE, 3)),  # another document
        FakeContext(actor(Role.ENGINEER, 4)),
        FakeContext(actor(Role.ENGINEER, 5)),  # another engineer: their own view
    ]
    other = 'subscription { events(prefix: "x") { number costly } }'
    received = await deliveries(contexts, [DOCUMENT, DOCUMENT, other, DOCUMENT, DOCUMENT])
    assert len(CALLS) == 5 * EVENTS
    assert received[1][0] == {"events": {"number": 0, "costly": "0 for CUSTOMER_SERVICE"}}
    assert received[4][-1] == {
        "events": {"number": EVENTS - 1, "costly": f"{EVENTS - 1} for ENGINEER"}
    }


async def test_the_same_engineer_on_two_devices_shares() -> None:
    contexts = [FakeContext(actor(Role.ENGINEER, 7)), FakeContext(actor(Role.ENGINEER, 7))]
    received = await deliveries(contexts, [DOCUMENT, DOCUMENT])
    assert sorted(CALLS) == list(range(EVENTS))
    assert received[0] == received[1]
