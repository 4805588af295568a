"""Relay-style connections: `first/after`, `totalCount`, `pageInfo`, edges."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from schema.rules import STRUCTURE

T = TypeVar("T")


@strawberry.type
class PageInfo:
    __read__ = STRUCTURE  # what they carry is ruled by its own type

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    __read__ = STRUCTURE  # what they carry is ruled by its own type

    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    __read__ = STRUCTURE  # what they carry is ruled by its own type

    total_count: int
    page_info: PageInfo
    edges: list[Edge[T]]

    @strawberry.field(description="The nodes of `edges`, for clients that need no cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]
