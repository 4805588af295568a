"""The read-rule mechanism (schema.rules) on a schema of its own: rows left out, fields
nulled or refused, whatever the path; and no schema builds with a type or field unruled."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult

from domain.access import ANYONE, OFFICE_ONLY, STAFF_ONLY, Audience
from domain.roles import Actor, Role
from resolvers.visibility import Rows
from schema.rules import ReadRule, apply_read_rules


@dataclass
class Row:
    id: int
    name: str
    secret: str | None = "s3cret"


async def _odd_later(_ctx: Any, row: Row) -> bool:
    await asyncio.sleep(0)
    return row.id % 2 == 1


ODD_ROWS = Rows(
    "admins: all; others: odd ids", lambda a: a.role is Role.ADMIN, frozenset(Role), _odd_later
)


@strawberry.type
class Thing:
    __read__ = ReadRule(
        rows=ODD_ROWS,
        fields={
            ANYONE: ("id", "name", "twin"),
            OFFICE_ONLY: ("secret",),
            STAFF_ONLY.or_refuse(): ("log",),
        },
    )

    id: int
    name: str
    secret: str | None

    @strawberry.field
    def log(self) -> list[str]:
        return ["entry"]

    @strawberry.field
    def twin(self) -> Thing | None:
        return ROWS.get(self.id + 1)  # type: ignore[return-value]


@strawberry.type
class Detail:
    __read__ = ReadRule(part_of=("Thing",), fields={ANYONE: ("text",)})

    text: str


ROWS = {pk: Row(pk, f"row {pk}") for pk in range(1, 6)}


@strawberry.type
class Query:
    @strawberry.field
    def thing(self, id: int) -> Thing:
        return ROWS[id]  # type: ignore[return-value]

    @strawberry.field
    def maybe(self, id: int) -> Thing | None:
        return ROWS[id]  # type: ignore[return-value]

    @strawberry.field
    async def things(self) -> list[Thing]:
        return list(ROWS.values())  # type: ignore[arg-type]


def build(query: type = Query) -> strawberry.Schema:
    schema = strawberry.Schema(query=query)
    apply_read_rules(schema)
    return schema


@dataclass
class Ctx:
    reader: Actor | None
    own_writes: set[str] = field(default_factory=set)


def run(document: str, role: Role | None) -> ExecutionResult:
    reader = None if role is None else Actor(user_id=1, username="u", role=role)
    return asyncio.run(build().execute(document, context_value=Ctx(reader)))


def codes(result: ExecutionResult) -> list[str]:
    return [getattr(e.original_error, "code", "?") for e in result.errors or []]


def test_a_reader_who_sees_every_row_gets_everything() -> None:
    result = run("{ things { id secret log } thing(id: 2) { id } }", Role.ADMIN)
    assert result.errors is None
    assert [t["id"] for t in result.data["things"]] == [1, 2, 3, 4, 5]
    assert result.data["things"][0]["secret"] == "s3cret"


def test_rows_the_reader_may_not_see_are_left_out_null_or_not_found() -> None:
    result = run("{ things { id } maybe(id: 2) { id } }", Role.ENGINEER)
    assert result.errors is None
    assert [t["id"] for t in result.data["things"]] == [1, 3, 5]
    assert result.data["maybe"] is None
    result = run("{ thing(id: 2) { id } }", Role.ENGINEER)
    assert codes(result) == ["NOT_FOUND"]
    assert run("{ thing(id: 3) { id } }", Role.ENGINEER).data == {"thing": {"id": 3}}


def test_nested_paths_carry_the_rule() -> None:
    result = run("{ thing(id: 1) { twin { id } } maybe(id: 3) { twin { id } } }", Role.CUSTOMER)
    assert result.errors is None
    assert result.data == {"thing": {"twin": None}, "maybe": {"twin": None}}  # 2 and 4


def test_fields_outside_their_audience_are_null_or_refused() -> None:
    result = run("{ thing(id: 1) { name secret log } }", Role.ENGINEER)
    assert result.errors is None
    assert result.data == {"thing": {"name": "row 1", "secret": None, "log": ["entry"]}}
    result = run("{ maybe(id: 1) { name log } }", Role.CUSTOMER)
    assert codes(result) == ["FORBIDDEN"]


def test_without_a_reader_nothing_shows() -> None:
    result = run("{ things { id } maybe(id: 1) { id } }", None)
    assert result.errors is None
    assert result.data == {"things": [], "maybe": None}


def test_what_the_reader_just_changed_is_shown_in_its_answer() -> None:
    from resolvers.ids import encode_id

    reader = Actor(user_id=1, username="u", role=Role.ENGINEER)
    ctx = Ctx(reader, own_writes={encode_id("Thing", 2)})
    result = asyncio.run(build().execute("{ thing(id: 2) { id } }", context_value=ctx))
    assert result.data == {"thing": {"id": 2}}


# -- nothing unruled builds ----------------------------------------------------------


@strawberry.type
class Bare:
    name: str


@strawberry.type
class BareQuery:
    @strawberry.field
    def bare(self) -> Bare:
        return Bare(name="x")


@strawberry.type
class Half:
    __read__ = ReadRule(rows=ODD_ROWS, fields={ANYONE: ("name",)})
    name: str
    extra: str


@strawberry.type
class HalfQuery:
    @strawberry.field
    def half(self) -> Half:
        return Half(name="x", extra="y")


@strawberry.type
class Strict:
    __read__ = ReadRule(rows=ODD_ROWS, fields={ANYONE: ("name", "ghost"), OFFICE_ONLY: ("cost",)})
    name: str
    cost: int


@strawberry.type
class StrictQuery:
    @strawberry.field
    def strict(self) -> Strict:
        return Strict(name="x", cost=1)


def test_a_type_without_a_rule_does_not_build() -> None:
    with pytest.raises(TypeError, match="Bare: no read rule"):
        build(BareQuery)


def test_a_field_without_an_audience_does_not_build() -> None:
    with pytest.raises(TypeError, match=r"Half\.extra: no audience"):
        build(HalfQuery)


def test_a_hidden_field_must_be_nullable_and_rules_name_real_fields() -> None:
    with pytest.raises(TypeError) as raised:
        build(StrictQuery)
    assert "Strict.cost: hidden from some readers, so it must be nullable" in str(raised.value)
    assert "Strict: its read rule names ghost, which is no field" in str(raised.value)


def test_a_rule_gives_each_field_one_audience_and_names_rows_or_a_parent() -> None:
    with pytest.raises(TypeError, match="two audiences"):
        ReadRule(rows=ODD_ROWS, fields={ANYONE: ("a",), OFFICE_ONLY: ("a",)})
    with pytest.raises(TypeError, match="exactly one"):
        ReadRule(rows=ODD_ROWS, part_of=("Thing",), fields={ANYONE: ("a",)})
    with pytest.raises(TypeError, match="exactly one"):
        ReadRule(fields={ANYONE: ("a",)})


def test_an_audience_admits_its_roles_and_its_relation() -> None:
    mine = Audience("own", frozenset({Role.ADMIN}), lambda actor, row: row.id == actor.user_id)
    engineer = Actor(user_id=7, username="e", role=Role.ENGINEER)
    assert mine.admits(engineer, Row(7, "me"))
    assert not mine.admits(engineer, Row(8, "other"))
    assert mine.admits(Actor(user_id=1, username="a", role=Role.ADMIN), Row(8, "other"))
    assert not mine.admits_role(engineer)
    assert mine.or_refuse().refuse and not mine.refuse
