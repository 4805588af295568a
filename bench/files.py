"""Files on PostgreSQL and local storage: upload and download throughput at K
concurrent clients, and the server's memory while large documents stream in.

Phases, against a real `aftersales serve` (FILES_DIR a temporary directory):

- large documents, first, on the fresh server (a process that has handled many uploads
  keeps freed heap it can reuse, which would hide a growth): --big-count uploads
  (default 50) of --big-mb MB documents (default 20), --big-concurrency at a time
  (default: 5 at a time, then all 50 at once), each on its own connection, while the
  server process's RSS is read from /proc/<pid>/status every 0.1 s: RSS before, the
  peak sampled, the kernel's high-water mark over the run (VmHWM, reset through
  /proc/<pid>/clear_refs first), right after and 2 s later; and the deleted files the
  server still holds open (multipart parts over 1 MiB are spooled to unlinked temporary
  files) before and 2 s after. The client streams each body from one shared buffer
  (httpx's multipart stream from a BytesIO over it, written to the socket chunk by
  chunk), so the client holds the 20 MB once, not 50 times.
- photo upload: K closed-loop clients (K keep-alive HTTP/1.1 connections, default 8)
  for --seconds after --warmup unmeasured seconds, each sending

      uploadAttachment(ticketId, file, kind: PHOTO) { id size contentType thumbnailUrl }

  as a GraphQL multipart request (built by httpx, as tests/e2e/files_helpers.py sends
  it, with `Apollo-Require-Preflight: true`). The photo is a real JPEG of ~1 MB: 1600x1200,
  a gradient with noise (so it does not compress to nothing), quality 90, with the EXIF
  a phone held upright writes (maker, time and zone, GPS, orientation 6). The server
  decodes it, reads the EXIF, turns it upright, re-encodes it without metadata and
  makes a thumbnail (resolvers.attachments.images), then stores both and moves the
  ticket (a new version, TICKET_ATTACHMENT_ADDED).
- document upload: the same with a 1 MB PDF (`%PDF-1.4` and random bytes), kind
  DOCUMENT: sniffed, hashed and copied to storage in chunks, never decoded.
- download: K clients GET /files/{id} with a bearer token, each time one of the 1 MB
  files uploaded above at random (photos as served and documents); every answer's
  length is checked against the size the upload returned.

The server's RSS is also printed at start and after each phase.

Every client is its own BACK_OFFICE user (the office may put files on any open
ticket) with its own IN_PROGRESS tickets, used in turn (FILES_MAX_PER_TICKET, 200 by
default, is never reached). The per-user rate limit is raised for the server
(HTTP_REQUESTS_PER_SECOND): it is a policy, not a cost, and would cap the downloads.
Every answer is checked (HTTP 200, no "errors"; a failure is counted and the first
printed); at the end the attachment rows are counted against the uploads answered.

Where a photo's time goes is also measured in this process: the real `prepare_image`
on the same photo, then its steps one by one (decode, EXIF transpose, re-encode,
thumbnail), next to the server's CPU per photo upload.

    .venv/bin/python bench/files.py                    # 50 x 20 MB twice, then K = 8, 3 phases of 10 s (~60 s)
    .venv/bin/python bench/files.py --seconds 3 --warmup 1 --json out.json

Starts everything itself: a scratch database (BENCH_DATABASE_URL names the admin
database, default postgresql+asyncpg://postgres@127.0.0.1:5432/test; dropped at the
end), `aftersales migrate`, the users and tickets (ORM inserts), the server on a free
port. Prints figures; asserts nothing about speed. MB here is 10^6 bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import secrets
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from board import process_cpu
from harness import (
    Process,
    dump_json,
    fetch_value,
    loadavg,
    machine,
    percentile,
    print_machine,
    run_cli,
    scratch_database,
    service_env,
    start_app_server,
    time_budget,
    workdir,
)

UPLOAD = """mutation U($ticketId: ID!, $file: Upload!, $kind: AttachmentKind!, $note: String) {
  uploadAttachment(ticketId: $ticketId, file: $file, kind: $kind, note: $note) {
    id size contentType thumbnailUrl
  }
}"""

PREFLIGHT = {"Apollo-Require-Preflight": "true"}
MB = 1_000_000
PHOTO_SIZE = (1600, 1200)


# -- data ------------------------------------------------------------------------------


@dataclass
class World:
    users: list[int]  # one BACK_OFFICE user per client
    tickets: list[list[int]]  # per client, its IN_PROGRESS tickets


async def seed(database_url: str, *, clients: int, tickets: int) -> World:
    from sqlalchemy import insert, select

    from persistence.db import make_engine, make_sessionmaker
    from persistence.models import Customer, Ticket, User
    from persistence.types import utcnow

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            session.info["actor_id"] = None
            now = utcnow()

            def user(username: str, role: str) -> User:
                return User(
                    username=username,
                    display_name=username.replace("-", " ").title(),
                    role=role,
                    password_hash="not-a-login",
                )

            office = [user(f"bench-office-{i:02d}", "BACK_OFFICE") for i in range(clients)]
            engineer = user("bench-engineer", "ENGINEER")
            customer = Customer(code="BC-00001", name="苏州精密机械有限公司")
            session.add_all([*office, engineer, customer])
            await session.flush()
            rows = [
                {
                    "number": f"T-2026-F{c:02d}{t:04d}",
                    "kind": "REPAIR",
                    "status": "IN_PROGRESS",
                    "severity": 2,
                    "source": "PHONE",
                    "customer_id": customer.id,
                    "description": f"alarm SRVO-{t % 400:03d} on axis {t % 6 + 1}",
                    "assignee_id": engineer.id,
                    "dispatched_at": now,
                    "accepted_at": now,
                    "started_at": now,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for c in range(clients)
                for t in range(tickets)
            ]
            await session.execute(insert(Ticket), rows)
            by_number = dict((await session.execute(select(Ticket.number, Ticket.id))).all())
            return World(
                users=[u.id for u in office],
                tickets=[
                    [by_number[f"T-2026-F{c:02d}{t:04d}"] for t in range(tickets)]
                    for c in range(clients)
                ],
            )
    finally:
        await engine.dispose()


async def attachment_count(dsn: str) -> int:
    return int(await fetch_value(dsn, "SELECT count(*) FROM attachments"))


def global_id(type_name: str, pk: int) -> str:
    from resolvers.ids import encode_id

    return encode_id(type_name, pk)


# -- the files ----------------------------------------------------------------------------


def photo(seed: int = 7) -> bytes:
    """A 1600x1200 JPEG of ~1 MB at quality 90 with a phone's EXIF (orientation 6: held
    upright, so the server turns it)."""
    from PIL import Image
    from PIL.ExifTags import GPS, IFD, Base

    width, height = PHOTO_SIZE
    rng = random.Random(seed)
    gradient = Image.linear_gradient("L").resize(PHOTO_SIZE)
    base = Image.merge(
        "RGB",
        (gradient, gradient.rotate(90).resize(PHOTO_SIZE), Image.new("L", PHOTO_SIZE, 90)),
    )
    noise = Image.frombytes("RGB", PHOTO_SIZE, rng.randbytes(width * height * 3))
    image = Image.blend(base, noise, 0.3)
    exif = Image.Exif()
    exif[Base.Make] = "SecretPhone"
    exif[Base.Model] = "SP-14 Pro"
    exif[Base.Orientation] = 6
    exif[IFD.Exif] = {
        Base.DateTimeOriginal: "2026:11:30 09:15:00",
        Base.OffsetTimeOriginal: "+08:00",
    }
    exif[IFD.GPSInfo] = {
        GPS.GPSLatitudeRef: "N",
        GPS.GPSLatitude: (31.0, 13.0, 48.0),
        GPS.GPSLongitudeRef: "E",
        GPS.GPSLongitude: (121.0, 28.0, 12.0),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def pdf(size: int, seed: int = 11) -> bytes:
    head = b"%PDF-1.4\n"
    return head + random.Random(seed).randbytes(size - len(head))


def upload_request(
    port: int, token: str, ticket_gid: str, kind: str, name: str, source: Any, content_type: str
) -> httpx.Request:
    """The GraphQL multipart request as httpx builds it (tests/e2e/files_helpers.py);
    `source` bytes or a file object (streamed)."""
    variables = {"ticketId": ticket_gid, "kind": kind, "note": None, "file": None}
    return httpx.Request(
        "POST",
        f"http://127.0.0.1:{port}/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": variables}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (name, source, content_type)},
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            **PREFLIGHT,
        },
    )


# -- HTTP on bare streams ------------------------------------------------------------------


class HTTPError(RuntimeError):
    def __init__(self, status: str, body: bytes) -> None:
        super().__init__(f"{status}: {body[:300]!r}")


async def read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, rest = head.partition(b"\r\n")
    length = -1
    chunked = False
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    else:
        body = await reader.readexactly(length)
    if not status_line.startswith(b"HTTP/1.1 200"):
        raise HTTPError(status_line.decode(), body)
    return body


async def send_request(writer: asyncio.StreamWriter, request: httpx.Request) -> int:
    """Writes `request` (head, then its body stream chunk by chunk); returns body bytes."""
    target = request.url.raw_path.decode()
    head = [f"{request.method} {target} HTTP/1.1"]
    head += [f"{name}: {value}" for name, value in request.headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = 0
    for chunk in request.stream:  # type: ignore[union-attr]
        writer.write(chunk)
        sent += len(chunk)
        if writer.transport.get_write_buffer_size() > 1024 * 1024:
            await writer.drain()
    await writer.drain()
    return sent


def upload_answer(body: bytes) -> dict[str, Any]:
    answer = json.loads(body)
    if answer.get("errors"):
        raise RuntimeError(json.dumps(answer["errors"])[:400])
    return answer["data"]["uploadAttachment"]


# -- closed-loop phases -------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    bytes_moved: int = 0  # file bytes (request file part or response body), measured only
    failures: int = 0
    first_failure: str = ""
    answered: int = 0  # warm-up included
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes_moved / MB / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "phase": self.name,
            "clients": self.clients,
            "calls": n,
            "failures": self.failures,
            "first_failure": self.first_failure or None,
            "per_second": round(self.rate, 1),
            "mb_per_second": round(self.mb_per_s, 1),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(self.latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 1),
            "server_cpu_ms_per_call": round(self.server_cpu / n * 1000, 1) if n else None,
            "server_cpu_cores": round(self.server_cpu / self.elapsed, 2) if self.elapsed else None,
            "client_cpu_cores": round(self.client_cpu / self.elapsed, 2) if self.elapsed else None,
            "answered_incl_warmup": self.answered,
        }


# One call on client i's connection: returns the file bytes it moved.
Call = Callable[[int, int, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[int]]


async def drive(server: Process, call: Call, phase: Phase, warmup: float) -> Phase:
    port = server.port
    measuring = False
    stop = False

    async def worker(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n = 0
        try:
            while not stop:
                started = time.perf_counter()
                counted = measuring
                try:
                    moved = await call(i, n, reader, writer)
                except Exception as exc:
                    phase.failures += 1
                    phase.first_failure = phase.first_failure or repr(exc)
                    # The connection may be closed or mid-answer: start a new one.
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                finally:
                    n += 1
                phase.answered += 1
                if counted and measuring:
                    phase.latencies.append(time.perf_counter() - started)
                    phase.bytes_moved += moved
        finally:
            writer.close()

    tasks = [asyncio.create_task(worker(i)) for i in range(phase.clients)]
    await asyncio.sleep(warmup)
    measuring = True
    pid = server.popen.pid
    cpu0, wall0, server0 = time.process_time(), time.perf_counter(), process_cpu(pid)
    await asyncio.sleep(phase.seconds)
    measuring = False
    phase.server_cpu = process_cpu(pid) - server0
    phase.elapsed = time.perf_counter() - wall0
    phase.client_cpu = time.process_time() - cpu0
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    return phase


@dataclass
class Stored:
    id: str
    size: int
    kind: str


def upload_call(
    server: Process,
    tokens: list[str],
    tickets: list[list[str]],
    kind: str,
    name: str,
    content: bytes,
    content_type: str,
    stored: list[Stored],
) -> Call:
    async def call(
        i: int, n: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> int:
        ticket = tickets[i][n % len(tickets[i])]
        request = upload_request(server.port, tokens[i], ticket, kind, name, content, content_type)
        await send_request(writer, request)
        made = upload_answer(await read_response(reader))
        stored.append(Stored(made["id"], int(made["size"]), kind))
        return len(content)

    return call


def download_call(server: Process, tokens: list[str], files: list[Stored]) -> Call:
    rngs: dict[int, random.Random] = {}

    async def call(
        i: int, n: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> int:
        rng = rngs.setdefault(i, random.Random(i))
        chosen = rng.choice(files)
        writer.write(
            (
                f"GET /files/{chosen.id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                f"Authorization: Bearer {tokens[i]}\r\n\r\n"
            ).encode()
        )
        body = await read_response(reader)
        if len(body) != chosen.size:
            raise RuntimeError(f"{chosen.id}: {len(body)} bytes served, {chosen.size} stored")
        return len(body)

    return call


# -- memory -------------------------------------------------------------------------------


def server_pids(pid: int) -> list[int]:
    """The server process and its children (uvicorn workers, if there were several)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return pids


