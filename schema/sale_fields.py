"""Root fields of sales (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry


@strawberry.type
class SaleQueries:
    pass


@strawberry.type
class SaleMutations:
    pass
