"""Root fields of imports (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ImportQueries:
    pass


@strawberry.type
class ImportMutations:
    pass
