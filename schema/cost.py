"""What a document would cost to answer, estimated before anything runs (GitHub-style).

Every field selected costs 1 for each time it would be resolved: 1 times the product of
the sizes of the lists enclosing it. A list's size is

* on a connection (a field taking `first`/`last`): its `first` (or `last`), from a
  literal or a variable, clamped to `max_page_size`; the page size when absent or
  null. The connection object itself (`totalCount`, `pageInfo`) is counted once; its
  lists (`edges`, `nodes`) have the connection's size;
* on any other list field (`history`, `contacts`, `regions`, a mutation's list): the
  page size, as nothing bounds it more tightly before it runs;
* in introspection (`__schema`, `__type`): the schema's own means (as many types as
  it has, the mean number of fields per type, of arguments per field..., and `ofType`
  as deep as its types are wrapped; schema/cost_introspection.py), so an introspection
  query costs about what it returns: GraphiQL's about 12,000 here.

Only the operation that would run is counted (the one named, else the first, as
strawberry runs it); fragments are expanded where spread (each counted once per
spread, memoised so a fragment bomb costs no time to estimate), inline fragments on
every type are added up, aliases count as the fields they are, and `@skip`/`@include`
with a known condition are honoured. A subscription costs its payload: per event.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.language import BooleanValueNode

from schema.cost_introspection import Introspection

# Introspection's means are fractions; everything else is whole.
Cost = int | Fraction

PAGE_ARGUMENTS = ("first", "last")
# Introspection's root fields, which are not among the query type's own.
META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


@dataclass(frozen=True)
class Paging:
    default_page_size: int
    max_page_size: int


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    paging: Paging,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The estimated cost of the operation of `document` that would run (0 if none)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = operations[0]
    estimator = _Estimator(schema, fragments, _variables(operation, variables), paging)
    root = schema.get_root_type(operation.operation)
    return math.ceil(estimator.selections(operation.selection_set, root))


def _variables(
    operation: OperationDefinitionNode, given: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The variables' values as sent, else their defaults in the document (as nodes)."""
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if isinstance(given, Mapping) and name in given:
            values[name] = given[name]
        elif definition.default_value is not None:
            values[name] = definition.default_value
    return values


class _Estimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        paging: Paging,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.paging = paging
        # Cost of one spread of a fragment, by (name, page, wrapped) given from above.
        self.spread_costs: dict[tuple[str, int | None, int], Cost] = {}
        self.expanding: set[str] = set()
        self.introspection: Introspection | None = None

    def selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        page: int | None = None,
        wrapped: int = 0,
    ) -> Cost:
        """Cost of `selection_set` on one object of type `parent`. `page` is the size
        of the connection `parent` is, given to its lists (edges, nodes); `wrapped`, on
        an introspection `__Type`, how many `ofType` lead to it."""
        if selection_set is None:
            return 0
        total: Cost = 0
        for node in selection_set.selections:
            if not self.included(node):
                continue
            if isinstance(node, FieldNode):
                total += self.field(node, parent, page, wrapped)
            elif isinstance(node, InlineFragmentNode):
                inner = parent
                if node.type_condition is not None:
                    inner = self.schema.get_type(node.type_condition.name.value)
                total += self.selections(node.selection_set, inner, page, wrapped)
            elif isinstance(node, FragmentSpreadNode):
                total += self.spread(node.name.value, page, wrapped)
        return total

    def spread(self, name: str, page: int | None, wrapped: int) -> Cost:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.expanding:
            return 0  # unknown or cyclic: validation refuses the document anyway
        key = (name, page, wrapped)
        if key not in self.spread_costs:
            self.expanding.add(name)
            inner = self.schema.get_type(fragment.type_condition.name.value)
            self.spread_costs[key] = self.selections(fragment.selection_set, inner, page, wrapped)
            self.expanding.discard(name)
        return self.spread_costs[key]

    def field(self, node: FieldNode, parent: Any, page: int | None, wrapped: int) -> Cost:
        definition = None
        name = node.name.value
        if parent is self.schema.query_type and name in META_FIELDS:
            definition = META_FIELDS[name]
        elif isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if definition is None:
            # __typename, or a field validation will refuse: one each, and what is below.
            return 1 + self.selections(node.selection_set, None)
        inner = get_named_type(definition.type)
        if parent.name.startswith("__"):
            return self.introspection_field(node, parent.name, inner, wrapped)
        size = self.page_size(node) if _is_paged(definition.args) else None
        if not is_list_type(get_nullable_type(definition.type)):
            return 1 + self.selections(node.selection_set, inner, size)
        if node.selection_set is None:
            return 1  # a list of scalars or enums: one value
        count = size if size is not None else page
        if count is None:
            count = self.paging.default_page_size
        return 1 + count * self.selections(node.selection_set, inner)

    def introspection_field(self, node: FieldNode, parent: str, inner: Any, wrapped: int) -> Cost:
        """Lists at this schema's mean lengths; `ofType` as often as types here are
        wrapped (schema/cost_introspection.py)."""
        if self.introspection is None:
            self.introspection = Introspection.of(self.schema)
        if node.selection_set is None:
            return 1
        name = node.name.value
        if (parent, name) == ("__Type", "ofType"):
            below = self.selections(node.selection_set, inner, wrapped=wrapped + 1)
            return 1 + self.introspection.wrapped(wrapped) * below
        return 1 + self.introspection.size(parent, name) * self.selections(
            node.selection_set, inner
        )

    def page_size(self, node: FieldNode) -> int:
        """`first` (or `last`) of a paged field, clamped; the page size if not given."""
        paging = self.paging
        for argument in node.arguments or ():
            if argument.name.value in PAGE_ARGUMENTS:
                value = self.value(argument.value)
                if value is None:
                    return paging.default_page_size
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                if not isinstance(value, int) or isinstance(value, bool):
                    # Not an Int: refused when coerced; counted at the largest page.
                    return paging.max_page_size
                return max(0, min(value, paging.max_page_size))
        return paging.default_page_size

    def value(self, node: ValueNode) -> Any:
        """A literal or variable's value, Python-typed; `...` for anything else."""
        if isinstance(node, VariableNode):
            found = self.variables.get(node.name.value)
            if isinstance(found, VariableNode):
                return ...  # a variable's default cannot be a variable
            return self.value(found) if isinstance(found, ValueNode) else found
        if isinstance(node, NullValueNode):
            return None
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, BooleanValueNode):
            return node.value
        return ...

    def included(self, node: Any) -> bool:
        """False only for a `@skip(if: true)` or `@include(if: false)` known now."""
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            for argument in directive.arguments or ():
                if argument.name.value == "if":
                    condition = self.value(argument.value)
                    if condition is (name == "skip"):
                        return False
        return True


def _is_paged(arguments: Mapping[str, Any]) -> bool:
    return any(name in arguments for name in PAGE_ARGUMENTS)
