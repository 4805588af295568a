"""To whom a reminder is addressed: named users, and every user of named roles."""

from __future__ import annotations

from collections.abc import Iterable

from domain.roles import Actor


def addressed(actor: Actor, user_ids: Iterable[int] | None, roles: Iterable[str] | None) -> bool:
    return actor.user_id in (user_ids or ()) or actor.role.value in (roles or ())
