"""A subscription's executor keeps no memory of past events (schema.root.EventScopedExecutor).

graphql-core 3.3 makes a copy of a subscription's executor for every event; the copy
shared the original's subfield memo, keyed by the identity of each event's own field
lists, so the memo grew by a few entries per event for as long as the subscription
lived. The control case proves the probe sees that growth with the stock executor.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.root import EventScopedExecutor

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
