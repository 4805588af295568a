"""The read matrix (role x type x field), rendered from the rules the types declare.

`python -m schema.read_matrix` prints it; `--write README.md` replaces the table between
the README's markers. A test keeps the README's copy equal to the rules.
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import GraphQLObjectType
from strawberry import Schema

from domain.access import Audience
from domain.roles import Actor, Role
from schema.rules import ReadRule, rule_of

BEGIN = "<!-- read-matrix:begin (python -m schema.read_matrix --write README.md) -->"
END = "<!-- read-matrix:end -->"
ROLES = list(Role)


def _rows(rule: ReadRule, role: Role) -> str:
    """Which rows a role sees: all, some (decided row by row), or none."""
    if rule.rows is None:
        return "with it"
    if rule.rows.sees_all(Actor(user_id=0, username="", role=role)):
        return "all"
    return "some" if role in rule.rows.some else "none"


def _cell(audience: Audience, role: Role, rows: str) -> str:
    if rows == "none":
        return "-"
    if role in audience.roles:
        return "yes"
    if audience.relation is not None:
        return "own"
    return "FORBIDDEN" if audience.refuse else "null"


def _fields(schema: Schema, type_name: str, rule: ReadRule) -> dict[Audience, list[str]]:
    gtype = schema._schema.type_map[type_name]
    assert isinstance(gtype, GraphQLObjectType)
    converter = schema.config.name_converter
    definition = schema.get_type_by_name(type_name)
    names = {f.python_name: converter.get_graphql_name(f) for f in definition.fields}  # type: ignore[union-attr]
    grouped: dict[Audience, list[str]] = {}
    for audience, python_names in rule.fields.items():
        shown = [names[n] for n in python_names if names.get(n) in gtype.fields]
        if shown:
            grouped[audience] = shown
    return grouped


def render(schema: Schema) -> str:
    header = "| record: who sees which | fields | " + " | ".join(r.value for r in ROLES) + " |"
    lines = [header, "|" + " --- |" * (2 + len(ROLES))]
    for type_name in sorted(schema._schema.type_map):
        gtype = schema._schema.type_map[type_name]
        if not isinstance(gtype, GraphQLObjectType) or type_name.startswith("__"):
            continue
        rule = rule_of(schema, type_name)
        if rule is None or rule.structural:
            continue
        summary = rule.rows.summary if rule.rows else f"shown with its {', '.join(rule.part_of)}"
        rows = {role: _rows(rule, role) for role in ROLES}
        cells = " | ".join(rows[role] for role in ROLES)
        lines.append(f"| **{type_name}**: {summary} | *(rows)* | {cells} |")
        for audience, names in _fields(schema, type_name, rule).items():
            cells = " | ".join(_cell(audience, role, rows[role]) for role in ROLES)
            lines.append(f"|  | {', '.join(names)} | {cells} |")
    return "\n".join(lines)


def write(path: Path, schema: Schema) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(f"{text[:start]}\n{render(schema)}\n{text[end:]}", encoding="utf-8")


def main(argv: list[str]) -> None:
    from schema.root import build_schema
    from settings import Settings

    schema = build_schema(Settings(environment="test", secret_key="m" * 48))
    if argv[:1] == ["--write"]:
        write(Path(argv[1]), schema)
    else:
        print(render(schema))


if __name__ == "__main__":
    main(sys.argv[1:])
