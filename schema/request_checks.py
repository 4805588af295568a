"""What every GraphQL request is checked for before it runs, on HTTP and websockets:

- which operation: a document with several operations must name one in
  `operationName` (graphql-core would run the first); a subscription needs a
  websocket (over HTTP it would fail inside execution);
- its text: no string input, in the document or in the variables, at any depth, may
  hold a NUL character or an unpaired UTF-16 surrogate ("\\ud800" in JSON). Neither
  database stores them (PostgreSQL refuses NUL in text, both refuse to encode a lone
  surrogate), so they are refused up front as BAD_USER_INPUT naming where they are.

The document's own strings are checked by a validation rule (remembered with the
document, schema/validation.py); the rest, which needs the operation's name, variables
and transport, on every request.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValidationRule,
    VariableDefinitionNode,
)
from strawberry.types import ExecutionContext

from domain.errors import BadUserInput

# NUL and every surrogate code point: a valid pair arrives as one character (JSON
# decoding joins it), so any surrogate left in a str is an unpaired one.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_REASON = "must not contain NUL characters or unpaired surrogates"


def refusal(message: str, nodes: Any = None, **extensions: Any) -> GraphQLError:
    original = BadUserInput(message, **extensions)
    return GraphQLError(
        original.message,
        nodes=nodes,
        original_error=original,
        extensions={"code": original.code, **original.extensions},
    )


def unstorable_in(value: object, path: str) -> str | None:
    """The path of the first string (or object key) in a JSON value that may not be
    stored, or None. Iterative: a variable may nest as deep as its JSON allows."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return where
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and UNSTORABLE.search(key):
                    return where
                stack.append((inner, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}.{i}") for i, inner in enumerate(item))
    return None


def literal_path(ancestors: list[Any], parent: Any) -> str:
    """ "input.description" for a string literal: the argument and input fields around it."""
    names = [
        node.name.value
        for node in [*ancestors, parent]
        if isinstance(node, ArgumentNode | ObjectFieldNode)
    ]
    return ".".join(names) or "value"


def _over_http(execution: ExecutionContext) -> bool:
    connection = getattr(execution.context, "connection", None)
    scope = getattr(connection, "scope", None)
    return isinstance(scope, dict) and scope.get("type") == "http"


class StorableLiterals(ValidationRule):
    """Strings written in the document itself: the same for every request of its text."""

    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
    ) -> None:
        if UNSTORABLE.search(node.value):
            field = literal_path(list(ancestors), parent)
            self.report_error(refusal(UNSTORABLE_REASON, [node], field=field))


def operation_errors(document: DocumentNode, execution: ExecutionContext) -> list[GraphQLError]:
    """What depends on the request: the operation chosen, the transport, the variables."""
    errors: list[GraphQLError] = []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    # The name the client sent, not strawberry's fallback (the first operation's name).
    asked = getattr(execution, "_provided_operation_name", None)
    if len(operations) > 1 and not asked:
        errors.append(
            refusal(
                "the document holds several operations: name the one to run in operationName",
                operations,
            )
        )
        return errors
    chosen = [o for o in operations if asked is None or (o.name and o.name.value == asked)]
    operation = chosen[0] if chosen else None
    if (
        operation is not None
        and operation.operation == OperationType.SUBSCRIPTION
        and _over_http(execution)
    ):
        errors.append(
            refusal(
                "subscriptions need a websocket (graphql-transport-ws at /graphql), not HTTP",
                [operation],
            )
        )
    variables = execution.variables if isinstance(execution.variables, dict) else {}
    for name, value in variables.items():
        where = unstorable_in(value, f"${name}")
        if where is not None:
            errors.append(refusal(UNSTORABLE_REASON, _variable_node(operation, name), field=where))
            break
    return errors


def _variable_node(operation: OperationDefinitionNode | None, name: str) -> list[Node] | None:
    for definition in (operation.variable_definitions if operation else None) or ():
        if (
            isinstance(definition, VariableDefinitionNode)
            and definition.variable.name.value == name
        ):
            return [definition]
    return None