def status_kib(pid: int, key: str) -> int:
    """VmRSS / VmHWM (KiB) summed over the server process and its children."""
    total = 0
    for p in server_pids(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
    return total


def deleted_open_files(pid: int) -> tuple[int, int]:
    """(count, bytes) of deleted files the server still holds open: spooled multipart
    parts (temporary files, unlinked at creation) that nothing has closed yet."""
    count = size = 0
    for p in server_pids(pid):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{p}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{p}/fd/{fd}").endswith("(deleted)"):
                        count += 1
                        size += os.stat(f"/proc/{p}/fd/{fd}").st_size
    return count, size


def reset_high_water_mark(pid: int) -> bool:
    ok = True
    for p in server_pids(pid):
        try:
            Path(f"/proc/{p}/clear_refs").write_text("5")
        except OSError:
            ok = False
    return ok


class RSSSampler:
    """VmRSS of the server every `interval` seconds, in a thread."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int]] = []  # (seconds since start, KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.perf_counter()
        while not self._stop.is_set():
            self.samples.append((time.perf_counter() - start, status_kib(self.pid, "VmRSS")))
            self._stop.wait(self.interval)

    def __enter__(self) -> RSSSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Big:
    count: int
    size: int
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str = ""
    elapsed: float = 0.0
    server_cpu: float = 0.0
    rss_before_kib: int = 0
    rss_peak_kib: int = 0
    hwm_kib: int | None = None
    rss_after_kib: int = 0
    rss_settled_kib: int = 0
    held_before: tuple[int, int] = (0, 0)
    held_after: tuple[int, int] = (0, 0)
    samples: list[tuple[float, int]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "count": self.count,
            "bytes_each": self.size,
            "concurrency": self.concurrency,
            "answered": n,
            "failures": self.failures,
            "first_failure": self.first_failure or None,
            "seconds": round(self.elapsed, 2),
            "latencies_ms": [round(t * 1000) for t in self.latencies],
            "server_cpu_ms_per_upload": round(self.server_cpu / n * 1000, 1) if n else None,
            "rss_before_kib": self.rss_before_kib,
            "rss_peak_sampled_kib": self.rss_peak_kib,
            "rss_high_water_kib": self.hwm_kib,
            "rss_after_kib": self.rss_after_kib,
            "rss_settled_kib": self.rss_settled_kib,
            "deleted_files_held_open_before": self.held_before,
            "deleted_files_held_open_after": self.held_after,
            "rss_samples": [(round(t, 2), kib) for t, kib in self.samples],
        }


async def big_uploads(
    server: Process, tokens: list[str], tickets: list[list[str]], big: Big, content: bytes
) -> None:
    """`big.count` uploads of `content`, `big.concurrency` at a time, each on its own
    connection; each body streamed from a BytesIO over the one shared buffer."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(big.count):
        queue.put_nowait(n)

    async def worker(i: int) -> None:
        token = tokens[i % len(tokens)]
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            ticket = tickets[i % len(tickets)][n % len(tickets[0])]
            request = upload_request(
                server.port,
                token,
                ticket,
                "DOCUMENT",
                f"manual-{n:02d}.pdf",
                io.BytesIO(content),  # shares `content`'s buffer until written to
                "application/pdf",
            )
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                try:
                    await send_request(writer, request)
                    made = upload_answer(await read_response(reader))
                finally:
                    writer.close()
                if int(made["size"]) != len(content):
                    raise RuntimeError(f"stored {made['size']} bytes of {len(content)}")
            except Exception as exc:
                big.failures += 1
                big.first_failure = big.first_failure or repr(exc)
                continue
            big.latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker(i) for i in range(big.concurrency)))


