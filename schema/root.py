"""The assembled schema: Query, Mutation (and, later, Subscription)."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry import ID, Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from realtime.executor import EventScopedExecutor
from schema.errors import PublicErrors
from schema.metrics import OperationMetrics
from schema.mutation import Mutation
from schema.operations import FreshLoaders
from schema.query import Query
from schema.relations import apply_relations
from schema.rules import apply_read_rules
from schema.subscription import Subscription
from schema.validation import validation
from settings import Settings


class AftersalesSchema(Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Errors are logged where they are made public (schema.errors); expected
        # refusals (FORBIDDEN, BAD_USER_INPUT...) are not worth a stack trace.
        return None


def build_schema(settings: Settings) -> Schema:
    # Factories, so that every operation gets fresh extension instances.
    extensions: list = [
        PublicErrors,
        OperationMetrics,
        FreshLoaders,
        # Parsing and every check before execution, remembered per document text.
        validation(settings),
    ]
    schema = AftersalesSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=EventScopedExecutor,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
    )
    # Relations resolve straight from the request's loaders (schema.relations).
    apply_relations(schema)
    # Every path to a record, whatever its field, goes through its type's read rule.
    apply_read_rules(schema)
    return schema


__all__ = ["ID", "build_schema"]
