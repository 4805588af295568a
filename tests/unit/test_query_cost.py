"""The query cost estimate (schema/cost.py) on small documents against the served schema,
and its refusal (schema/cost_limit.py) in-process, before anything runs.

Expected costs are worked out by hand from the README's formula: every field 1, times
the sizes of the lists around it (a connection's `first`, else the page size)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import GraphQLSchema, get_introspection_query, graphql_sync, parse

from schema.cost import Paging, query_cost
from schema.root import build_schema
from settings import Settings

PAGING = Paging(default_page_size=20, max_page_size=100)


@pytest.fixture(scope="module")
def gschema() -> GraphQLSchema:
    return build_schema(Settings(environment="test", secret_key="c" * 48))._schema


def cost(
    gschema: GraphQLSchema,
    text: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    paging: Paging = PAGING,
) -> int:
    return query_cost(
        gschema, parse(text), paging, variables=variables, operation_name=operation_name
    )


# parts 1, edges 1, and per part: node 1, id 1, name 1.
PARTS_10 = "parts(first: 10) { edges { node { id name } } }"
PARTS_10_COST = 2 + 10 * 3


def test_fields_outside_lists_cost_one_each(gschema: GraphQLSchema) -> None:
    assert cost(gschema, "{ me { id username role } }") == 4
    assert cost(gschema, "{ me { id } __typename }") == 3


def test_a_connection_counts_its_items_at_first_and_itself_once(gschema: GraphQLSchema) -> None:
    assert cost(gschema, f"{{ {PARTS_10} }}") == PARTS_10_COST
    # totalCount and pageInfo are the connection's, once; `nodes` has the page's size.
    with_total = "{ parts(first: 10) { totalCount pageInfo { hasNextPage } nodes { id } } }"
    assert cost(gschema, with_total) == 1 + 1 + 2 + 1 + 10 * 1


def test_nesting_multiplies(gschema: GraphQLSchema) -> None:
    nested = (
        "{ parts(first: 10) { edges { node { movements(first: 5) { edges { node { id } } } } } } }"
    )
    # parts, edges; per part: node, movements, edges; per movement: node, id.
    assert cost(gschema, nested) == 2 + 10 * (3 + 5 * 2)
    deeper = nested.replace("{ id }", "{ id part { movements(first: 3) { nodes { id } } } }")
    # per movement also: part, movements, nodes; per inner movement: id.
    assert cost(gschema, deeper) == 2 + 10 * (3 + 5 * (2 + 3 + 3 * 1))


def test_aliases_add_up(gschema: GraphQLSchema) -> None:
    two = f"{{ a: {PARTS_10} b: {PARTS_10} }}"
    assert cost(gschema, two) == 2 * PARTS_10_COST
    fifteen = "{ " + " ".join(f"a{i}: {PARTS_10}" for i in range(15)) + " }"
    assert cost(gschema, fifteen) == 15 * PARTS_10_COST


def test_fragments_are_expanded_where_spread(gschema: GraphQLSchema) -> None:
    spread = """
    { parts(first: 10) { ...Page } other: parts(first: 4) { ...Page } }
    fragment Page on PartConnection { edges { node { ...Fields } } }
    fragment Fields on Part { id name }
    """
    # A fragment on a connection takes the size of the connection it is spread in.
    assert cost(gschema, spread) == PARTS_10_COST + (2 + 4 * 3)
    inline = "{ parts(first: 10) { edges { node { ... on Part { id } ... { name } } } } }"
    assert cost(gschema, inline) == PARTS_10_COST
    twice = "{ me { ...F ...F } } fragment F on User { id username }"
    assert cost(gschema, twice) == 1 + 2 * 2


def test_first_is_read_from_variables_and_their_defaults(gschema: GraphQLSchema) -> None:
    text = "query Q($n: Int) { parts(first: $n) { edges { node { id } } } }"
    assert cost(gschema, text, {"n": 7}) == 2 + 7 * 2
    assert cost(gschema, text, {"n": None}) == 2 + 20 * 2
    assert cost(gschema, text, {}) == 2 + 20 * 2
    with_default = text.replace("$n: Int)", "$n: Int = 3)")
    assert cost(gschema, with_default) == 2 + 3 * 2
    assert cost(gschema, with_default, {"n": 9}) == 2 + 9 * 2


def test_a_missing_first_counts_the_page_size(gschema: GraphQLSchema) -> None:
    text = "{ parts { edges { node { id } } } }"
    assert cost(gschema, text) == 2 + 20 * 2
    assert cost(gschema, text, paging=Paging(default_page_size=5, max_page_size=100)) == 2 + 5 * 2


def test_first_over_the_largest_page_is_clamped(gschema: GraphQLSchema) -> None:
    at_max = cost(gschema, "{ parts(first: 100) { edges { node { id } } } }")
    assert at_max == 2 + 100 * 2
    assert cost(gschema, "{ parts(first: 100000) { edges { node { id } } } }") == at_max
    huge = "query Q($n: Int) { parts(first: $n) { edges { node { id } } } }"
    assert cost(gschema, huge, {"n": 10**12}) == at_max
    # Not an Int (refused when coerced): counted at the largest page, never less.
    assert cost(gschema, huge, {"n": "lots"}) == at_max
    assert cost(gschema, "{ parts(first: -5) { edges { node { id } } } }") == 2


def test_a_list_without_paging_counts_the_page_size(gschema: GraphQLSchema) -> None:
    history = '{ ticket(id: "x") { history { sequence type } } }'
    assert cost(gschema, history) == 2 + 20 * 2
    regions = "{ regions { name children { name } } }"
    assert cost(gschema, regions) == 1 + 20 * (1 + 1 + 20 * 1)
    # A list of scalars or enums is one value.
    assert cost(gschema, "{ importColumns { field headers } }") == 1 + 20 * 2


def test_only_the_operation_that_runs_is_counted(gschema: GraphQLSchema) -> None:
    text = f"""
    query Cheap {{ me {{ id }} }}
    query Dear {{ {PARTS_10} }}
    """
    assert cost(gschema, text, operation_name="Cheap") == 2
    assert cost(gschema, text, operation_name="Dear") == PARTS_10_COST
    assert cost(gschema, text, operation_name="Missing") == 0
    # Strawberry runs the first when none is named.
    assert cost(gschema, text) == 2


def test_a_subscription_costs_its_payload_per_event(gschema: GraphQLSchema) -> None:
    text = "subscription { ticketEvents(since: 0) { sequence ticket { id history { sequence } } } }"
    assert cost(gschema, text) == 1 + 1 + 1 + 1 + 1 + 20 * 1


def test_skip_and_include_with_known_conditions(gschema: GraphQLSchema) -> None:
    page = "parts(first: 10) @include(if: $big) { edges { node { id name } } }"
    text = f"query Q($big: Boolean!) {{ me {{ id }} {page} }}"
    assert cost(gschema, text, {"big": False}) == 2
    assert cost(gschema, text, {"big": True}) == 2 + PARTS_10_COST
    # Unknown: counted.
    assert cost(gschema, text) == 2 + PARTS_10_COST
    skipped = "{ me { id } ... @skip(if: true) { parts(first: 10) { nodes { id } } } }"
    assert cost(gschema, skipped) == 2


def test_the_engineer_attack_costs_millions(gschema: GraphQLSchema) -> None:
    inner = "movements(first: 100) { edges { node { part { movements(first: 100) { edges { node { id } } } } } } }"
    one = f"parts(first: 100) {{ edges {{ node {{ {inner} }} }} }}"
    text = "{ " + " ".join(f"a{i}: {one}" for i in range(15)) + " }"
    # parts, edges; per part: node, movements, edges; per movement: node, part,
    # movements, edges; per inner movement: node, id.
    assert cost(gschema, text) == 15 * (2 + 100 * (3 + 100 * (4 + 100 * 2)))


def test_a_fragment_bomb_is_estimated_without_expanding_it(gschema: GraphQLSchema) -> None:
    # F40 spreads F39 twice... 2**40 copies of `me { id }`: memoised, not walked.
    fragments = ["fragment F0 on Query { me { id } }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)]
    text = "{ ...F40 } " + " ".join(fragments)
    assert cost(gschema, text) == 2**40 * 2
    # A cycle (refused by validation) does not loop.
    assert cost(gschema, "{ ...A } fragment A on Query { me { id } ...A }") == 2


def _answer_size(value: Any) -> int:
    """How many fields an answer has: what the estimate approximates."""
    if isinstance(value, dict):
        return sum(1 + _answer_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_answer_size(v) for v in value)
    return 0


def test_graphiqls_introspection_costs_about_what_it_returns(gschema: GraphQLSchema) -> None:
    text = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    estimate = cost(gschema, text)
    answer = graphql_sync(gschema, text)
    assert answer.errors is None
    returned = _answer_size(answer.data)
    assert returned / 2 <= estimate <= returned * 2, (estimate, returned)
    assert estimate < Settings().max_query_cost, "GraphiQL could not load the schema"
    # Fifteen of them at once is another matter.
    fifteen = "{ " + " ".join(f"s{i}: __schema {{ ...S }}" for i in range(15)) + " }"
    fifteen += " fragment S on __Schema { types { name fields { name type { name } } } }"
    assert cost(gschema, fifteen) > 15 * cost(
        gschema, "{ __schema { types { name fields { name } } } }"
    )


def _run(limit: int, text: str) -> Any:
    settings = Settings(environment="test", secret_key="c" * 48, max_query_cost=limit)
    return asyncio.run(build_schema(settings).execute(text))


def test_a_costly_document_is_refused_before_anything_runs() -> None:
    text = "{ parts(first: 100) { edges { node { id name partNumber onHand } } } }"
    cost_of_text = 2 + 100 * 5
    # Without a context a resolver that ran would fail (an internal error): refused
    # over the limit, nothing ran.
    over = _run(cost_of_text - 1, text)
    assert over.data is None
    assert [e.extensions for e in over.errors or []] == [
        {"code": "TOO_COMPLEX", "cost": cost_of_text, "limit": cost_of_text - 1}
    ]
    assert "too complex" in over.errors[0].message  # type: ignore[index]
    # At the limit it runs (and fails for want of a context, as expected here).
    at = _run(cost_of_text, text)
    assert at.errors and at.errors[0].extensions["code"] != "TOO_COMPLEX"  # type: ignore[index]


def test_the_refusal_names_the_operation_and_counts_its_variables() -> None:
    text = """
    query Small { me { id } }
    query Big($n: Int) { parts(first: $n) { edges { node { id } } } }
    """
    settings = Settings(environment="test", secret_key="c" * 48, max_query_cost=150)
    schema = build_schema(settings)
    big = asyncio.run(schema.execute(text, variable_values={"n": 100}, operation_name="Big"))
    assert big.errors is not None
    assert big.errors[0].extensions == {"code": "TOO_COMPLEX", "cost": 202, "limit": 150}
    assert big.errors[0].locations is not None and big.errors[0].locations[0].line == 3
    small_page = asyncio.run(schema.execute(text, variable_values={"n": 10}, operation_name="Big"))
    assert all(e.extensions["code"] != "TOO_COMPLEX" for e in small_page.errors or [])  # type: ignore[index]
