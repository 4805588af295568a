"""Every operation promised in the contract validates against the served schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate

from schema.root import build_schema
from settings import Settings

CONTRACT = Path(__file__).parent / "contract"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "contract"

# Operations not built yet: strict xfail, so each one must be removed from here the
# moment it validates.
NOT_YET_BUILT: set[str] = set()


def operations(file_name: str) -> list[tuple[str, OperationDefinitionNode]]:
    document = parse((CONTRACT / file_name).read_text())
    return [
        (node.name.value, node)
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode) and node.name is not None
    ]


def cases() -> list[object]:
    result = []
    for file_name in ("core.graphql", "parts.graphql"):
        for name, node in operations(file_name):
            marks = []
            if name in NOT_YET_BUILT:
                marks.append(pytest.mark.xfail(strict=True, reason="not built yet"))
            result.append(pytest.param(node, id=name, marks=marks))
    return result


@pytest.fixture(scope="module")
def graphql_schema():  # type: ignore[no-untyped-def]
    return build_schema(Settings(environment="test"))._schema


@pytest.mark.parametrize("operation", cases())
def test_contract_operation_validates(graphql_schema, operation) -> None:  # type: ignore[no-untyped-def]
    from graphql import DocumentNode

    errors = validate(graphql_schema, DocumentNode(definitions=(operation,)))
    assert errors == []


def test_the_foundation_operations_are_all_present() -> None:
    names = [name for name, _ in operations("core.graphql")]
    built = names[: names.index("RegisterDevice") + 1]
    assert built == [
        "Login",
        "Me",
        "ChangePassword",
        "CreateUser",
        "CreateCustomer",
        "RegisterDevice",
    ]
    assert not set(built) & NOT_YET_BUILT


@pytest.mark.skipif(not SHARED.exists(), reason="no shared/ checkout beside the project")
@pytest.mark.parametrize("file_name", ["core.graphql", "parts.graphql"])
def test_the_copied_contract_matches_the_shared_one(file_name: str) -> None:
    assert (CONTRACT / file_name).read_text() == (SHARED / file_name).read_text()