def memory_phase(server: Process, tokens: list[str], tickets: list[list[str]], big: Big) -> None:
    pid = server.popen.pid
    content = pdf(big.size, seed=23)
    time.sleep(1.0)  # let the start (or the last run's connections and threads) settle
    big.rss_before_kib = status_kib(pid, "VmRSS")
    big.held_before = deleted_open_files(pid)
    hwm_reset = reset_high_water_mark(pid)
    server0, wall0 = process_cpu(pid), time.perf_counter()
    with RSSSampler(pid) as sampler:
        asyncio.run(big_uploads(server, tokens, tickets, big, content))
    big.elapsed = time.perf_counter() - wall0
    big.server_cpu = process_cpu(pid) - server0
    big.samples = sampler.samples
    big.rss_peak_kib = max(kib for _, kib in sampler.samples)
    big.hwm_kib = status_kib(pid, "VmHWM") if hwm_reset else None
    big.rss_after_kib = status_kib(pid, "VmRSS")
    time.sleep(2.0)
    big.rss_settled_kib = status_kib(pid, "VmRSS")
    big.held_after = deleted_open_files(pid)


# -- where a photo's time goes, in this process ---------------------------------------------


def photo_breakdown(content: bytes, repeat: int) -> dict[str, float]:
    """ms per photo: the real prepare_image, then its steps one by one."""
    from datetime import UTC, datetime

    from PIL import Image, ImageOps

    from resolvers.attachments import images

    now = datetime.now(UTC)

    def timed(fn: Callable[[], object]) -> float:
        fn()  # warm
        started = time.perf_counter()
        for _ in range(repeat):
            fn()
        return (time.perf_counter() - started) / repeat * 1000

    def prepare() -> object:
        return images.prepare_image(
            io.BytesIO(content),
            "image/jpeg",
            "photo.jpg",
            max_pixels=50_000_000,
            zone="Asia/Shanghai",
            now=now,
        )

    def decode() -> Image.Image:
        image = Image.open(io.BytesIO(content))
        image.getexif()
        image.load()
        return image

    decoded = decode()
    upright = ImageOps.exif_transpose(decoded)

    def thumbnail() -> bytes:
        thumb = upright.copy()
        thumb.thumbnail(images.THUMBNAIL_SIZE)
        return images._encode(thumb, "JPEG")

    encoded = images._encode(upright, "JPEG")
    return {
        "prepare_image": timed(prepare),
        "decode (open, EXIF, load)": timed(decode),
        "turn upright (exif_transpose)": timed(lambda: ImageOps.exif_transpose(decoded)),
        "re-encode (as served: JPEG quality 90)": timed(lambda: images._encode(upright, "JPEG")),
        "thumbnail (resize + encode)": timed(thumbnail),
        "served size (bytes)": float(len(encoded)),
    }


