"""What leaves the server of an error (schema/errors.public_error)."""

from __future__ import annotations

from graphql import GraphQLError, parse

from domain.errors import BadUserInput
from schema.errors import public_error

DOCUMENT = parse("query ($d: Date) { me { id } }")
VARIABLE_NODE = DOCUMENT.definitions[0].variable_definitions[0]  # type: ignore[attr-defined]


def test_an_exception_escaping_a_subscription_source_is_masked() -> None:
    # What strawberry makes of an exception raised inside a subscription's generator:
    # no path, no document nodes, the raw message.
    raw = GraphQLError("boom: SELECT 1 FROM users", original_error=RuntimeError())
    public = public_error(raw)
    assert public.message == "Internal server error"
    assert public.extensions == {"code": "INTERNAL_SERVER_ERROR"}


def test_a_database_out_of_reach_is_service_unavailable_with_retry_after() -> None:
    raw = GraphQLError(
        "QueuePool limit of size 10 overflow 20 reached",
        path=["tickets"],
        original_error=ConnectionRefusedError(111, "Connect call failed"),
    )
    public = public_error(raw, retry_after=7)
    assert public.extensions == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 7}
    assert "QueuePool" not in public.message and "Connect call" not in public.message


def test_after_a_commit_the_error_says_the_change_was_saved() -> None:
    raw = GraphQLError("lost", path=["acceptTicket"], original_error=TimeoutError())
    public = public_error(raw, retry_after=5, committed=True)
    assert public.extensions == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 5, "committed": True}
    assert "saved" in public.message


def test_a_field_error_is_masked() -> None:
    raw = GraphQLError("boom: SELECT * FROM users", path=["me"], original_error=RuntimeError())
    assert public_error(raw).extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert "SELECT" not in public_error(raw).message


def test_a_variable_coercion_error_is_bad_user_input_and_keeps_its_message() -> None:
    raw = GraphQLError(
        "Variable '$d' got invalid value 'x'; Invalid isoformat string",
        nodes=[VARIABLE_NODE],
        original_error=ValueError("Invalid isoformat string"),
    )
    public = public_error(raw)
    assert public.extensions == {"code": "BAD_USER_INPUT"}
    assert public.message.startswith("Variable '$d'")


def test_validation_errors_and_domain_errors() -> None:
    validation = GraphQLError("Cannot query field 'x' on type 'Query'.", nodes=[VARIABLE_NODE])
    assert public_error(validation).extensions == {"code": "BAD_USER_INPUT"}
    domain = GraphQLError(
        "whatever", path=["createUser"], original_error=BadUserInput("too short", field="password")
    )
    public = public_error(domain)
    assert public.message == "password: too short"
    assert public.extensions == {"code": "BAD_USER_INPUT", "field": "password"}


def test_making_an_error_public_twice_changes_nothing() -> None:
    raw = GraphQLError("boom", path=["me"], original_error=RuntimeError())
    once = public_error(raw)
    twice = public_error(once)
    assert (twice.message, twice.extensions) == (once.message, once.extensions)


def test_an_argument_coercion_error_during_execution_is_bad_user_input() -> None:
    # graphql-core raises it while resolving the field (a null variable for a non-null
    # argument), then locates it: path set, the original a GraphQLError of its own.
    inner = GraphQLError(
        "Argument 'unhandledOnly' of non-null type 'Boolean!' must not be null.",
        nodes=[VARIABLE_NODE],
    )
    raw = GraphQLError(
        inner.message, nodes=[VARIABLE_NODE], path=["myNotifications"], original_error=inner
    )
    public = public_error(raw)
    assert public.extensions == {"code": "BAD_USER_INPUT"}
    assert public.message.startswith("Argument 'unhandledOnly'")
