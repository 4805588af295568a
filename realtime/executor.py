"""The executor of every operation, tuned for live events (see EventScopedExecutor)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from graphql import print_ast
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from realtime.delivery import delivery_group


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
    """

    # Set on the per-event copies only: where results of this event are shared, and
    # under which key (document, variables, delivery group).
    _shared_results: dict[Any, Any] | None = None
    _shared_key: Any = None

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        shared = getattr(payload, "shared", None)
        group = delivery_group(self.context_value)
        if isinstance(shared, dict) and group is not None:
            executor._shared_results = shared.setdefault("results", {})
            executor._shared_key = (self._document_key(), group)
        return executor

    def _document_key(self) -> tuple[str, ...]:
        """What the subscriber asked, as text; made once per subscription."""
        key = self.__dict__.get("_document")
        if key is None:
            fragments = sorted(print_ast(node) for node in self.fragments.values())
            variables = json.dumps(self.variable_values, sort_keys=True, default=str)
            key = self.__dict__["_document"] = (print_ast(self.operation), variables, *fragments)
        return key

    def execute_operation(self, serially: bool | None = None) -> Any:
        results, key = self._shared_results, self._shared_key
        if results is None:
            return super().execute_operation(serially)
        found = results.get(key)
        if found is None:
            result = super().execute_operation(serially)
            if not self.is_awaitable(result):
                results[key] = result
                return result
            # A task of its own, so that the first subscriber leaving mid-execution
            # cannot cancel it for the others; each waits on a shield.
            found = results[key] = asyncio.ensure_future(result)
        if not isinstance(found, asyncio.Future):
            return found
        return _shielded(found)


async def _shielded(task: asyncio.Future[Any]) -> Any:
    return await asyncio.shield(task)
