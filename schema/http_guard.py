"""What guards GraphQL over HTTP before strawberry sees a request (an ASGI middleware):

- a rate limit (GraphQL and the downloads: files, service reports) per user (the id in
  a valid bearer token) or, without one, per client
  address: a token bucket of HTTP_REQUESTS_PER_SECOND with HTTP_BURST (domain.limits).
  Over it, HTTP 429 with `Retry-After` and a GraphQL-shaped body whose error has
  `extensions.code` RATE_LIMITED and `retryAfter`. The buckets live in this process:
  with several workers each one counts on its own;
- the body size: over MAX_BODY_BYTES is 413, refused from `Content-Length` before
  reading anything, or as soon as a chunked body has passed the limit (at most that
  much is ever held);
- file uploads (multipart/form-data, the GraphQL multipart request spec) must carry
  `Apollo-Require-Preflight` or `X-Requested-With`, so that a plain HTML form on
  another site cannot post one (a browser sends neither header cross-site without a
  CORS preflight); their bodies are not held in memory but streamed to the form
  parser (which spools files to disk), counted against MAX_BODY_BYTES plus
  FILES_MAX_BYTES for each of FILES_MAX_PER_REQUEST files;
- refusals in plain text (strawberry's and Starlette's 4xx: a body that is not JSON,
  a wrong content type, a GET query...) leave as JSON errors with a code, as every
  other GraphQL error does.

Websockets pass through untouched (their limits are per connection, in app.py).
`metrics_refusal` guards /metrics: METRICS_TOKEN as a bearer token; in production
without one, /metrics is not served at all.
"""

from __future__ import annotations

import hmac
import json
import math
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Counter
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import DomainError, RateLimited
from domain.limits import KeyedBuckets
from resolvers.accounts.tokens import read_token
from settings import Settings

GRAPHQL_PATH = "/graphql"
DOWNLOAD_PREFIXES = ("/files/", "/tickets/")
# Distinct users and addresses whose buckets are remembered; past it, full (idle)
# buckets are forgotten first (domain.limits.KeyedBuckets).
MAX_TRACKED_CLIENTS = 20_000

REFUSED = Counter(
    "aftersales_http_refused_total",
    "HTTP requests refused before GraphQL by reason",
    ["reason"],
)

# The code a plain-text refusal of this status becomes.
CODE_OF_STATUS = {
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    429: RateLimited.code,
}


def error_body(message: str, code: str, **extensions: Any) -> bytes:
    return json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    ).encode()


async def send_error(
    send: Send,
    status: int,
    message: str,
    code: str,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
    **extensions: Any,
) -> None:
    body = error_body(message, code, **extensions)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HTTPGuard:
    def __init__(
        self, app: ASGIApp, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.settings = settings
        self.clock = clock
        self.buckets = KeyedBuckets(
            settings.http_requests_per_second, settings.http_burst, MAX_TRACKED_CLIENTS
        )
        self._signing_key: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        graphql = path == GRAPHQL_PATH
        # Downloads share the bucket: a service report is rendered per request.
        if graphql or path.startswith(DOWNLOAD_PREFIXES):
            wait = self.buckets.take(self._client_key(scope), self.clock())
            if wait > 0:
                REFUSED.labels("rate_limited").inc()
                seconds = max(1, math.ceil(wait))
                await send_error(
                    send,
                    429,
                    f"too many requests: retry in {seconds} s",
                    RateLimited.code,
                    # The body is left unread: the connection cannot be reused.
                    headers=[(b"retry-after", str(seconds).encode()), (b"connection", b"close")],
                    retryAfter=seconds,
                )
                return
        headers = Headers(scope=scope)
        if graphql and headers.get("content-type", "").startswith("multipart/form-data"):
            await self._upload(scope, receive, send, headers)
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        await self.app(scope, _replay(body, receive), _JSONRefusals(send) if graphql else send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        if not (headers.get("apollo-require-preflight") or headers.get("x-requested-with")):
            REFUSED.labels("upload_without_preflight").inc()
            await send_error(
                send,
                400,
                "a request with files must carry the header Apollo-Require-Preflight "
                "or X-Requested-With",
                "BAD_USER_INPUT",
                headers=[(b"connection", b"close")],
            )
            return
        settings = self.settings
        limit = settings.max_body_bytes + settings.files_max_bytes * settings.files_max_per_request
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(send, limit)
            return
        stream = _CountedStream(receive, send, limit)
        try:
            await self.app(scope, stream.receive, _JSONRefusals(stream.send))
        except Exception:
            if not stream.exceeded:
                raise
        if stream.exceeded:
            await self._too_large(send, limit)

    def _client_key(self, scope: Scope) -> str:
        """The user of a valid bearer token, else the client address (as uvicorn reports
        it: the peer, or X-Forwarded-For from FORWARDED_ALLOW_IPS)."""
        raw = Headers(scope=scope).get("authorization", "")
        scheme, _, token = raw.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            if self._signing_key is None:
                self._signing_key = self.settings.signing_key()
            try:
                # The signature is checked (a forged id must not get a bucket of its
                # own); revocation is not, that needs the database: a revoked token
                # still counts against its user.
                return f"user:{read_token(self._signing_key, token.strip()).user_id}"
            except DomainError:
                pass
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once a 413 was sent (or the client left)."""
        limit = self.settings.max_body_bytes
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(send, limit)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(send, limit)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, send: Send, limit: int) -> None:
        REFUSED.labels("body_too_large").inc()
        await send_error(
            send,
            413,
            f"The request body is larger than {limit} bytes",
            "BAD_USER_INPUT",
            headers=[(b"connection", b"close")],
            limit=limit,
        )


class _CountedStream:
    """A body passed on as it comes, counted: past the limit the application is told
    the client left (it stops parsing) and whatever it answers is dropped, the guard
    answers 413 instead."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.size = 0
        self.exceeded = False

    async def receive(self) -> Message:
        if self.exceeded:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.limit:
                self.exceeded = True
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if not self.exceeded:
            await self._send(message)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, then whatever comes next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _JSONRefusals:
    """Turns a plain-text 4xx answer into a JSON error with `extensions.code`."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = Headers(raw=message.get("headers", []))
            status = int(message["status"])
            if 400 <= status < 500 and headers.get("content-type", "").startswith("text/plain"):
                self.start = message
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            status = int(self.start["status"])
            kept = [
                (name, value)
                for name, value in self.start.get("headers", [])
                if name.lower() not in (b"content-type", b"content-length")
            ]
            text = b"".join(self.chunks).decode("utf-8", "replace").strip()
            await send_error(
                self.send,
                status,
                text or "Bad request",
                CODE_OF_STATUS.get(status, "BAD_USER_INPUT"),
                headers=kept,
            )
            return
        await self.send(message)


def metrics_refusal(headers: Headers, settings: Settings) -> Response | None:
    """None if /metrics may be served to this request, else the answer: 404 in
    production without METRICS_TOKEN, 401 without the token when one is set."""
    token = settings.metrics_token
    if not token:
        return PlainTextResponse("Not Found", status_code=404) if settings.is_production else None
    scheme, _, given = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return PlainTextResponse(
        "a bearer token is required", status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )
