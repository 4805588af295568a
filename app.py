"""The Starlette application: GraphQL over HTTP and websockets, health and metrics."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from graphql import ExecutionResult, GraphQLError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from domain.errors import DomainError, ServiceUnavailable
from persistence.db import make_engine, make_sessionmaker
from persistence.storage import storage_from_url
from realtime.relay import Relay
from realtime.sockets import GuardedSockets, close_socket, watch_relay
from realtime.wire import ResultEncoder
from resolvers.automation.jobs import JOBS
from resolvers.automation.runner import JobRunner
from resolvers.channels.deliverer import Deliverer
from resolvers.context import Context, Deadline, Services
from resolvers.failures import as_unavailable
from schema.downloads import endpoints
from schema.http_guard import HTTPGuard, metrics_refusal
from schema.request_json import parse_request_json
from schema.root import build_schema
from settings import Settings, get_settings

log = logging.getLogger("aftersales")

# The reference clients (web/): /board, /m, their scripts, and the vendored libraries
# they and GraphiQL load, all served by this app (no CDN; web/vendor.py).
WEB_DIR = Path(__file__).resolve().parent / "web"
# The pages talk to this origin only (its websocket included: 'self' in CSP 3).
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class GraphQLApp(GuardedSockets, GraphQL[Context, None]):
    def __init__(self, services_ref: dict[str, Services], settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            keep_alive=True,
            keep_alive_interval=15,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            # Files by the GraphQL multipart request spec; schema.http_guard requires the
            # preflight header (no cross-site form posts) and streams the body.
            multipart_uploads_enabled=True,
        )
        self._services_ref = services_ref
        # Websocket limits: messages, handshakes, malformed frames, sends (realtime.sockets).
        self.guard_sockets(settings)
        self._settings = settings
        self._results = ResultEncoder(super().encode_json)  # type: ignore[arg-type]

    @property
    def graphql_ide_html(self) -> str:
        # GraphiQL from /static/vendor (web/graphiql.html), not strawberry's CDN page.
        return (WEB_DIR / "graphiql.html").read_text(encoding="utf-8")

    def encode_json(self, data: object) -> str:
        # Websocket messages: a result shared by many subscribers is encoded once.
        return self._results.encode(data)

    def parse_json(self, data: str | bytes) -> object:
        # Not UTF-8, or nesting past MAX_JSON_DEPTH: 400 (schema.request_json).
        max_depth = self._services_ref["services"].settings.max_json_depth
        parsed = parse_request_json(data, max_depth)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return parsed

    async def execute_operation(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # A request deadline: one slow request is answered SERVICE_UNAVAILABLE when its
        # time is up, instead of holding its client (and a worker) for as long as the
        # database makes it wait. The work is cancelled behind the answer (its rollback
        # may wait on the database; the client does not). Not once a change has begun
        # to commit: that answer waits for the commit.
        context: Context = kwargs["context"]
        context.deadline = deadline = Deadline()
        work = asyncio.ensure_future(self._execute_then_close(**kwargs))
        try:
            await asyncio.wait({work}, timeout=self._settings.request_timeout_seconds)
        except asyncio.CancelledError:
            work.cancel()
            raise
        if work.done() or deadline.lifted:
            return await work
        work.cancel()
        work.add_done_callback(_forget)
        log.warning("request over its deadline (%ss)", self._settings.request_timeout_seconds)
        return ExecutionResult(
            data=None,
            errors=[
                GraphQLError(
                    "the request took too long; retry shortly",
                    extensions={
                        "code": ServiceUnavailable.code,
                        "retryAfter": self._settings.retry_after_seconds,
                    },
                )
            ],
        )

    async def _execute_then_close(self, **kwargs: Any) -> Any:
        """The operation, then its uploads' spooled files closed (and so deleted) as
        soon as it is done with them, not whenever the collector gets to them."""
        try:
            return await super().execute_operation(**kwargs)
        finally:
            connection = kwargs["context"].connection
            if isinstance(connection, Request):
                await connection.close()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(self._services_ref["services"], request)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        # The user is resolved once, from the connection_init payload; a bad token closes 4403.
        try:
            await context.actor()
        except Exception as exc:
            unavailable = as_unavailable(exc, retry_after=self._settings.retry_after_seconds)
            if isinstance(exc, ServiceUnavailable) or unavailable is not None:
                # The database out of reach: "try again later" (4503), never "forbidden"
                # (a client would log out) nor a dropped socket (1006).
                await close_socket(context.connection, 4503, "service unavailable; retry")
                raise ConnectionRejectionError({"message": "unavailable"}) from exc
            if isinstance(exc, DomainError):
                raise ConnectionRejectionError({"message": exc.message}) from exc
            raise
        return None


def _forget(work: asyncio.Future[Any]) -> None:
    """A request cut off at its deadline ends behind its answer; what it ends with
    (cancelled, or a database error on the way out) is of no one's interest."""
    if not work.cancelled():
        work.exception()


