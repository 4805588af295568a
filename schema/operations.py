"""What every GraphQL operation starts with."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension


class FreshLoaders(SchemaExtension):
    """Every operation reads rows as they are when it starts (resolvers.context)."""

    def on_operation(self) -> Iterator[None]:
        started = getattr(self.execution_context.context, "operation_started", None)
        if started is not None:
            started()
        yield
