"""Refuses a document whose estimated cost (schema/cost.py) is over MAX_QUERY_COST.

A validation rule, so the refusal comes with the other validation errors, before any
resolver runs, on every path that validates: HTTP, and websocket subscribe/start
messages alike (strawberry validates both in `_prepare_operation_async`). The rule
is made per operation, as it needs the operation's variables and name, which
graphql-core's validation context does not carry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, ValidationRule
from strawberry.extensions import SchemaExtension

from domain.errors import TooComplex
from schema.cost import Paging, query_cost
from settings import Settings

# The largest integer a JSON client (JavaScript) reads exactly; a fragment bomb's cost
# is reported as this rather than as a 300-digit number.
MAX_REPORTED_COST = 2**53 - 1


def too_complex(cost: int, limit: int, nodes: Any = None) -> GraphQLError:
    cost = min(cost, MAX_REPORTED_COST)
    original = TooComplex(
        f"The query is too complex: its estimated cost {cost} is over the limit {limit}"
        " (every field once per item of the lists around it; ask for fewer items)",
        cost=cost,
        limit=limit,
    )
    return GraphQLError(
        original.message,
        nodes=nodes,
        original_error=original,
        extensions={"code": original.code, **original.extensions},
    )


class QueryCostLimit(SchemaExtension):
    def __init__(self, settings: Settings) -> None:
        self.limit = settings.max_query_cost
        self.paging = Paging(settings.default_page_size, settings.max_page_size)

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        limit, paging = self.limit, self.paging

        class QueryCostRule(ValidationRule):
            def leave_document(self, node: DocumentNode, *_: Any) -> None:
                cost = query_cost(
                    self.context.schema,
                    node,
                    paging,
                    variables=execution.variables,
                    operation_name=execution.operation_name,
                )
                if cost > limit:
                    self.report_error(too_complex(cost, limit, _operation(node, execution)))

        execution.validation_rules = (*execution.validation_rules, QueryCostRule)
        yield


def _operation(document: DocumentNode, execution: Any) -> list[OperationDefinitionNode] | None:
    """The operation refused, for the error's location."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    named = [o for o in operations if o.name and o.name.value == execution.operation_name]
    return (named or operations)[:1] or None
