"""Every error leaves with an `extensions.code`; nothing internal leaves at all."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from domain.errors import BadUserInput, DomainError
from resolvers.failures import as_unavailable

log = logging.getLogger("aftersales.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"


def _request_error(original: BaseException | None) -> DomainError | None:
    """strawberry's refusals of a document with no operation to run (an operationName
    naming none) or of the wrong kind for the transport: the request's fault."""
    if isinstance(original, CannotGetOperationTypeError):
        return BadUserInput(original.as_http_error_reason(), field="operationName")
    if isinstance(original, InvalidOperationTypeError):
        return BadUserInput(original.as_http_error_reason("this transport"))
    return None


def public_error(
    error: GraphQLError, *, retry_after: int = 5, committed: bool = False
) -> GraphQLError:
    """The client's view of an error: domain errors as raised, a database out of reach
    as SERVICE_UNAVAILABLE (saying so when this operation's change did commit), request
    errors (syntax, validation, variable coercion) as BAD_USER_INPUT, anything else
    masked."""
    original = error.original_error
    original = (
        as_unavailable(original, retry_after=retry_after, committed=committed)
        or _request_error(original)
        or original
    )
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


# graphql-core suggests names close to a wrong one ("Did you mean 'filter'?") for
# fields, arguments, input fields, enum values and types, in validation and in variable
# coercion alike; in production that would let a client map the schema without
# introspection. Names never hold a "?", so each suggestion ends at the first one.
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """The error without any "Did you mean ...?" (production)."""
    if "Did you mean" not in error.message:
        return error
    return GraphQLError(
        SUGGESTION.sub("", error.message),
        nodes=error.nodes,
        path=error.path,
        extensions=error.extensions,
    )


def _make_public(result: object, context: object) -> None:
    # `public_error` is idempotent, so a result seen on two paths is safe.
    errors = getattr(result, "errors", None)
    if errors:
        settings = getattr(context, "settings", None)
        retry_after = settings.retry_after_seconds if settings is not None else 5
        committed = bool(getattr(context, "committed", False))
        result.errors = [  # type: ignore[attr-defined]
            public_error(e, retry_after=retry_after, committed=committed) for e in errors
        ]
        if settings is not None and settings.is_production:
            result.errors = [without_suggestions(e) for e in result.errors]  # type: ignore[attr-defined]


class PublicErrors(SchemaExtension):
    """Rewrites errors on every path out: HTTP results when the operation ends,
    websocket results (queries, mutations, subscription events) before each is sent."""

    def on_operation(self) -> Iterator[None]:
        yield
        _make_public(self.execution_context.result, self.execution_context.context)

    def on_stream_result(self, result: object) -> Iterator[None]:
        _make_public(result, self.execution_context.context)
        yield
