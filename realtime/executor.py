"""The executor of every operation, tuned for live events (see EventScopedExecutor)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from graphql import GraphQLNonNull, GraphQLObjectType, print_ast
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from domain.errors import DomainError
from persistence.errors import is_unavailable
from realtime.delivery import delivery_group
from realtime.sockets import close_socket
from schema.relations import plan, warm

log = logging.getLogger("aftersales.subscriptions")

# A live event whose fields cannot be resolved (the database away) is tried again after
# these pauses (15.5 s in all); then its subscriber is closed with CLOSE_UNAVAILABLE,
# naming the `since` to resume from.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)
CLOSE_UNAVAILABLE = 4503
UNDELIVERABLE = object()


class EventScopedExecutor(StrawberryGraphQLCoreExecutionContext):
    """The executor of every operation, tuned for subscription events.

    * graphql-core 3.3 copies a subscription's executor for every event, sharing its
      subfield memo, whose keys hold the identity of each event's own field lists: the
      memo grew with every event for as long as the subscription lived. Each event's
      executor gets a memo of its own.
    * A live event is delivered to every subscriber of this process as one shared
      record. Subscribers who sent the same document and variables and see the same
      things (`realtime.delivery.delivery_group`) get one execution of it, shared,
      instead of one each: a thousand dispatchers' boards cost one execution per event.
    * Before the items of a list are completed, the loaders of the relations selected
      on them are warmed together (schema.relations), so that each item's relations
      resolve synchronously instead of as one awaitable per item and field.
    * A live event is never sent broken: while the database is out of reach its fields
      are resolved again, and a subscriber is closed (4503, with where to resume) rather
      than given an event with errors where its fields should be.
    """

    # Set on the per-event copies only: where results of this event are shared, and
    # under which key (document, variables, delivery group).
    _shared_results: dict[Any, Any] | None = None
    _shared_key: Any = None

    # Set on the per-event copies: the event, and the executor that made the copy (a
    # retry of the event needs a fresh copy: an executor collects its own errors).
    _event: Any = None
    _parent: EventScopedExecutor | None = None

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        loaders = getattr(self.context_value, "loaders", None)
        if isinstance(named, GraphQLObjectType) and loaders is not None:
            steps = self._relations_of(named, field_details_list)
            if steps:
                items = items if isinstance(items, list) else list(items)
                warming = warm(steps, items, loaders)
                if warming is not None:
                    return self._complete_warmed(
                        warming, item_type, field_details_list, info, path, items, position_context
                    )
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _relations_of(self, item_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """The relations selected on a list's items, once per list field and operation."""
        memo = self.__dict__.setdefault("_relation_plans", {})
        key = id(field_details_list)
        found = memo.get(key)
        if found is None:
            found = memo[key] = (
                plan(self.collect_subfields, item_type, field_details_list),
                field_details_list,
            )
        return found[0]

    async def _complete_warmed(self, warming: Any, *args: Any) -> Any:
        await warming
        completed = super().complete_iterable_value(*args)
        return await completed if self.is_awaitable(completed) else completed

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = self._plain_event_executor(payload)
        shared = getattr(payload, "shared", None)
        group = delivery_group(self.context_value)
        if isinstance(shared, dict) and group is not None:
            executor._shared_results = shared.setdefault("results", {})
            executor._shared_key = (self._document_key(), group)
        return executor

    def _plain_event_executor(self, payload: Any) -> EventScopedExecutor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        executor.__dict__["_relation_plans"] = {}
        executor._event, executor._parent = payload, self
        return executor

    def _document_key(self) -> tuple[str, ...]:
        """What the subscriber asked, as text; made once per subscription."""
        key = self.__dict__.get("_document")
        if key is None:
            fragments = sorted(_printed(node) for node in self.fragments.values())
            variables = json.dumps(self.variable_values, sort_keys=True, default=str)
            key = self.__dict__["_document"] = (_printed(self.operation), variables, *fragments)
        return key

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self._parent is None:  # a query, a mutation, or a subscription's first step
            return super().execute_operation(serially)
        results, key = self._shared_results, self._shared_key
        if results is None:
            return self._delivered(asyncio.ensure_future(self._deliverable(serially)))
        found = results.get(key)
        if found is None:
            # A task of its own, so that the first subscriber leaving mid-execution
            # cannot cancel it for the others; each waits on a shield.
            found = results[key] = asyncio.ensure_future(self._deliverable(serially))
        return self._delivered(found)

    async def _deliverable(self, serially: bool | None) -> Any:
        """The event's result, executed again (on fresh loaders) while the database is
        out of reach: a live event is delayed, never sent with fields it could not
        resolve. UNDELIVERABLE when the database stays away."""
        executor: EventScopedExecutor = self
        for delay in (*RETRY_DELAYS, None):
            result = super(EventScopedExecutor, executor).execute_operation(serially)
            if executor.is_awaitable(result):
                result = await result
            if not any(_out_of_reach(e.original_error) for e in result.errors or ()):
                return result
            if delay is None:
                return UNDELIVERABLE
            log.warning("event %s could not be resolved; retrying", _sequence(self._event))
            await asyncio.sleep(delay)
            shared = getattr(self._event, "shared", None)
            if isinstance(shared, dict):
                shared.pop("loaders", None)
                self.context_value.loaders_for_event(shared)
            assert self._parent is not None
            executor = self._parent._plain_event_executor(self._event)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _delivered(self, found: asyncio.Future[Any]) -> Any:
        result = await asyncio.shield(found)
        if result is not UNDELIVERABLE:
            return result
        # The subscriber resumes where this event is, with `since`, once it reconnects.
        resume = _sequence(self._event) - 1
        await close_socket(
            self.context_value.connection,
            CLOSE_UNAVAILABLE,
            f"service unavailable; resubscribe with since={resume}",
        )
        # Closing ends the connection's operations (this one included) from outside.
        await asyncio.Event().wait()


# The text of a document's operations and fragments, by node: ten thousand subscribers of
# one board send one text, parsed once (schema.validation), so its nodes are the same
# objects. Each entry holds its node, so an id is never reused while remembered.
_PRINTED: dict[int, tuple[Any, str]] = {}
_PRINTED_MAX = 1024


def _printed(node: Any) -> str:
    found = _PRINTED.get(id(node))
    if found is None:
        if len(_PRINTED) >= _PRINTED_MAX:
            _PRINTED.clear()
        found = _PRINTED[id(node)] = (node, print_ast(node))
    return found[1]


def _out_of_reach(error: BaseException | None) -> bool:
    # A refusal of ours (a DomainError) is an answer to send, whatever caused it.
    return error is not None and not isinstance(error, DomainError) and is_unavailable(error)


def _sequence(event: Any) -> int:
    return int(getattr(event, "sequence", 0))
