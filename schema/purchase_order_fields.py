"""Root fields of purchase orders (merged into the Query and Mutation roots)."""

from __future__ import annotations

import strawberry


@strawberry.type
class PurchaseOrderQueries:
    pass


@strawberry.type
class PurchaseOrderMutations:
    pass
