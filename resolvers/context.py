"""The per-request context: who is asking, from where, and the request's loaders."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from domain.errors import Unauthenticated
from domain.roles import Actor, Role
from domain.tickets.access import allowed_kinds
from persistence.db import make_read_sessionmaker
from persistence.models import KindRestriction, User
from persistence.queries.accounts import user_with_limits
from persistence.queries.tickets import restriction_of
from persistence.types import utcnow
from persistence.unit_of_work import UnitOfWork, unit_of_work
from resolvers.accounts.tokens import read_token
from resolvers.loaders import Loaders

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
    from starlette.requests import HTTPConnection

    from persistence.storage import Storage
    from realtime.relay import Relay
    from settings import Settings


@dataclass
class Services:
    """What lives as long as the process: settings, the engine, the session factory."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    signing_key: str
    relay: Relay | None = None
    # Where attachment bytes live (persistence.storage); set by the application.
    storage: Storage | None = None
    # Sessions for reads alone (persistence.db.make_read_sessionmaker); made from the
    # engine unless given.
    read_sessionmaker: async_sessionmaker[AsyncSession] | None = None

    def __post_init__(self) -> None:
        if self.read_sessionmaker is None:
            self.read_sessionmaker = make_read_sessionmaker(self.engine)

    @property
    def reads(self) -> async_sessionmaker[AsyncSession]:
        assert self.read_sessionmaker is not None
        return self.read_sessionmaker


# Per task and per context, so per operation: a websocket's context serves many
# operations for hours (each in a task of its own), and a process may run several
# operations in one task (the demo data, tests), each with a context of its own; what
# one mutation wrote must not show in another operation's answers.
_OWN_WRITES: ContextVar[tuple[object, frozenset[str]] | None] = ContextVar(
    "own_writes", default=None
)


@dataclass
class Deadline:
    """Whether the request's deadline may still cut it short: not once a change has
    started to commit (its answer must then say what happened)."""

    lifted: bool = False

    def lift(self) -> None:
        self.lifted = True


