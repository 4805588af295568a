"""GraphQL enums (the domain's own enums, exposed as they are)."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from domain.roles import Role as DomainRole

Role = strawberry.enum(DomainRole, name="Role")


@strawberry.enum
class RegionLevel(StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
