"""Every document is parsed and checked once, then remembered; what depends on the
request is checked on every request.

A front end sends the same few documents again and again (the board's query every few
seconds from every dispatcher), and graphql-core's full validation (some thirty rules
walking the document with type information) costs more CPU than the board's SQL.
Whether a document is valid depends only on its text and the schema, so both the parsed
document and the errors of those rules are kept per text, in a bounded LRU (an endless
stream of distinct texts only evicts). What depends on the request is checked each time,
without another walk over the document:

* the operation (schema/request_checks.py): which one, over which transport, and the
  strings in its variables;
* its estimated cost (schema/cost.py), which depends on the variables (`first: $n`).

The remembered part: graphql-core's specified rules, strawberry's own two, the depth and
alias limits, the strings written in the document (request_checks.StorableLiterals) and,
when introspection is off, the rule refusing it. The token limit applies when parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules, validate
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.cost import Paging
from schema.cost_limit import cost_errors
from schema.request_checks import StorableLiterals, operation_errors
from settings import Settings

# Distinct document texts remembered per process (a few KB each).
DOCUMENTS = 512


def validation(settings: Settings) -> Callable[[], SchemaExtension]:
    """The extension factory for one schema: its caches live as long as the schema."""
    rules = (
        *specified_rules,
        MaybeNullValidationRule,
        OneOfInputValidationRule,
        depth_validator(settings.max_query_depth, None, None),
        aliases_validator(settings.max_aliases),
        StorableLiterals,
        *(() if settings.introspection else (NoSchemaIntrospectionCustomRule,)),
    )
    max_tokens = settings.max_query_tokens
    paging = Paging(settings.default_page_size, settings.max_page_size)
    limit = settings.max_query_cost

    @lru_cache(maxsize=DOCUMENTS)
    def checked(schema: GraphQLSchema, query: str) -> tuple[DocumentNode, tuple[GraphQLError, ...]]:
        # A text that does not parse raises, and is not remembered. The errors are
        # shared by every request of the text: nothing changes them (schema.errors
        # makes new ones).
        document = parse(query, max_tokens=max_tokens)
        return document, tuple(validate(schema, document, rules))

    class Validation(SchemaExtension):
        static: tuple[GraphQLError, ...] | None = None

        def on_parse(self) -> Iterator[None]:
            execution = self.execution_context
            if execution.graphql_document is None and execution.query:
                try:
                    execution.graphql_document, self.static = checked(
                        execution.schema._schema, execution.query
                    )
                except GraphQLError:
                    # Strawberry parses it again and reports the syntax error its way.
                    execution.parse_options["max_tokens"] = max_tokens
            yield

        def on_validate(self) -> Iterator[None]:
            execution = self.execution_context
            document = execution.graphql_document
            if document is not None and execution.pre_execution_errors is None:
                schema = execution.schema._schema
                static = self.static
                if static is None:  # given parsed, not as text
                    static = tuple(validate(schema, document, rules))
                errors = [
                    *static,
                    *operation_errors(document, execution),
                    *cost_errors(schema, document, execution, paging, limit),
                ]
                # Set, even when empty: strawberry then skips its own validation.
                execution.pre_execution_errors = errors
            yield

    return Validation
