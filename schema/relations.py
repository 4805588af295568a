"""Fields that read other records through the request's loaders, declared once::

    customer: Customer | None = relation("customer", key="customer_id")

reads `ctx.loaders.customer` with the row's `customer_id` (null when that is null; a
list for a by-parent loader such as `relation("ticket_check_ins", key="id")`).

Declared this way, a field costs what a plain attribute costs whenever its record is
already known:

* `apply_relations` gives it a direct resolver (no strawberry wrapper: no Info, no
  argument conversion) which answers synchronously from the loader's cache, and goes to
  the loader (a batch, one statement for all siblings) only on a miss;
* before the items of a list are completed, the executor (realtime.executor) warms the
  loaders of the relations the document selects on them (and through a connection's
  `edges { node }`, and one level further on the rows so loaded): one statement per
  loader, as before, but awaited once for the whole list rather than once per item.

Fifty tickets with their customer, device and assignee were 150 awaitables, futures and
tasks, each completed on its own; they are now three loads and 150 attribute reads.
The read rules (schema.rules) wrap these resolvers like any other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    get_named_type,
)

from resolvers.loaders import known, load_known

RELATION = "aftersales.relation"
DEFINITION = "strawberry-definition"


@dataclass(frozen=True)
class Relation:
    """`ctx.loaders.<loader>` keyed by the source row's `<key>` attribute."""

    loader: str
    key: str


def relation(loader: str, *, key: str, description: str | None = None) -> Any:
    """A field reading `ctx.loaders.<loader>` by the row's `key` (see the module)."""
    found = Relation(loader, key)

    # Strawberry types the field from the class annotation (this resolver has none);
    # `apply_relations` puts the direct resolver itself in its place.
    def resolve(root: Any, info: strawberry.Info):  # type: ignore[no-untyped-def]
        return resolve_relation(found)(root, info)

    return strawberry.field(resolver=resolve, description=description, metadata={RELATION: found})


def apply_relations(schema: Any) -> None:
    """Gives every relation field its direct resolver (before the read rules wrap it)."""
    for type_name, gtype in schema._schema.type_map.items():
        if type_name.startswith("__") or not isinstance(gtype, GraphQLObjectType):
            continue
        for gfield in gtype.fields.values():
            found = relation_of(gfield)
            if found is not None:
                gfield.resolve = resolve_relation(found)


def relation_of(gfield: Any) -> Relation | None:
    definition = (gfield.extensions or {}).get(DEFINITION)
    metadata = getattr(definition, "metadata", None) or {}
    found = metadata.get(RELATION)
    return found if isinstance(found, Relation) else None


def resolve_relation(found: Relation) -> Callable[..., Any]:
    loader_name, key = found.loader, found.key

    def resolve(source: Any, info: Any, **_: Any) -> Any:
        pk = getattr(source, key)
        if pk is None:
            return None
        return load_known(getattr(info.context.loaders, loader_name), pk)

    return resolve


# -- warming the loaders before a list is completed ------------------------------------


@dataclass(frozen=True)
class Step:
    """Load `relation` for the rows at `through` (attribute names from a list item: `()`
    for the item itself, `("node",)` for a connection's edge), then `then` on the rows
    it loaded."""

    through: tuple[str, ...]
    relation: Relation
    then: tuple[Step, ...]


Collect = Callable[[GraphQLObjectType, Any], Any]


def plan(
    collect: Collect, item_type: GraphQLObjectType, fields: Any, depth: int = 0
) -> tuple[Step, ...]:
    """The relations a document selects on the items of a list (`fields`: graphql-core's
    field details of the list field; `collect`: the executor's memoized subfields)."""
    grouped = collect(item_type, fields)[0]
    steps: list[Step] = []
    for sub_fields in grouped.values():
        gfield = item_type.fields.get(sub_fields[0].node.name.value)
        if gfield is None:  # __typename
            continue
        named = get_named_type(gfield.type)
        if not isinstance(named, GraphQLObjectType):
            continue
        found = relation_of(gfield)
        if found is not None:
            then = plan(collect, named, sub_fields, depth + 1) if depth < 2 else ()
            steps.append(Step((), found, then))
        elif depth == 0 and _passes_through(gfield):
            steps += [
                Step((_python_name(gfield), *s.through), s.relation, s.then)
                for s in plan(collect, named, sub_fields, depth + 1)
                if not s.through
            ]
    return tuple(steps)


def _passes_through(gfield: Any) -> bool:
    """A plain attribute holding one record (a connection edge's `node`)."""
    definition = (gfield.extensions or {}).get(DEFINITION)
    return bool(getattr(definition, "is_basic_field", False)) and _is_single(gfield.type)


def _is_single(output: GraphQLOutputType) -> bool:
    inner = output.of_type if isinstance(output, GraphQLNonNull) else output
    return not isinstance(inner, GraphQLList)


def _python_name(gfield: Any) -> str:
    return str(gfield.extensions[DEFINITION].python_name)


def warm(steps: Sequence[Step], items: Sequence[Any], loaders: Any) -> Awaitable[None] | None:
    """Loads what `steps` need for `items` together; None when all of it is known."""
    pending: list[tuple[Step, Any, list[Any]]] = []
    for step in steps:
        rows = list(items)
        for attribute in step.through:
            rows = [getattr(row, attribute, None) for row in rows if row is not None]
        keys = list(
            dict.fromkeys(
                pk
                for row in rows
                if row is not None and (pk := getattr(row, step.relation.key, None)) is not None
            )
        )
        loader = getattr(loaders, step.relation.loader)
        if keys and not all(known(loader, pk) for pk in keys):
            pending.append((step, loader, keys))
        elif keys and step.then:
            pending.append((step, None, keys))
    if not pending:
        return None
    return _load(pending, loaders)


async def _load(pending: list[tuple[Step, Any, list[Any]]], loaders: Any) -> None:
    loads = [loader.load_many(keys) for _step, loader, keys in pending if loader is not None]
    # A failed load stays in its loader's cache: each field then raises its own error,
    # exactly as without warming.
    await asyncio.gather(*loads, return_exceptions=True)
    for step, _loader, keys in pending:
        if not step.then:
            continue
        loader = getattr(loaders, step.relation.loader)
        rows: list[Any] = []
        for pk in keys:
            try:
                value = load_known(loader, pk)
            except Exception:  # its field reports it
                continue
            if isinstance(value, list):
                rows += value
            elif value is not None and not isinstance(value, Awaitable):
                rows.append(value)
        nested = warm(step.then, rows, loaders)
        if nested is not None:
            await nested
