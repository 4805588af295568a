"""The floor for `bench/board.py`: the dispatcher board's rows fetched with raw asyncpg
and serialised to JSON, served by a minimal Starlette app on the same uvicorn stack
(same ping settings, same log level) as `aftersales serve`.

It answers POST /graphql with the same JSON document the real API returns for the
board query (same 50 rows, same columns, same global ids, same totalCount) but with
no GraphQL, no ORM and no authentication: one connection from the pool, one COUNT
and one joined page query. Run by board.py; by hand:

    .venv/bin/python bench/floor_app.py --port 8100 --dsn postgresql://postgres@127.0.0.1/db
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

STATUSES = ["DISPATCHED", "ACCEPTED", "IN_PROGRESS"]
KINDS = ["REPAIR", "MAINTENANCE", "INSTALLATION"]

COUNT = """
SELECT count(*) FROM tickets
WHERE kind = ANY($1::varchar[]) AND status = ANY($2::varchar[])
"""
PAGE = """
SELECT t.id, t.number, t.kind, t.status, t.severity, t.version,
       c.id AS customer_id, c.name AS customer_name,
       d.id AS device_id, d.serial_number, d.model,
       u.id AS assignee_id, u.display_name
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN devices d ON d.id = t.device_id
LEFT JOIN users u ON u.id = t.assignee_id
WHERE t.kind = ANY($1::varchar[]) AND t.status = ANY($2::varchar[])
ORDER BY t.id DESC
LIMIT $3
"""


def gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def node(row: asyncpg.Record) -> dict[str, Any]:
    device = row["device_id"]
    assignee = row["assignee_id"]
    return {
        "id": gid("Ticket", row["id"]),
        "number": row["number"],
        "kind": row["kind"],
        "status": row["status"],
        "severity": row["severity"],
        "version": row["version"],
        "customer": {"id": gid("Customer", row["customer_id"]), "name": row["customer_name"]},
        "device": None
        if device is None
        else {
            "id": gid("Device", device),
            "serialNumber": row["serial_number"],
            "model": row["model"],
        },
        "assignee": None
        if assignee is None
        else {"id": gid("User", assignee), "displayName": row["display_name"]},
    }


def create_app(dsn: str, pool_size: int, max_pool: int) -> Starlette:
    state: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The same pool bounds as the application's engine (10 + 20 overflow).
        state["pool"] = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=max_pool)
        try:
            yield
        finally:
            await state["pool"].close()

    async def board(request: Request) -> Response:
        # Read and decode the body as a GraphQL server must (the query itself is ignored).
        body = json.loads(await request.body())
        first = int((body.get("variables") or {}).get("first", 50))
        async with state["pool"].acquire() as conn:
            total = await conn.fetchval(COUNT, KINDS, STATUSES)
            rows = await conn.fetch(PAGE, KINDS, STATUSES, first)
        edges = [{"node": node(row)} for row in rows]
        return JSONResponse({"data": {"tickets": {"totalCount": total, "edges": edges}}})

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/graphql", board, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True, help="postgresql://... (asyncpg)")
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--max-pool", type=int, default=30)
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.dsn, args.pool_size, args.max_pool),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ws_ping_interval=20,
        ws_ping_timeout=20,
    )


if __name__ == "__main__":
    main()
