"""Local stand-ins for what the channels talk to, started by the tests: an HTTP server
speaking the WeChat Work contract (gettoken, message/send, tokens that expire, errors
on demand), a webhook receiver that checks signatures and fails on demand, and an SMTP
server (aiosmtpd). Real sockets on 127.0.0.1; the service under test is a real
process that reaches them over the network."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _serve(handler: type[BaseHTTPRequestHandler], owner: Any) -> _Server:
    server = _Server(("127.0.0.1", 0), handler)
    server.owner = owner  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _reply(handler: BaseHTTPRequestHandler, status: int, document: Any) -> None:
    body = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@dataclass
class FakeWecom:
    """qyapi.weixin.qq.com as far as the service uses it."""

    corp_id: str = "wwfakecorp"
    corp_secret: str = field(default_factory=lambda: secrets.token_hex(8))
    # Seconds a token lives (the real one: 7200).
    token_lifetime: int = 7200
    # errcodes message/send answers with next, one each, before succeeding.
    send_errors: list[int] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0
    _tokens: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: _Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def received_by(self, touser: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["touser"] == touser]


class _WecomHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fake: FakeWecom = self.server.owner  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path != "/cgi-bin/gettoken":
            _reply(self, 404, {"errcode": 404, "errmsg": "no such api"})
            return
        if query.get("corpid") != fake.corp_id or query.get("corpsecret") != fake.corp_secret:
            _reply(self, 200, {"errcode": 40001, "errmsg": "invalid credential"})
            return
        token = secrets.token_hex(8)
        with fake._lock:
            fake._tokens[token] = time.monotonic() + fake.token_lifetime
            fake.tokens_issued += 1
        _reply(
            self,
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": token,
                "expires_in": fake.token_lifetime,
            },
        )

    def do_POST(self) -> None:
        fake: FakeWecom = self.server.owner  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if parts.path != "/cgi-bin/message/send":
            _reply(self, 404, {"errcode": 404, "errmsg": "no such api"})
            return
        with fake._lock:
            expires = fake._tokens.get(query.get("access_token", ""))
            if expires is None or expires < time.monotonic():
                _reply(self, 200, {"errcode": 42001, "errmsg": "access_token expired"})
                return
            if fake.send_errors:
                code = fake.send_errors.pop(0)
                _reply(self, 200, {"errcode": code, "errmsg": f"scripted error {code}"})
                return
            fake.messages.append(body)
        _reply(self, 200, {"errcode": 0, "errmsg": "ok", "msgid": secrets.token_hex(6)})


@dataclass
class FakeReceiver:
    """A webhook endpoint: checks each signature, answers the scripted statuses first."""

    secret: str = field(default_factory=lambda: secrets.token_hex(12))
    statuses: list[int] = field(default_factory=list)
    # When set, every request is answered with this status (a receiver that is down).
    down_with: int | None = None
    # Seconds each request takes before its answer (a slow or hanging endpoint).
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: _Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/aftersales"

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.received)


class _ReceiverHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        fake: FakeReceiver = self.server.owner  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with fake._lock:
            fake.requests += 1
        if fake.delay:
            time.sleep(fake.delay)
        with fake._lock:
            if fake.down_with is not None:
                status = fake.down_with
            elif fake.statuses:
                status = fake.statuses.pop(0)
            else:
                status = 200
            expected = "sha256=" + hmac.new(fake.secret.encode(), raw, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(expected, self.headers.get("X-Aftersales-Signature", ""))
            if not signed:
                fake.bad_signatures += 1
                status = 401
            if status == 200:
                fake.received.append(
                    {
                        "delivery": self.headers.get("X-Aftersales-Delivery"),
                        "event": self.headers.get("X-Aftersales-Event"),
                        "body": json.loads(raw),
                    }
                )
        _reply(self, status, {"ok": status == 200})


@dataclass
class FakeMailbox:
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {"to": list(envelope.rcpt_tos), "mail": message_from_bytes(envelope.content)}
        )
        return "250 Message accepted for delivery"


@contextmanager
def wecom(**kwargs: Any) -> Iterator[FakeWecom]:
    fake = FakeWecom(**kwargs)
    fake.server = _serve(_WecomHandler, fake)
    try:
        yield fake
    finally:
        fake.server.shutdown()


@contextmanager
def receiver(**kwargs: Any) -> Iterator[FakeReceiver]:
    fake = FakeReceiver(**kwargs)
    fake.server = _serve(_ReceiverHandler, fake)
    try:
        yield fake
    finally:
        fake.server.shutdown()


@contextmanager
def mailbox() -> Iterator[tuple[FakeMailbox, int]]:
    box = FakeMailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
