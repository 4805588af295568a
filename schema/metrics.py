"""Prometheus figures for every GraphQL operation (served on /metrics)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import OperationType
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

OPERATIONS = Counter(
    "aftersales_graphql_operations_total",
    "GraphQL operations by type and outcome",
    ["type", "outcome"],
)
DURATION = Histogram(
    "aftersales_graphql_operation_seconds",
    "Time to execute a GraphQL operation",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # the document did not parse: there is no operation type
            kind = "invalid"
        if kind == OperationType.SUBSCRIPTION.value:
            return  # a subscription's lifetime is not a latency
        result = context.result
        errors = getattr(result, "errors", None)
        OPERATIONS.labels(kind, "error" if errors else "ok").inc()
        DURATION.labels(kind).observe(time.perf_counter() - started)