class Context:
    def __init__(self, services: Services, connection: HTTPConnection) -> None:
        self.services = services
        self.connection = connection
        # Filled by strawberry from a websocket's connection_init payload.
        self.connection_params: dict[str, Any] | None = None
        self._reads = services.reads
        self.loaders = Loaders(self._reads)
        self._operations = 0
        self._actor: Actor | None = None
        # Who reads the results when no token authenticated the request: the user a
        # `login` in it signed in (their own account is theirs to read in full).
        self._signed_in: Actor | None = None
        self._actor_lock = asyncio.Lock()
        self._token_expires_at: datetime | None = None
        # The HTTP request's deadline (app.GraphQLApp); lifted once a change starts to
        # commit, so that no deadline ever cuts a commit from its answer.
        self.deadline = Deadline()

    @classmethod
    def in_process(cls, services: Services, token: str | None) -> Context:
        """The context of an operation run in this process (the demo data, tests,
        benchmarks), as a POST to /graphql with `token` would have; it comes from no
        network address (the audit log records none)."""
        headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
        scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": headers}
        return cls(services, Request(scope))

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def ip(self) -> str | None:
        client = self.connection.client
        return client.host if client else None

    def bearer_token(self) -> str | None:
        if self.connection_params is not None:
            raw = self.connection_params.get("Authorization") or self.connection_params.get(
                "authorization"
            )
        else:
            raw = self.connection.headers.get("authorization")
        if not isinstance(raw, str) or not raw.strip():
            return None
        scheme, _, token = raw.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization value must be 'Bearer <token>'")
        return token.strip()

    async def actor(self) -> Actor:
        """The authenticated user, checked against the database once per context."""
        async with self._actor_lock:
            if self._actor is None:
                self._actor = await self._authenticate()
            return self._actor

    async def _authenticate(self) -> Actor:
        token = self.bearer_token()
        if token is None:
            raise Unauthenticated("authentication required: send 'Authorization: Bearer <token>'")
        user_id, token_version, self._token_expires_at = read_token(
            self.services.signing_key, token
        )
        async with self._reads() as session:
            user, limits = await user_with_limits(session, user_id)
        if user is None or not user.enabled or user.is_deleted:
            raise Unauthenticated("this account is disabled or no longer exists")
        if user.token_version != token_version:
            raise Unauthenticated("token revoked; log in again")
        return actor_of(user, limits)

    @property
    def known_actor(self) -> Actor | None:
        """The actor if this context has authenticated already (no I/O)."""
        return self._actor

    @property
    def own_writes(self) -> frozenset[str]:
        """Global ids of what this operation's mutations changed: the answer to a change
        shows it to its author even when the change took it out of their sight (an
        engineer declining a ticket gets back the ticket they gave back)."""
        found = _OWN_WRITES.get()
        return found[1] if found is not None and found[0] is self else frozenset()

    def wrote(self, *global_ids: str) -> None:
        _OWN_WRITES.set((self, self.own_writes | frozenset(global_ids)))

    @property
    def committed(self) -> bool:
        """Whether a change made by this operation has committed (its answer must then
        never say it failed: schema.errors)."""
        found = _OWN_WRITES.get()
        return found is not None and found[0] is self

    @property
    def reader(self) -> Actor | None:
        """Whose read rules shape the results (schema.rules): the authenticated user, or
        the one a `login` in this request signed in; None for nobody (then nothing shows)."""
        return self._actor or self._signed_in

    def signed_in(self, actor: Actor) -> None:
        """A `login` succeeded: its result is read as that user. Does not authenticate
        the request (a later field without a token is still refused)."""
        self._signed_in = actor

    @property
    def authenticated(self) -> Actor:
        """The actor, for nested fields: their root field has already authenticated (a
        plain attribute read, where `await actor()` would cost a coroutine per row)."""
        if self._actor is None:
            raise Unauthenticated("authentication required")
        return self._actor

    def check_token_expiry(self) -> None:
        """For long-lived websockets (no I/O): UNAUTHENTICATED once the token expired."""
        if self._token_expires_at is not None and utcnow() >= self._token_expires_at:
            raise Unauthenticated("token expired; log in again")

    async def reauthenticate(self) -> None:
        """Looks the account up again (its kind limits changed); UNAUTHENTICATED if the
        user may no longer be served."""
        async with self._actor_lock:
            self._actor = await self._authenticate()

    @asynccontextmanager
    async def write(self, operation: str, *, actor: Actor | None) -> AsyncIterator[UnitOfWork]:
        """A unit of work for one mutation, audited under `operation`; once it has
        committed, the relay is told about the events it wrote."""
        async with unit_of_work(
            self.services.sessionmaker,
            actor_id=actor.user_id if actor else None,
            operation=operation,
            ip=self.ip,
            before_commit=self.deadline.lift,
        ) as work:
            yield work
        self.wrote(*work.record_ids)
        if work.written and self.services.relay is not None:
            self.services.relay.announce(work.written[-1].sequence)

    def operation_started(self) -> None:
        """A websocket's context serves one operation after another for hours: each one
        after the first reads through fresh loaders, so that what it decides (who may see
        what) is decided on rows as they are now."""
        self._operations += 1
        if self._operations > 1:
            self._reads = self.services.reads
            self.loaders = Loaders(self._reads)

    def loaders_for_event(self, shared: dict[str, Any]) -> Loaders:
        """Fresh loaders for one delivered event: a websocket context lives for hours, its
        rows must not. They are shared by every subscriber delivering the same event in
        this process, so a thousand subscribers cost one load, not a thousand."""
        loaders = shared.get("loaders")
        if loaders is None:
            loaders = shared["loaders"] = Loaders(self.services.reads, shared=True)
        self.loaders = loaders
        return loaders

    def read(self) -> Any:
        """A short session for one read (never shared with a concurrently running resolver)."""
        return self._reads()


def actor_of(user: User, restrictions: Iterable[KindRestriction] = ()) -> Actor:
    actor = Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        customer_id=user.customer_id,
        agent_id=user.agent_id,
    )
    kinds = allowed_kinds(actor, [restriction_of(row) for row in restrictions])
    return replace(actor, ticket_kinds=frozenset(kind.value for kind in kinds))


Info = StrawberryInfo[Context, None]
__all__ = ["Context", "Deadline", "Info", "Services", "UnitOfWork", "actor_of"]