# -- main ----------------------------------------------------------------------------------


def kib_mb(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description="File upload/download benchmark (prints figures).")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (K)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured, per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured, per phase")
    parser.add_argument("--tickets-per-client", type=int, default=20)
    parser.add_argument(
        "--doc-mb", type=float, default=1.0, help="document size (upload and download phases)"
    )
    parser.add_argument("--big-count", type=int, default=50, help="large documents uploaded")
    parser.add_argument("--big-mb", type=float, default=20.0, help="their size")
    parser.add_argument(
        "--big-concurrency",
        type=int,
        nargs="+",
        default=[5, 50],
        help="uploads at a time; one run of --big-count uploads per value",
    )
    parser.add_argument("--breakdown-repeat", type=int, default=10)
    parser.add_argument("--budget", type=float, default=300.0, help="hard limit for the run (s)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    k = args.clients

    from resolvers.accounts.tokens import issue_token

    with time_budget(args.budget), workdir() as cwd, scratch_database() as db:
        print_machine("bench/files.py: uploads, downloads, memory while large files stream")
        print(
            f"   scratch database {db.name}; {k} clients (one BACK_OFFICE user each), "
            f"{args.tickets_per_client} IN_PROGRESS tickets per client; local storage in "
            f"{cwd / 'files'}"
        )
        secret = secrets.token_urlsafe(36)
        run_cli("migrate", env=service_env(DATABASE_URL=db.url), cwd=cwd)
        world = asyncio.run(seed(db.url, clients=k, tickets=args.tickets_per_client))
        tokens = [
            issue_token(secret, user_id=u, token_version=1, ttl_minutes=60) for u in world.users
        ]
        tickets = [[global_id("Ticket", t) for t in ts] for ts in world.tickets]

        the_photo = photo()
        the_pdf = pdf(int(args.doc_mb * MB))
        print(
            f"   photo: {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG q90 with EXIF, "
            f"{len(the_photo):,} bytes; document: {len(the_pdf):,} bytes"
        )
        breakdown = photo_breakdown(the_photo, args.breakdown_repeat)
        print(f"\nA photo in this process (ms, mean of {args.breakdown_repeat}):")
        for step, value in breakdown.items():
            shown = f"{value:,.0f}" if step.startswith("served") else f"{value:.1f}"
            print(f"   {step}: {shown}")

        api = start_app_server(
            "api",
            database_url=db.url,
            secret_key=secret,
            workdir=cwd,
            extra_env={
                "FILES_DIR": str(cwd / "files"),
                "HTTP_REQUESTS_PER_SECOND": "1000000",
                "HTTP_BURST": "1000000",
            },
        )
        pid = api.popen.pid
        rss_start = status_kib(pid, "VmRSS")
        stored: list[Stored] = []
        bigs = [Big(args.big_count, int(args.big_mb * MB), c) for c in args.big_concurrency]
        rss_after: dict[str, int] = {}
        try:
            # First, on a fresh server: a process that has handled many uploads keeps
            # freed heap it could reuse, which would hide a growth.
            for big in bigs:
                memory_phase(api, tokens, tickets, big)
                print(
                    f"   large documents, {big.concurrency} at a time: {len(big.latencies)} "
                    f"in {big.elapsed:.1f} s (load average {loadavg()})"
                )
                rss_after[f"{big.concurrency} large documents at a time"] = big.rss_settled_kib
            photos = asyncio.run(
                drive(
                    api,
                    upload_call(
                        api,
                        tokens,
                        tickets,
                        "PHOTO",
                        "现场照片.jpg",
                        the_photo,
                        "image/jpeg",
                        stored,
                    ),
                    Phase("upload photo", k, args.seconds),
                    args.warmup,
                )
            )
            rss_after[photos.name] = status_kib(pid, "VmRSS")
            print(f"   photos: {photos.rate:.1f} uploads/s (load average {loadavg()})")
            docs = asyncio.run(
                drive(
                    api,
                    upload_call(
                        api,
                        tokens,
                        tickets,
                        "DOCUMENT",
                        "说明书.pdf",
                        the_pdf,
                        "application/pdf",
                        stored,
                    ),
                    Phase("upload document", k, args.seconds),
                    args.warmup,
                )
            )
            rss_after[docs.name] = status_kib(pid, "VmRSS")
            print(f"   documents: {docs.rate:.1f} uploads/s (load average {loadavg()})")
            files = list(stored)
            downloads = asyncio.run(
                drive(
                    api,
                    download_call(api, tokens, files),
                    Phase("download", k, args.seconds),
                    args.warmup,
                )
            )
            rss_after[downloads.name] = status_kib(pid, "VmRSS")
            print(f"   downloads: {downloads.rate:.1f} requests/s (load average {loadavg()})")
        finally:
            api.stop()

        rows = asyncio.run(attachment_count(db.dsn))
        uploaded = photos.answered + docs.answered + sum(len(b.latencies) for b in bigs)
        on_disk = sum(len(names) for _, _, names in os.walk(cwd / "files"))
        print(
            f"\nAttachment rows: {rows} for {uploaded} uploads answered: "
            + ("ok" if rows == uploaded else "MISMATCH")
            + f"; files in FILES_DIR: {on_disk} (a photo is two: itself and its thumbnail)"
        )

        phases = [photos, docs, downloads]
        print(
            f"\n| phase (K = {k}, {args.seconds:.0f} s) | calls | per s | MB/s | "
            "p50 / p95 / p99 ms | failures | server CPU ms per call | server CPU (cores) | "
            "client CPU (cores) |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for p in phases:
            s = p.summary()
            print(
                f"| {p.name} | {len(p.latencies)} | {p.rate:.1f} | {p.mb_per_s:.1f} | "
                f"{s['p50_ms']:.0f} / {s['p95_ms']:.0f} / {s['p99_ms']:.0f} | {p.failures} | "
                f"{s['server_cpu_ms_per_call']} | {s['server_cpu_cores']} | "
                f"{s['client_cpu_cores']} |"
            )
        served_photos = [f.size for f in files if f.kind == "PHOTO"]
        if served_photos:
            print(
                f"   photos as served: {statistics.mean(served_photos):,.0f} bytes on average "
                f"(sent: {len(the_photo):,}); the downloads were "
                f"{sum(f.kind == 'PHOTO' for f in files)} photos and "
                f"{sum(f.kind == 'DOCUMENT' for f in files)} documents, picked at random"
            )
        for p in phases:
            if p.failures:
                print(f"   {p.name}: {p.failures} failures; the first: {p.first_failure}")

        print(
            f"\nServer RSS: at start {kib_mb(rss_start)}; after "
            + ", after ".join(f"{name} {kib_mb(kib)}" for name, kib in rss_after.items())
        )

        def row(title: str, cell: Callable[[Big], str]) -> None:
            print(f"| {title} | " + " | ".join(cell(b) for b in bigs) + " |")

        def grew(kib: int, big: Big) -> str:
            return f"{kib_mb(kib)} (+{(kib - big.rss_before_kib) / 1024:.0f})"

        print(
            f"\n| {args.big_count} documents of {args.big_mb:.0f} MB | "
            + " | ".join(f"{b.concurrency} at a time" for b in bigs)
            + " |\n|---|"
            + "---|" * len(bigs)
        )
        row("uploads answered / failed", lambda b: f"{len(b.latencies)} / {b.failures}")
        row(
            "wall time; MB/s",
            lambda b: f"{b.elapsed:.1f} s; {len(b.latencies) * b.size / MB / b.elapsed:.0f} MB/s",
        )
        row(
            "per upload p50 / max",
            lambda b: (
                f"{ms_int(percentile(b.latencies, 50))} / {ms_int(max(b.latencies))} ms"
                if b.latencies
                else "-"
            ),
        )
        row(
            "server CPU per upload",
            lambda b: f"{b.server_cpu / len(b.latencies) * 1000:.0f} ms" if b.latencies else "-",
        )
        row(
            "bytes in flight (concurrency x size)",
            lambda b: f"{b.concurrency * b.size / MB:,.0f} MB",
        )
        row("server RSS before", lambda b: kib_mb(b.rss_before_kib))
        row("peak RSS, sampled every 0.1 s", lambda b: grew(b.rss_peak_kib, b))
        row(
            "peak RSS, kernel high-water mark (VmHWM)",
            lambda b: "n/a" if b.hwm_kib is None else grew(b.hwm_kib, b),
        )
        row(
            "RSS right after / 2 s later",
            lambda b: f"{kib_mb(b.rss_after_kib)} / {kib_mb(b.rss_settled_kib)}",
        )
        row("RSS samples", lambda b: str(len(b.samples)))
        row(
            "deleted temp files the server holds open, before / 2 s after",
            lambda b: (
                f"{b.held_before[0]} ({b.held_before[1] / MB:,.0f} MB) / "
                f"{b.held_after[0]} ({b.held_after[1] / MB:,.0f} MB)"
            ),
        )
        for b in bigs:
            if b.failures:
                print(
                    f"   {b.concurrency} at a time: {b.failures} failed; the first: {b.first_failure}"
                )

        dump_json(
            args.json,
            {
                "machine": machine(),
                "clients": k,
                "photo_bytes": len(the_photo),
                "document_bytes": len(the_pdf),
                "photo_breakdown_ms": {k2: round(v, 2) for k2, v in breakdown.items()},
                "phases": [p.summary() for p in phases],
                "rss_start_kib": rss_start,
                "rss_after_phase_kib": rss_after,
                "large_documents": [b.summary() for b in bigs],
                "attachment_rows": rows,
                "uploads_answered": uploaded,
                "load_after": loadavg(),
            },
        )


def ms_int(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
