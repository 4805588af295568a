"""Read rules, declared on the types and applied on every path to a record.

Every GraphQL type that shows data declares, beside its fields::

    __read__ = ReadRule(
        rows=visibility.DEVICES,               # which records a reader sees
        fields={ANYONE: ("id", "brand", ...), OFFICE_ONLY: ("purchase_price",)},
    )

or `part_of=("Ticket",)` instead of `rows` for what is only ever shown inside one record
(a ticket's check-ins are seen with the ticket). `apply_read_rules` then wraps, once per
built schema, the resolver of

* every field that returns ruled records (one, a list or a connection): rows the reader
  may not see are left out of lists and connections, are null where the field is
  nullable and NOT_FOUND where it is not (a root `ticket(id)`);
* every field whose audience is not everyone: outside it the field is null, or
  FORBIDDEN where the audience says so (`Audience.or_refuse`).

It does so whatever the field is: a root query, a nested field, a history entry, a
mutation result or a subscription payload, so a new path to a record carries the rule
with it. A type or field without a rule, or a name in a rule that is no field, stops
the schema from building: nothing ships unruled.

Writes follow reads: an input type that writes a record names it (`__writes__ =
"Device"`); a mutation given a value for a field whose audience excludes the caller's
role (`purchasePrice` from an agent) is FORBIDDEN before anything is written. An input
field `xId` writes the record's field `x`.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    default_field_resolver,
)
from strawberry import Schema

from domain.access import ALL_ROLES, Audience
from domain.errors import Forbidden, NotFound
from resolvers.ids import encode_id
from resolvers.tickets.snapshots import present
from resolvers.visibility import Rows

RULE_ATTRIBUTE = "__read__"
WRITES_ATTRIBUTE = "__writes__"
ROOTS = frozenset({"Query", "Mutation", "Subscription"})
_APPLIED = "_read_rule"

Resolve = Callable[..., Any]


@dataclass(frozen=True)
class ReadRule:
    """What a reader gets of one type: which rows, and each field's audience."""

    fields: Mapping[Audience, Sequence[str]]
    rows: Rows | None = None
    # Types whose fields alone return this one: seen wherever its record is.
    part_of: tuple[str, ...] = ()
    # Pagination wrappers (connections, edges, page info): what they carry is ruled.
    structural: bool = False
    audience_of: dict[str, Audience] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.structural and (self.rows is None) == (not self.part_of):
            raise TypeError("a read rule names exactly one of its rows and what it is part of")
        audiences: dict[str, Audience] = {}
        for audience, names in self.fields.items():
            for name in names:
                if name in audiences:
                    raise TypeError(f"{name} has two audiences")
                audiences[name] = audience
        object.__setattr__(self, "audience_of", audiences)


STRUCTURE = ReadRule(fields={}, structural=True)


def rule_of(schema: Schema, type_name: str) -> ReadRule | None:
    definition = schema.get_type_by_name(type_name)
    origin = getattr(definition, "origin", None)
    return getattr(origin, RULE_ATTRIBUTE, None)


# -- the wrappers ------------------------------------------------------------------


def _reader(info: Any) -> Any:
    return getattr(info.context, "reader", None)


def _denied(nullable: bool, type_name: str) -> None:
    if nullable:
        return None
    raise NotFound(f"{type_name[0].lower()}{type_name[1:]} not found")


@dataclass(frozen=True)
class _Target:
    """What a field returns, for shaping: ruled rows, one, a list or a connection."""

    rows: Rows
    type_name: str
    shape: str  # "one", "list" or "connection"
    nullable: bool


async def _settle(verdicts: list[Any]) -> list[bool]:
    pending = [v for v in verdicts if not isinstance(v, bool)]
    # Together, so that the loaders behind them batch into one statement per fact.
    results = iter(await asyncio.gather(*pending))
    return [v if isinstance(v, bool) else next(results) for v in verdicts]


def _admitted(
    target: _Target, info: Any, items: Sequence[Any]
) -> list[bool] | Awaitable[list[bool]]:
    """For each item: may the reader see it? (Synchronous unless a check needs I/O.)"""
    actor = _reader(info)
    if actor is None:
        return [False] * len(items)
    rows = target.rows
    if rows.sees_all(actor):
        return [True] * len(items)
    ctx = info.context
    own = getattr(ctx, "own_writes", None)
    check = rows.check if actor.role in rows.some else None

    def verdict(item: Any) -> Any:
        row = present(item)
        pk = getattr(row, "id", None) if own else None
        if pk is not None and encode_id(target.type_name, pk) in own:
            return True  # what the reader's own mutation just changed, in its response
        return False if check is None else check(ctx, row)

    verdicts = [True if item is None else verdict(item) for item in items]
    if all(isinstance(v, bool) for v in verdicts):
        return verdicts
    return _settle(verdicts)


def _shape(target: _Target, info: Any, result: Any) -> Any:
    if result is None:
        return None
    actor = _reader(info)
    if actor is not None and target.rows.sees_all(actor):
        return result  # the common case (the office): nothing to look at per row
    if target.shape == "one":
        items = [result]
    elif target.shape == "list":
        items = list(result)
    else:
        items = [edge.node for edge in result.edges]
    verdicts = _admitted(target, info, items)
    if isinstance(verdicts, list):
        return _keep(target, result, verdicts)
    return _keep_later(target, result, verdicts)


async def _keep_later(target: _Target, result: Any, verdicts: Awaitable[list[bool]]) -> Any:
    return _keep(target, result, await verdicts)


def _keep(target: _Target, result: Any, verdicts: list[bool]) -> Any:
    if all(verdicts):
        return result
    if target.shape == "one":
        return _denied(target.nullable, target.type_name)
    if target.shape == "list":
        return [item for item, ok in zip(result, verdicts, strict=True) if ok]
    # A connection's SQL applies the same rule; this is the net under it.
    shaped = copy.copy(result)
    shaped.edges = [edge for edge, ok in zip(result.edges, verdicts, strict=True) if ok]
    return shaped


def _shaping(resolve: Resolve, target: _Target) -> Resolve:
    def shaped(source: Any, info: Any, **args: Any) -> Any:
        result = resolve(source, info, **args)
        if inspect.isawaitable(result):
            return _shape_later(target, info, result)
        return _shape(target, info, result)

    return shaped


async def _shape_later(target: _Target, info: Any, result: Awaitable[Any]) -> Any:
    shaped = _shape(target, info, await result)
    return await shaped if inspect.isawaitable(shaped) else shaped


def _guarded(resolve: Resolve, audience: Audience, where: str) -> Resolve:
    roles, relation, refuse = audience.roles, audience.relation, audience.refuse

    def guarded(source: Any, info: Any, **args: Any) -> Any:
        actor = _reader(info)
        if actor is not None and (
            actor.role in roles or (relation is not None and relation(actor, present(source)))
        ):
            return resolve(source, info, **args)
        if refuse:
            role = actor.role.value if actor is not None else "anonymous"
            raise Forbidden(f"{where} is not shown to {role} users")
        return None

    return guarded


# -- applying the rules ------------------------------------------------------------


def _target(schema: Schema, output: GraphQLOutputType) -> _Target | None:
    nullable = not isinstance(output, GraphQLNonNull)
    inner = output.of_type if isinstance(output, GraphQLNonNull) else output
    shape = "one"
    if isinstance(inner, GraphQLList):
        shape = "list"
        inner = inner.of_type
        inner = inner.of_type if isinstance(inner, GraphQLNonNull) else inner
    if not isinstance(inner, GraphQLObjectType):
        return None
    rule = rule_of(schema, inner.name)
    if rule is None:
        return None
    if rule.rows is not None:
        return _Target(rule.rows, inner.name, shape, nullable)
    if rule.structural and shape == "one" and "edges" in inner.fields:
        edge = _named(inner.fields["edges"].type)
        node = _named(edge.fields["node"].type) if isinstance(edge, GraphQLObjectType) else None
        node_rule = rule_of(schema, node.name) if node is not None else None
        if node_rule is not None and node_rule.rows is not None:
            return _Target(node_rule.rows, node.name, "connection", nullable)  # type: ignore[union-attr]
    return None


def _named(output: Any) -> Any:
    while isinstance(output, GraphQLNonNull | GraphQLList):
        output = output.of_type
    return output


def _python_names(schema: Schema, type_name: str) -> dict[str, str]:
    definition = schema.get_type_by_name(type_name)
    converter = schema.config.name_converter
    return {converter.get_graphql_name(f): f.python_name for f in definition.fields}  # type: ignore[union-attr]


def _rule_field(
    schema: Schema, type_name: str, rule: ReadRule, name: str, gfield: GraphQLField
) -> tuple[Audience | None, list[str]]:
    python_name = _python_names(schema, type_name).get(name, name)
    audience = rule.audience_of.get(python_name)
    if audience is None:
        return None, [f"{type_name}.{name}: no audience in its read rule"]
    restricted = audience.roles != ALL_ROLES or audience.relation is not None
    if restricted and not audience.refuse and isinstance(gfield.type, GraphQLNonNull):
        return None, [f"{type_name}.{name}: hidden from some readers, so it must be nullable"]
    return (audience if restricted else None), []


Written = dict[str, dict[str, tuple[Audience, bool]]]


def _written_fields(schema: Schema, mutation: GraphQLField) -> Written:
    """For each argument of a mutation whose input type writes a ruled record: the
    restricted input fields (GraphQL names) and the audience each one's reading has.
    A null where the field's default is null writes nothing (a create's blank field);
    where a field has no default (a patch), null clears it, which is a write."""
    found: Written = {}
    for arg_name, arg in mutation.args.items():
        input_type = _named(arg.type)
        definition = schema.get_type_by_name(getattr(input_type, "name", ""))
        written = getattr(getattr(definition, "origin", None), WRITES_ATTRIBUTE, None)
        if written is None:
            continue
        rule = rule_of(schema, written)
        if rule is None:
            raise TypeError(f"{input_type.name} writes {written}, which has no read rule")
        graphql_to_python = _python_names(schema, written)
        restricted: dict[str, tuple[Audience, bool]] = {}
        for field_name in input_type.fields:
            target = field_name if field_name in graphql_to_python else field_name[:-2]
            python_name = graphql_to_python.get(target)
            audience = rule.audience_of.get(python_name) if python_name else None
            if audience is not None and audience.roles != ALL_ROLES:
                null_writes = input_type.fields[field_name].default_value is not None
                restricted[field_name] = (audience, null_writes)
        if restricted:
            found[arg_name] = restricted
    return found


def _write_checked(resolve: Resolve, written: Written) -> Resolve:
    async def checked(source: Any, info: Any, **args: Any) -> Any:
        actor = await info.context.actor()
        for arg_name, restricted in written.items():
            given = args.get(arg_name) or {}
            for field_name, (audience, null_writes) in restricted.items():
                value = given.get(field_name)
                written_now = field_name in given and (value is not None or null_writes)
                if written_now and not audience.admits_role(actor):
                    raise Forbidden(
                        f"{arg_name}.{field_name}: not for {actor.role.value} users to set",
                        field=f"{arg_name}.{field_name}",
                    )
        result = resolve(source, info, **args)
        return await result if inspect.isawaitable(result) else result

    return checked


def apply_read_rules(schema: Schema) -> None:
    """Wraps the resolvers of a built schema with its types' read rules (see above)."""
    problems: list[str] = []
    for type_name, gtype in schema._schema.type_map.items():
        if type_name.startswith("__") or not isinstance(gtype, GraphQLObjectType):
            continue
        rule = None
        if type_name not in ROOTS:
            rule = rule_of(schema, type_name)
            if rule is None:
                problems.append(f"{type_name}: no read rule (declare __read__ on the type)")
                continue
            if not rule.structural:
                known = set(_python_names(schema, type_name).values())
                problems += [
                    f"{type_name}: its read rule names {name}, which is no field"
                    for name in rule.audience_of
                    if name not in known
                ]
        for name, gfield in gtype.fields.items():
            resolve = gfield.resolve or default_field_resolver
            if getattr(resolve, _APPLIED, False):
                continue
            target = _target(schema, gfield.type)
            if target is not None:
                resolve = _shaping(resolve, target)
            if rule is not None and not rule.structural:
                audience, found = _rule_field(schema, type_name, rule, name, gfield)
                problems += found
                if audience is not None:
                    resolve = _guarded(resolve, audience, f"{type_name}.{name}")
            if type_name == "Mutation" and (written := _written_fields(schema, gfield)):
                resolve = _write_checked(resolve, written)
            setattr(resolve, _APPLIED, True)
            gfield.resolve = resolve
    if problems:
        raise TypeError("read rules missing or wrong:\n  " + "\n  ".join(problems))
