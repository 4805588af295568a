"""Refuses a document whose estimated cost (schema/cost.py) is over MAX_QUERY_COST.

Checked with the validation (schema/validation.py), so the refusal comes with the other
validation errors, before any resolver runs, on every path that validates: HTTP, and
websocket subscribe/start messages alike. On every request, not remembered with the
document: the cost depends on the variables (`first: $n`).
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode

from domain.errors import TooComplex
from schema.cost import Paging, query_cost

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


def cost_errors(
    schema: GraphQLSchema, document: DocumentNode, execution: Any, paging: Paging, limit: int
) -> list[GraphQLError]:
    """TOO_COMPLEX if the operation that would run costs more than `limit`."""
    cost = query_cost(
        schema,
        document,
        paging,
        variables=execution.variables,
        operation_name=execution.operation_name,
    )
    if cost > limit:
        return [too_complex(cost, limit, _operation(document, execution))]
    return []


def _operation(document: DocumentNode, execution: Any) -> list[OperationDefinitionNode] | None:
    """The operation refused, for the error's location."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    named = [o for o in operations if o.name and o.name.value == execution.operation_name]
    return (named or operations)[:1] or None
