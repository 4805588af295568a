"""What introspection's lists hold on average in one schema, for schema/cost.py.

Introspection reads the schema in memory, never the database; counted like the data
lists (each at the page size) GraphiQL's introspection query would cost hundreds of
thousands. Counted at this schema's own means instead, its estimate is about what it
returns (summed over all types, the mean number of fields per type times the number
of types is the number of fields), and an `ofType` chain is counted as deep as type
references here are wrapped on average (`ID!`: one, `[X!]!`: three), not as deep as a
client asks (GraphiQL asks nine). Fractions, rounded up once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)


@dataclass(frozen=True)
class Introspection:
    # (introspection type, list field) -> its mean length in this schema.
    sizes: dict[tuple[str, str], Fraction]
    # continued[j]: of the type references with at least j `ofType`, the share with
    # at least j + 1 (the chance that the next `ofType` is not null).
    continued: tuple[Fraction, ...]

    def size(self, type_name: str, field_name: str) -> Fraction:
        return self.sizes.get((type_name, field_name), Fraction(1))

    def wrapped(self, depth: int) -> Fraction:
        """The chance that `ofType` under `depth` others is not null."""
        return self.continued[depth] if depth < len(self.continued) else Fraction(0)

    @classmethod
    def of(cls, schema: GraphQLSchema) -> Introspection:
        types = list(schema.type_map.values())
        fields = [
            f
            for t in types
            if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
            for f in t.fields.values()
        ]
        inputs = [
            f for t in types if isinstance(t, GraphQLInputObjectType) for f in t.fields.values()
        ]
        field_args = [a for f in fields for a in f.args.values()]
        directive_args = [a for d in schema.directives for a in d.args.values()]

        def mean(total: int, over: int) -> Fraction:
            return Fraction(total, max(1, over))

        def total(kind: Any, attribute: str) -> int:
            return sum(len(getattr(t, attribute)) for t in types if isinstance(t, kind))

        abstract = [t for t in types if isinstance(t, GraphQLInterfaceType | GraphQLUnionType)]
        sizes = {
            ("__Schema", "types"): Fraction(len(types)),
            ("__Schema", "directives"): Fraction(len(schema.directives)),
            ("__Type", "fields"): mean(len(fields), len(types)),
            ("__Type", "inputFields"): mean(len(inputs), len(types)),
            ("__Type", "enumValues"): mean(total(GraphQLEnumType, "values"), len(types)),
            ("__Type", "interfaces"): mean(
                total(GraphQLObjectType | GraphQLInterfaceType, "interfaces"), len(types)
            ),
            ("__Type", "possibleTypes"): mean(
                sum(len(schema.get_possible_types(t)) for t in abstract), len(types)
            ),
            ("__Field", "args"): mean(len(field_args), len(fields)),
            ("__Directive", "args"): mean(len(directive_args), len(schema.directives)),
        }
        wrappers = [_wrappers(x.type) for x in (*fields, *inputs, *field_args, *directive_args)]
        at_least = [sum(1 for w in wrappers if w >= j) for j in range(max(wrappers, default=0) + 1)]
        continued = tuple(Fraction(at_least[j + 1], at_least[j]) for j in range(len(at_least) - 1))
        return cls(sizes, continued)


def _wrappers(output: Any) -> int:
    """How many non-null and list wrappers a type has (`[X!]!`: three)."""
    count = 0
    while hasattr(output, "of_type"):
        output, count = output.of_type, count + 1
    return count
