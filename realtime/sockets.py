"""Websockets that cannot stall the service, on both protocols (graphql-transport-ws
and the legacy graphql-ws), mixed into the ASGI GraphQL view (`GuardedSockets`).

* **Messages per connection**: a token bucket (WS_MESSAGES_PER_SECOND, WS_BURST) counts
  every message a client sends, pings and messages before connection_init included,
  before anything is done with it. Over it the socket closes with 4429. Each message is
  handled in a turn of the event loop of its own: one socket's messages take turns with
  everybody else's work (strawberry's loop ran a whole queue of them without yielding).
* **Handshakes per address**: the same kind of bucket, at the HTTP rate (HTTP_REQUESTS_
  PER_SECOND, HTTP_BURST; a handshake is an HTTP request), refuses new websockets of an
  address with HTTP 429 and `Retry-After`: a flood that reconnects after each 4429
  cannot make the handshakes its work.
* **Malformed messages** (not text, not JSON, nested past MAX_JSON_DEPTH, not an
  object, an unknown type, a payload or query of the wrong type: `realtime.ws_messages`)
  close the socket with 4400 and the reason, never 1006 with a traceback.
* **Sends**: a message the socket does not take within WS_SEND_TIMEOUT_SECONDS closes it
  with 4413; its operations are cancelled, which releases their feeds from the relay.
  Nothing is sent after the close: what an operation still sends then is dropped, not
  an "Unexpected ASGI message" error.
* **Closes** of ours (4xxx) are written at once, nothing more is parsed from the peer,
  and a peer that does not close within five seconds is cut (`realtime.ws_protocol`, the
  uvicorn side of this): a flood stops costing, a stalled peer stops holding buffers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

from prometheus_client import Counter, Gauge
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketDisconnected as StarletteSendAfterClose
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.unset import UNSET

from domain.limits import KeyedBuckets, TokenBucket
from realtime.relay import Relay
from realtime.ws_messages import LEGACY_WS, TRANSPORT_WS, problem_with
from schema.request_json import json_depth_over
from settings import Settings

log = logging.getLogger("aftersales.sockets")

# Close codes (4000-4999 are the application's own; 4401, 4403, 4406, 4409 are
# strawberry's, 4408 too: no connection_init within WS_INIT_TIMEOUT_SECONDS).
CLOSE_BAD_MESSAGE = 4400
CLOSE_INIT_TIMEOUT = 4408
CLOSE_TOO_SLOW = 4413
CLOSE_TOO_MANY = 4429

# The scope extension through which the server (realtime.ws_protocol) lets us close a
# socket at once: scope["extensions"][CLOSE_NOW](code, reason) writes the close frame
# behind whatever is buffered, parses nothing more from the peer and cuts the
# connection if the peer has not closed it within a few seconds. Under another server,
# a close that cannot be written in CLOSE_GRACE_SECONDS is given up.
CLOSE_NOW = "aftersales.websocket.close_now"
# How long a close frame may wait to be written before the connection is cut.
CLOSE_GRACE_SECONDS = 1.0
# The largest websocket message (uvicorn's ws_max_size; bigger closes with 1009).
# Subscriptions and queries are small; large inputs (part imports) go over HTTP.
MAX_MESSAGE_BYTES = 1024 * 1024
# Addresses whose handshake buckets are remembered (domain.limits.KeyedBuckets).
MAX_TRACKED_ADDRESSES = 20_000

CLOSED = Counter(
    "aftersales_websocket_closed_total",
    "Websockets closed by the server, by close code",
    ["code"],
)
OPEN = Gauge("aftersales_websockets_open", "Websockets open in this process")
LIVE_FEEDS = Gauge(
    "aftersales_live_feeds", "Live-event feeds (subscriptions) joined to this process's relay"
)
HANDSHAKES_REFUSED = Counter(
    "aftersales_websocket_handshakes_refused_total",
    "Websocket handshakes refused with HTTP 429 (too many from one address)",
)

# What a send raises when the peer is gone: starlette's disconnect (uvicorn's
# ClientDisconnected is an OSError), starlette's own send-after-close, and uvicorn's
# RuntimeError when its side closed first (checked by message, see _peer_gone).
_GONE = (WebSocketDisconnect, StarletteSendAfterClose, OSError)


def decode_message(text: str, max_depth: int) -> tuple[object, str | None]:
    """(the decoded JSON, None) or (None, why it is refused)."""
    try:
        decoded: object = json.loads(text)
    except ValueError:
        return None, "WebSocket message must be valid JSON"
    except RecursionError:
        return None, f"WebSocket message nests deeper than {max_depth} levels"
    if json_depth_over(decoded, max_depth):
        return None, f"WebSocket message nests deeper than {max_depth} levels"
    return decoded, None


def _close_reason(reason: str) -> str:
    # A close frame's reason is at most 123 bytes of UTF-8.
    return reason.encode()[:123].decode(errors="ignore")


def _peer_gone(exc: BaseException) -> bool:
    if isinstance(exc, _GONE):
        return True
    # uvicorn: "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'."
    return isinstance(exc, RuntimeError) and "websocket.close" in str(exc)


class GuardedWebSocket(ASGIWebSocketAdapter):
    """The one way in and out of a websocket: every message received is counted and
    checked, every send is bounded in time, and the socket is closed once."""

    def __init__(self, view: Any, request: WebSocket, response: WebSocket) -> None:
        super().__init__(view, request, response)
        self.limits: Settings = view.socket_settings
        self._bucket = TokenBucket(self.limits.ws_messages_per_second, self.limits.ws_burst)
        self.closed = False
        self._on_close: list[Callable[[], None]] = []
        # The delivery code closes through this adapter too (`close_socket`).
        response.state.guarded = self

    def on_close(self, callback: Callable[[], None]) -> None:
        """`callback()` once the socket is closed (or found gone): cancel operations."""
        self._on_close.append(callback)

    # -- in -----------------------------------------------------------------------

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        # `ignore_parsing_errors` (the legacy handler's) is not honoured: non-JSON is 4400.
        while not self.closed:
            try:
                message = await self.ws.receive()
            except _GONE:
                return
            if message["type"] == "websocket.disconnect":
                return
            # Counted before anything else is done with it: a flood costs a subtraction.
            if self._bucket.take(time.monotonic()) > 0:
                await self.close(CLOSE_TOO_MANY, "Too many messages")
                return
            text = message.get("text")
            if text is None:
                await self.close(CLOSE_BAD_MESSAGE, "WebSocket message type must be text")
                return
            decoded, problem = decode_message(text, self.limits.max_json_depth)
            if problem is not None:
                await self.close(CLOSE_BAD_MESSAGE, problem)
                return
            yield decoded
            # The next message on a later turn of the loop, after everybody else's work.
            await asyncio.sleep(0)

    # -- out ----------------------------------------------------------------------

    async def send_json(self, message: Mapping[str, object]) -> None:
        if self.closed:
            return  # an operation ending after its socket: there is nobody to tell
        data = self.view.encode_json(message)
        try:
            async with asyncio.timeout(self.limits.ws_send_timeout_seconds):
                await self.ws.send_text(data)
        except TimeoutError:
            log.info(
                "websocket from %s closed: a message waited over %gs to be sent",
                self._address(),
                self.limits.ws_send_timeout_seconds,
            )
            await self.close(
                CLOSE_TOO_SLOW,
                f"Too slow: a message waited over {self.limits.ws_send_timeout_seconds:g}s",
            )
        except Exception as exc:
            if not _peer_gone(exc):
                raise
            self._gone()

    async def close(self, code: int, reason: str) -> None:
        """Closes with `code` once; later calls do nothing. Never waits long: a close of
        ours (4xxx) is written at once behind what is buffered and the connection cut if
        the peer does not take it (realtime.ws_protocol); any other close that cannot be
        written within CLOSE_GRACE_SECONDS is made that way too."""
        if self.closed:
            return
        self.closed = True
        CLOSED.labels(str(code)).inc()
        reason = _close_reason(reason)
        close_now = (self.ws.scope.get("extensions") or {}).get(CLOSE_NOW)
        try:
            # Through uvicorn's send; if that does not get the frame out in time, at once.
            gentle = code < 4000 or close_now is None
            if gentle and (await self._close_in_time(code, reason) or close_now is None):
                return
            close_now(code, reason)
        finally:
            self._gone()

    async def _close_in_time(self, code: int, reason: str) -> bool:
        try:
            async with asyncio.timeout(CLOSE_GRACE_SECONDS):
                await self.ws.close(code=code, reason=reason)
        except TimeoutError:
            log.info(
                "websocket from %s: its close frame (%s) waited too long", self._address(), code
            )
            return False
        except Exception as exc:
            if not _peer_gone(exc):
                raise
        return True

    def _gone(self) -> None:
        self.closed = True
        callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            callback()

    def _address(self) -> str:
        client = self.ws.client
        return client.host if client else "?"


def watch_relay(relay: Relay) -> None:
    """/metrics shows how many feeds the relay holds: a closed socket's are released."""
    LIVE_FEEDS.set_function(lambda: relay.subscriber_count)