class WebAssets(StaticFiles):
    """web/static, revalidated on each use (ETag / Last-Modified, then 304): a new page
    script or vendored version is picked up at once."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def web_page(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def page(_request: Request) -> Response:
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_CSP}
        return FileResponse(WEB_DIR / name, headers=headers)

    return page


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    services_ref: dict[str, Services] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
            statement_timeout=settings.db_statement_timeout_seconds,
        )
        sessionmaker = make_sessionmaker(engine)
        relay = Relay(
            sessionmaker,
            settings.broadcast_url,
            poll_interval=settings.event_poll_seconds,
            queue_size=settings.subscriber_queue_size,
        )
        await relay.start()
        watch_relay(relay)
        storage = storage_from_url(
            settings.files_dir, settings.files_s3_url, settings.files_s3_region
        )
        await storage.start()
        services = services_ref["services"] = Services(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            signing_key=settings.signing_key(),
            relay=relay,
            storage=storage,
        )
        runner = JobRunner(services, JOBS, settings.job_interval_seconds)
        if settings.run_jobs:
            await runner.start()
        deliverer = Deliverer(services, poll_seconds=settings.delivery_poll_seconds)
        if settings.run_deliveries:
            await deliverer.start()
        try:
            yield
        finally:
            await deliverer.stop()
            await runner.stop()
            await relay.stop()
            await storage.close()
            await engine.dispose()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            async with services_ref["services"].engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            # One line per probe: an outage probed every few seconds must not bury the log.
            log.warning("not ready: the database does not answer (%s)", type(exc).__name__)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def metrics(request: Request) -> Response:
        if (refused := metrics_refusal(request.headers, settings)) is not None:
            return refused
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    graphql = GraphQLApp(services_ref, settings)
    served = endpoints(lambda: services_ref["services"])
    return Starlette(
        routes=[
            Route("/files/{attachment_id}", served["file"], methods=["GET"]),
            Route("/files/{attachment_id}/thumbnail", served["file"], methods=["GET"]),
            Route("/tickets/{ticket_id}/report.pdf", served["report"], methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            # Plain clients of the public API: served in production too.
            Route("/board", web_page("board.html"), methods=["GET"]),
            Route("/m", web_page("m.html"), methods=["GET"]),
            # Beside app.py in a checkout or editable install (check_dir off: an install
            # without web/ still serves the API).
            Mount("/static", WebAssets(directory=WEB_DIR / "static", check_dir=False)),
        ],
        lifespan=lifespan,
        # Rate limit, body size, JSON refusals (schema.http_guard).
        middleware=[Middleware(HTTPGuard, settings=settings)],
    )


def app_factory() -> Starlette:
    """Entry point for `uvicorn --factory app:app_factory`."""
    logging.basicConfig(level=get_settings().log_level)
    app = create_app()
    tune_garbage_collection()
    return app


def tune_garbage_collection() -> None:
    """Fewer, cheaper collections in a serving process: what is loaded at start (the
    schema, the ORM's mappings) is moved out of the collector's sight, and the young
    generation is collected every 50,000 allocations instead of 700. At 1,000 live
    subscribers the default thresholds caused full collections of 0.4-0.9 s that
    stopped every delivery (bench/README.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 1000)
