"""The floor for `bench/fanout.py`: a plain `websockets` server that speaks just enough
graphql-transport-ws (connection_init -> connection_ack, subscribe) and, when told to
over HTTP, sends one `next` message of the same shape and size as the API's
ticketEvents message to every subscribed socket (`websockets.broadcast`). No GraphQL,
no database, no authentication: what delivering the payload costs by itself.

    GET /trigger?sequence=7&version=8&assignee=VXNlcjoy   stamps `at`, broadcasts
    GET /stats                                            {"subscribed": N}
    GET /healthz

Run by fanout.py (one per API server process); by hand:

    .venv/bin/python bench/floor_ws.py --port 8200 --ticket VGlja2V0OjE
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.asyncio.server import Request, Response, ServerConnection, serve

SUBSCRIBED: set[ServerConnection] = set()
# The one subscription id every benchmark client uses ("1"): one frame fits every socket.
SUBSCRIPTION_ID = "1"


def message(ticket: str, sequence: int, version: int, assignee: str, kind: str) -> str:
    event = {
        "sequence": sequence,
        "type": kind,
        "at": datetime.now(UTC).isoformat(),
        "ticket": {
            "id": ticket,
            "status": "DISPATCHED",
            "version": version,
            "assignee": {"id": assignee},
        },
    }
    return json.dumps(
        {"id": SUBSCRIPTION_ID, "type": "next", "payload": {"data": {"ticketEvents": event}}}
    )


async def handler(ws: ServerConnection) -> None:
    try:
        init = json.loads(await ws.recv())
        if init.get("type") != "connection_init":
            await ws.close(4400, "connection_init expected")
            return
        await ws.send(json.dumps({"type": "connection_ack"}))
        async for raw in ws:
            msg = json.loads(raw)
            kind = msg.get("type")
            if kind == "subscribe":
                SUBSCRIBED.add(ws)
            elif kind == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif kind == "complete":
                SUBSCRIBED.discard(ws)
    except websockets.ConnectionClosed:
        pass
    finally:
        SUBSCRIBED.discard(ws)


def make_process_request(
    ticket: str,
) -> Callable[[ServerConnection, Request], Response | None]:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path == "/healthz":
            return connection.respond(HTTPStatus.OK, "ok\n")
        if url.path == "/stats":
            return connection.respond(HTTPStatus.OK, json.dumps({"subscribed": len(SUBSCRIBED)}))
        if url.path == "/trigger":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            frame = message(
                ticket,
                int(query["sequence"]),
                int(query.get("version", "1")),
                query.get("assignee", ""),
                query.get("type", "TICKET_REASSIGNED"),
            )
            websockets.broadcast(SUBSCRIBED, frame)
            return connection.respond(HTTPStatus.OK, json.dumps({"sent": len(SUBSCRIBED)}))
        return None  # a websocket handshake

    return process_request


async def main(port: int, ticket: str) -> None:
    async with serve(
        handler,
        "127.0.0.1",
        port,
        subprotocols=["graphql-transport-ws"],
        process_request=make_process_request(ticket),
        # As uvicorn is run by `aftersales serve`: pings every 20 s.
        ping_interval=20,
        ping_timeout=20,
        compression=None,
        backlog=4096,
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="fan-out floor: plain websockets")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ticket", default="VGlja2V0OjE", help="ticket global id in payloads")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.port, args.ticket))
    except ImportError:
        asyncio.run(main(args.port, args.ticket))
