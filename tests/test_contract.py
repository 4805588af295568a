"""Every operation promised in the contract validates against the served schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate

from schema.root import build_schema
from settings import Settings

CONTRACT = Path(__file__).parent / "contract"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "contract"

FILES = ("core.graphql", "parts.graphql", "time.graphql", "field.graphql", "channels.graphql")

# Operations not built yet, by file: strict xfail, so each one must be removed from here
# the moment it validates. The field and channels contracts come with their issues.
NOT_YET_BUILT: dict[str, set[str]] = {
    "time.graphql": set(),
    "field.graphql": set(),
    "channels.graphql": set(),
}


def operations(file_name: str) -> list[tuple[str, OperationDefinitionNode]]:
    document = parse((CONTRACT / file_name).read_text())
    return [
        (node.name.value, node)
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode) and node.name is not None
    ]


def cases() -> list[object]:
    result = []
    for file_name in FILES:
        for name, node in operations(file_name):
            marks = []
            if name in NOT_YET_BUILT.get(file_name, ()):
                marks.append(pytest.mark.xfail(strict=True, reason="not built yet"))
            result.append(pytest.param(node, id=f"{file_name}:{name}", marks=marks))
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
    assert not set(built) & NOT_YET_BUILT.get("core.graphql", set())


def test_every_operation_not_yet_built_is_in_its_contract() -> None:
    # A name here that the contract does not have would be an xfail that never runs.
    for file_name, names in NOT_YET_BUILT.items():
        assert names <= {name for name, _ in operations(file_name)}, file_name


@pytest.mark.skipif(not SHARED.exists(), reason="no shared/ checkout beside the project")
@pytest.mark.parametrize("file_name", FILES)
def test_the_copied_contract_matches_the_shared_one(file_name: str) -> None:
    assert (CONTRACT / file_name).read_text() == (SHARED / file_name).read_text()
