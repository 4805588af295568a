"""Request input checks that need no server: JSON bodies (schema.request_json), text
that cannot be stored (schema.request_checks), search terms (domain.validation),
suggestions in production (schema.errors), the /metrics guard (schema.http_guard)."""

from __future__ import annotations

import json

import pytest
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.datastructures import Headers

from domain.errors import BadUserInput
from domain.validation import MAX_SEARCH_LENGTH, search_term
from schema.errors import without_suggestions
from schema.http_guard import metrics_refusal
from schema.request_checks import unstorable_in
from schema.request_json import json_depth_over, parse_request_json
from settings import Settings

SECRET = "s" * 40


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ("x", 0), ([], 1), ({}, 1), ([[1], 2], 2), ({"a": [{"b": []}]}, 4)],
)
def test_json_depth(value: object, depth: int) -> None:
    assert not json_depth_over(value, depth)
    if depth:
        assert json_depth_over(value, depth - 1)


def test_depth_is_measured_without_recursion() -> None:
    value: list[object] = []
    for _ in range(200_000):
        value = [value]
    assert json_depth_over(value, 32)


def test_a_body_within_the_depth_is_parsed() -> None:
    assert parse_request_json(b'{"query": "{ a }", "variables": {"x": [[1]]}}', 4) == {
        "query": "{ a }",
        "variables": {"x": [[1]]},
    }


@pytest.mark.parametrize("levels", [5, 100_000])
def test_a_body_deeper_than_the_limit_is_a_400(levels: int) -> None:
    with pytest.raises(HTTPException) as info:
        parse_request_json(nested(levels).encode(), 4)
    assert info.value.status_code == 400


@pytest.mark.parametrize("raw", [b'{"a": "\xff"}', '{"a": 1}'.encode("utf-16")])
def test_a_body_that_is_not_utf8_is_a_400(raw: bytes) -> None:
    with pytest.raises(HTTPException) as info:
        parse_request_json(raw, 32)
    assert info.value.status_code == 400
    assert "UTF-8" in info.value.reason


def test_a_body_that_is_not_json_is_left_to_the_view() -> None:
    with pytest.raises(json.JSONDecodeError):
        parse_request_json(b"nope", 32)


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("plain", None),
        ("pair \U0001f600", None),
        ("nul \x00", "$v"),
        ("lone \ud800", "$v"),
        ("lone \udfff", "$v"),
        ({"a": [{"b": "ok"}, {"b": "x\x00"}]}, "$v.a.1.b"),
        ({"k\x00": 1}, "$v"),
        ([1, 2.5, None, True], None),
    ],
)
def test_unstorable_text_is_found_with_its_path(value: object, where: str | None) -> None:
    assert unstorable_in(value, "$v") == where


def test_search_terms() -> None:
    assert search_term(None) is None
    assert search_term("   ") is None
    assert search_term("  F- ") == "F-"
    assert search_term("x" * MAX_SEARCH_LENGTH) == "x" * MAX_SEARCH_LENGTH
    with pytest.raises(BadUserInput) as info:
        search_term("x" * (MAX_SEARCH_LENGTH + 1))
    assert info.value.extensions["field"] == "filter.search"


@pytest.mark.parametrize(
    ("message", "bare"),
    [
        (
            "Unknown argument 'filtr' on field 'Query.users'. Did you mean 'filter' or 'first'?",
            "Unknown argument 'filtr' on field 'Query.users'.",
        ),
        (
            "Variable '$f' got invalid value 'REPAR' at 'f.kind'; Value 'REPAR' does not exist"
            " in 'TicketKind' enum. Did you mean the enum value 'REPAIR'?",
            "Variable '$f' got invalid value 'REPAR' at 'f.kind'; Value 'REPAR' does not exist"
            " in 'TicketKind' enum.",
        ),
        ("Cannot query field 'x' on type 'Query'.", "Cannot query field 'x' on type 'Query'."),
    ],
)
def test_suggestions_are_stripped(message: str, bare: str) -> None:
    error = GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
    stripped = without_suggestions(error)
    assert stripped.message == bare
    assert stripped.extensions == {"code": "BAD_USER_INPUT"}


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, secret_key=SECRET, **values)  # type: ignore[call-arg]


def test_metrics_are_open_outside_production_without_a_token() -> None:
    assert metrics_refusal(Headers(), settings(environment="test")) is None


def test_metrics_are_not_served_in_production_without_a_token() -> None:
    refused = metrics_refusal(Headers(), settings(environment="production"))
    assert refused is not None and refused.status_code == 404


@pytest.mark.parametrize("environment", ["production", "development"])
def test_metrics_need_the_token_once_one_is_set(environment: str) -> None:
    config = settings(environment=environment, metrics_token="t0ken")
    for given in ({}, {"authorization": "Bearer t0ke"}, {"authorization": "Basic t0ken"}):
        refused = metrics_refusal(Headers(given), config)
        assert refused is not None and refused.status_code == 401
    assert metrics_refusal(Headers({"authorization": "Bearer t0ken"}), config) is None