async def close_socket(connection: HTTPConnection, code: int, reason: str) -> None:
    """Closes a websocket from code that only has the context's connection (a
    subscription resolver): through its GuardedWebSocket, so that it is closed once."""
    guarded: GuardedWebSocket | None = getattr(connection.state, "guarded", None)
    if guarded is not None:
        await guarded.close(code, reason)
    elif isinstance(connection, WebSocket):
        try:
            await connection.close(code=code, reason=_close_reason(reason))
        except Exception as exc:
            if not _peer_gone(exc):
                raise


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws, with malformed messages closed with 4400."""

    websocket: GuardedWebSocket

    async def handle(self) -> None:
        self.websocket.on_close(self._cancel_operations)
        with OPEN.track_inprogress():
            await super().handle()

    def _cancel_operations(self) -> None:
        # Cancelled, not yet forgotten: shutdown() still awaits them.
        for operation in list(self.operations.values()):
            if operation.task is not None:
                operation.task.cancel()

    async def handle_message(self, message: Any) -> None:
        if problem := problem_with(message, TRANSPORT_WS):
            await self.websocket.close(CLOSE_BAD_MESSAGE, problem)
            return
        if message["type"] == "connection_init" and message.get("payload") is None:
            message = {**message, "payload": {}}  # the protocol allows null
        await super().handle_message(message)


class _AnyOperation:
    """The schema as the legacy handler sees it: its `subscribe` runs any operation, as
    the protocol allows (a query or a mutation answers `data`, then `complete`).
    strawberry's legacy handler subscribes only: a query failed as an unexpected error,
    logged with its traceback."""

    def __init__(self, schema: Any) -> None:
        self._schema = schema

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    async def subscribe(self, **kwargs: Any) -> Any:
        return await self._schema.stream(**kwargs)


class LegacyWSHandler(BaseGraphQLWSHandler[Any, Any]):
    """The legacy graphql-ws protocol, with malformed messages closed with 4400,
    queries and mutations run as the protocol allows and, as on graphql-transport-ws,
    no connection_init within the wait closed with 4408."""

    websocket: GuardedWebSocket

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = _AnyOperation(self.schema)  # type: ignore[assignment]

    async def handle(self) -> None:
        self.websocket.on_close(self._cancel_operations)
        waiting = asyncio.create_task(self._wait_for_init())
        try:
            with OPEN.track_inprogress():
                await super().handle()
        finally:
            waiting.cancel()

    async def _wait_for_init(self) -> None:
        await asyncio.sleep(self.websocket.limits.ws_init_timeout_seconds)
        if not self.connection_acknowledged:
            await self.websocket.close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")

    def _cancel_operations(self) -> None:
        for task in list(self.tasks.values()):
            task.cancel()
        if self.keep_alive_task is not None:
            self.keep_alive_task.cancel()

    async def handle_message(self, message: Any) -> None:
        if problem := problem_with(message, LEGACY_WS):
            await self.websocket.close(CLOSE_BAD_MESSAGE, problem)
            return
        await super().handle_message(message)


class GuardedSockets:
    """Mixed into the ASGI GraphQL view before strawberry's class; `guard_sockets(settings)`
    in its __init__."""

    websocket_adapter_class = GuardedWebSocket
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    socket_settings: Settings

    def guard_sockets(self, settings: Settings) -> None:
        self.socket_settings = settings
        # A handshake is an HTTP request: counted per address at the HTTP rate.
        self._handshakes = KeyedBuckets(
            settings.http_requests_per_second, settings.http_burst, MAX_TRACKED_ADDRESSES
        )

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if isinstance(request, WebSocket):
            client = request.client
            wait = self._handshakes.take(client.host if client else "?", time.monotonic())
            if wait > 0:
                await _refuse_handshake(request, wait)
                return request
        return await super().run(request, context, root_value)  # type: ignore[misc]


async def _refuse_handshake(websocket: WebSocket, wait: float) -> None:
    HANDSHAKES_REFUSED.inc()
    response = PlainTextResponse(
        "Too many websocket connections from this address; retry later",
        status_code=429,
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )
    try:
        await websocket.send_denial_response(response)
    except RuntimeError:
        # A server without the denial-response extension: a close before accepting
        # answers the handshake with 403.
        await websocket.close(code=1008)
