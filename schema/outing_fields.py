"""Root fields of outings (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry


@strawberry.type
class OutingQueries:
    pass


@strawberry.type
class OutingMutations:
    pass
