"""What every GraphQL operation starts with."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension


class FreshLoaders(SchemaExtension):
    """Every operation reads rows as they are when it starts, through one connection it
    gives back when it ends (resolvers.context)."""

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        started = getattr(context, "operation_started", None)
        if started is not None:
            started()
        try:
            yield
        finally:
            ended = getattr(context, "operation_ended", None)
            if ended is not None:
                # A subscription's operation ends when it is unsubscribed.
                await ended()
