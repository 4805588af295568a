"""One pooled connection for all of an operation's reads.

A board request reads its account, a page and its count, then three kinds of nested
records, the last three at once. With a session per read that is five pool checkouts
(each pinged first) and, with eight dispatchers, more connections at a time than the
pool keeps: the overflow ones are opened and closed again for every request (180 new
PostgreSQL backends in a 12-second run of bench/board.py). `SharedReads` gives the
operation one session, taken in turn: one checkout, one ping, the statements one after
another on the same connection.

It is for read sessions in autocommit (persistence.db.make_read_sessionmaker, on
PostgreSQL): each statement sees what was committed when it started, so a read after the
operation's own change (a mutation's answer) sees that change. After every turn the
session forgets its rows (`expunge_all`): the next read makes fresh ones, exactly as a
session of its own would. The session is closed when the operation ends, or when no one
has read for `IDLE_SECONDS` (a subscription lives for hours; its connection must not).
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

IDLE_SECONDS = 0.05


class SharedReads:
    """Called like a sessionmaker: `async with reads() as session:` (see the module)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._waiting = 0
        self._closer: asyncio.TimerHandle | None = None

    def __call__(self) -> _Turn:
        return _Turn(self)

    async def close(self) -> None:
        """Gives the connection back (the operation ended)."""
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        async with self._lock:
            await self._drop()

    async def _take(self) -> AsyncSession:
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        if self._session is None:
            self._session = self._sessionmaker()
        return self._session

    async def _give_back(self, failed: bool) -> None:
        try:
            if failed:
                # Its connection may be in any state (a cancelled statement): not reused.
                await self._drop()
            elif self._session is not None:
                self._session.expunge_all()
        finally:
            self._lock.release()
        if self._session is not None and not self._waiting:
            loop = asyncio.get_running_loop()
            self._closer = loop.call_later(IDLE_SECONDS, self._close_idle)

    def _close_idle(self) -> None:
        self._closer = None
        if not self._lock.locked() and self._session is not None:
            task = asyncio.ensure_future(self.close())
            task.add_done_callback(_quietly)

    async def _drop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):
                await session.close()


class _Turn:
    def __init__(self, reads: SharedReads) -> None:
        self._reads = reads

    async def __aenter__(self) -> AsyncSession:
        return await self._reads._take()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._reads._give_back(failed=exc_type is not None)


def _quietly(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: closing an idle session has no one to tell
