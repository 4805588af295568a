"""Every error leaves with an `extensions.code`; nothing internal leaves at all."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError

log = logging.getLogger("aftersales.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"


def public_error(error: GraphQLError) -> GraphQLError:
    """The client's view of an error: domain errors as raised, request errors
    (syntax, validation, variable coercion) as BAD_USER_INPUT, anything else masked."""
    original = error.original_error
    if isinstance(original, DomainError):
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": original.code, **original.extensions},
        )
    # Errors about the request itself (syntax, validation, variable coercion) are made by
    # graphql-core and point into the document; an exception escaping a subscription's
    # source carries neither a path nor document nodes, and is masked below.
    # graphql-core's own errors raised while executing (an argument that cannot be
    # coerced, e.g. a null variable for a non-null argument) are about the request too.
    if (
        original is None
        or isinstance(original, GraphQLError)
        or (error.path is None and error.nodes)
    ):
        if error.extensions and "code" in error.extensions:
            return error
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "BAD_USER_INPUT"},
        )
    log.error("unexpected error at %s", error.path, exc_info=original)
    return GraphQLError(
        "Internal server error",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": INTERNAL},
    )


def _make_public(result: object) -> None:
    # `public_error` is idempotent, so a result seen on two paths is safe.
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [public_error(e) for e in errors]  # type: ignore[attr-defined]


class PublicErrors(SchemaExtension):
    """Rewrites errors on every path out: HTTP results when the operation ends,
    websocket results (queries, mutations, subscription events) before each is sent."""

    def on_operation(self) -> Iterator[None]:
        yield
        _make_public(self.execution_context.result)

    def on_stream_result(self, result: object) -> Iterator[None]:
        _make_public(result)
        yield
