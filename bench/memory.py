"""Memory of the API server with live subscribers (issue 13, point 4).

1. Idle subscribers: the server's RSS (VmRSS, and the kernel's high-water mark VmHWM,
   from /proc/<pid>/status) with no subscriber after a warm-up (a few subscribers, a
   few changes, then closed), then with N idle subscribers of

       subscription { ticketEvents(since: <last>) { sequence type at ticket { id status
                                                     version assignee { id } } } }

   (graphql-transport-ws, one dispatcher user each, as bench/fanout.py subscribes them):
   RSS per idle subscriber (KiB) and per 1,000 (MiB).
2. A soak: with the first level's subscribers (default 1,000) connected, steady writes
   (dispatchTicket over HTTP alternating between two engineers with expectedVersion, as
   fanout.py makes them, --rate per second, default 5, each delivered to every
   subscriber) for --soak-minutes (default 30), the server's RSS sampled every
   --sample-seconds (10). Prints RSS at the start, after each fifth, at the end; the
   slope by least squares over the second half (MiB per 10 minutes); deliveries
   expected / received (every subscriber must get every event: counted per sequence and
   per subscriber in the client processes); the server's CPU.
3. Further levels (`--subscribers 1000 5000`): after the soak, more idle subscribers are
   added to reach each level (the soak's stay connected) and RSS is read again. They
   come after the soak on purpose: memory freed by closing thousands of sockets would
   stay in the allocator and could hide growth during the soak.

    .venv/bin/python bench/memory.py                              # 1,000 idle; 30-min soak (~32 min)
    .venv/bin/python bench/memory.py --soak-minutes 10            # ~12 min
    .venv/bin/python bench/memory.py --subscribers 1000 5000      # and 5,000 idle after the soak

The client processes (uvloop) count deliveries without keeping them (fanout.py keeps
every receipt to time it; 1,000 subscribers x 5 events/s for 30 minutes would be nine
million). Starts and stops everything itself (scratch database from
BENCH_DATABASE_URL, dropped at the end, also when interrupted or out of --budget).
Prints figures; asserts nothing about speed or memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import re
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from multiprocessing.connection import Connection
from typing import Any

from channels import describe_code
from fanout import (
    ApiTrigger,
    World,
    check_connection_headroom,
    close_all,
    last_sequence,
    process_cpu,
    run_client,
    seed,
    subscribe_all,
)
from files import reset_high_water_mark, status_kib
from harness import (
    Process,
    dump_json,
    fetch_value,
    loadavg,
    machine,
    print_machine,
    run_cli,
    scratch_database,
    service_env,
    start_app_server,
    time_budget,
    workdir,
)

SEQUENCE = re.compile(r'"sequence":\s*(\d+)')
WARMUP_SUBSCRIBERS = 20
WARMUP_CHANGES = 3


# -- client processes -------------------------------------------------------------------------


def client_process(
    slot: int,
    targets: list[tuple[str, str]],
    since: int,
    counts: Any,
    pipe: Connection,
    connect_concurrency: int,
) -> None:
    """Holds `targets` (ws url, token) subscriptions and counts each `next` into
    counts[slot]; answers "report" (and stays) or "stop" (closes, then reports)."""
    run_client(_client(slot, targets, since, counts, pipe, connect_concurrency), pipe, uvloop=True)


async def _client(
    slot: int,
    targets: list[tuple[str, str]],
    since: int,
    counts: Any,
    pipe: Connection,
    connect_concurrency: int,
) -> None:
    from websockets.exceptions import ConnectionClosed

    loop = asyncio.get_running_loop()
    n = len(targets)
    got = [0] * n  # events received, per subscriber
    last = [since] * n  # highest sequence received, per subscriber
    per_sequence: Counter[int] = Counter()  # subscribers that received each sequence
    state = {"disorder": 0, "ended": 0}  # a sequence not above the last one; sockets ended
    notes: Counter[str] = Counter()

    async def read(index: int, ws: Any) -> None:
        try:
            async for raw in ws:
                if '"next"' in raw:
                    match = SEQUENCE.search(raw)
                    if match is None or '"errors"' in raw:
                        notes[f"next without an event: {raw[:150]}"] += 1
                        continue
                    sequence = int(match.group(1))
                    if sequence <= last[index]:
                        state["disorder"] += 1
                    else:
                        last[index] = sequence
                    got[index] += 1
                    per_sequence[sequence] += 1
                    counts[slot] += 1
                elif '"ping"' in raw:
                    await ws.send('{"type":"pong"}')
                elif '"error"' in raw or '"complete"' in raw:
                    notes[raw[:150]] += 1
        except ConnectionClosed as exc:
            frame = exc.rcvd
            notes[f"closed {frame.code}: {frame.reason}" if frame else "closed"] += 1
        finally:
            state["ended"] += 1

    sockets, readers = await subscribe_all(targets, since, connect_concurrency, read, pipe)
    cpu0 = time.process_time()

    def report() -> dict[str, Any]:
        return {
            "got": [g for g, ws in zip(got, sockets, strict=True) if ws is not None],
            "per_sequence": dict(per_sequence),
            "disorder": state["disorder"],
            "ended": state["ended"],
            "notes": dict(notes.most_common(5)),
            "cpu": time.process_time() - cpu0,
        }

    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command == "report":
            pipe.send(report())
            continue
        assert command == "stop", command
        break
    final = report()  # `ended`: sockets that ended before we close them
    await close_all(sockets, readers)
    pipe.send(final)


class Group:
    """Subscribers spread over client processes, each counting into its own slot of the
    shared `counts`."""

    def __init__(
        self,
        name: str,
        url: str,
        tokens: list[str],
        *,
        since: int,
        processes: int,
        counts: Any,
        first_slot: int,
        connect_concurrency: int,
    ) -> None:
        self.name = name
        self.size = len(tokens)
        self.slots = list(range(first_slot, first_slot + processes))
        self.counts = counts
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        self.subscribed = 0
        self.failed = 0
        self.first_failure = ""
        self.connect_seconds = 0.0
        ctx = mp.get_context("spawn")
        shares: list[list[tuple[str, str]]] = [[] for _ in self.slots]
        for i, token in enumerate(tokens):
            shares[i % processes].append((url, token))
        for slot, share in zip(self.slots, shares, strict=True):
            parent_end, child_end = ctx.Pipe()
            proc = ctx.Process(
                target=client_process,
                args=(slot, share, since, counts, child_end, connect_concurrency),
                daemon=True,
            )
            proc.start()
            self.pipes.append(parent_end)
            self.procs.append(proc)

    def wait_ready(self) -> None:
        for pipe in self.pipes:
            if not pipe.poll(max(120.0, self.size / 20)):
                raise RuntimeError(f"{self.name}: a client process did not get its sockets ready")
            ready = self._recv(pipe)
            self.connect_seconds = max(self.connect_seconds, ready["connect_seconds"])
            self.subscribed += ready["ready"]
            self.failed += ready["failed"]
            self.first_failure = self.first_failure or ready["first_failure"]

    def received(self) -> int:
        return sum(self.counts[slot] for slot in self.slots)

    def _recv(self, pipe: Connection, timeout: float = 300.0) -> dict[str, Any]:
        if not pipe.poll(timeout):
            raise RuntimeError(f"{self.name}: a client process did not answer")
        answer = pipe.recv()
        if "error" in answer:
            raise RuntimeError(f"{self.name}: client process failed: {answer['error']}")
        return answer

    def ask(self, command: str) -> list[dict[str, Any]]:
        for pipe in self.pipes:
            pipe.send(command)
        return [self._recv(pipe) for pipe in self.pipes]

    def stop(self) -> list[dict[str, Any]]:
        """Closes the sockets (once); the processes' last reports."""
        reports: list[dict[str, Any]] = []
        if self.pipes:
            with contextlib.suppress(Exception):
                reports = self.ask("stop")
            self.pipes = []
        self.kill()
        return reports

    def kill(self) -> None:
        """Ends the client processes: after `stop` they are exiting; otherwise (an
        interrupted run) they are terminated at once."""
        for proc in self.procs:
            proc.join(timeout=30 if not self.pipes else 0.1)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        self.procs = []


# -- the server's memory -------------------------------------------------------------------------


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


@dataclass
class Sample:
    t: float  # seconds since the soak started (or 0 for the idle readings)
    rss_kib: int
    hwm_kib: int
    threads: int
    fds: int
    fired: int = 0
    received: int = 0
    cpu: float = 0.0

    @classmethod
    def take(cls, pid: int, t: float = 0.0, **extra: Any) -> Sample:
        return cls(
            t=round(t, 2),
            rss_kib=status_kib(pid, "VmRSS"),
            hwm_kib=status_kib(pid, "VmHWM"),
            threads=status_kib(pid, "Threads"),
            fds=open_fds(pid),
            cpu=process_cpu(pid),
            **extra,
        )

    def text(self) -> str:
        return (
            f"RSS {mib(self.rss_kib)} MiB (VmHWM {mib(self.hwm_kib)}), "
            f"{self.threads} threads, {self.fds} open fds"
        )


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def slope_kib_per_s(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (t, kib)."""
    if len(points) < 2:
        return float("nan")
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if not var:
        return float("nan")
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / var


# -- phases -------------------------------------------------------------------------------------


@dataclass
class Idle:
    subscribers: int
    subscribed: int
    connect_seconds: float
    sample: Sample
    base: Sample  # what the per-subscriber figure is measured from
    added: int  # subscribers added since `base`
    failed: int = 0

    @property
    def kib_per_subscriber(self) -> float:
        return (self.sample.rss_kib - self.base.rss_kib) / self.added if self.added else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "subscribers": self.subscribers,
            "subscribed": self.subscribed,
            "could_not_subscribe": self.failed,
            "connect_s": round(self.connect_seconds, 1),
            "rss_kib": self.sample.rss_kib,
            "hwm_kib": self.sample.hwm_kib,
            "threads": self.sample.threads,
            "fds": self.sample.fds,
            "measured_from_rss_kib": self.base.rss_kib,
            "added": self.added,
            "kib_per_subscriber": round(self.kib_per_subscriber, 1),
            "mib_per_1000": round(self.kib_per_subscriber * 1000 / 1024, 1),
        }


@dataclass
class Soak:
    subscribers: int
    minutes: float
    rate: float
    samples: list[Sample] = field(default_factory=list)
    fired: int = 0
    write_failures: int = 0
    first_write_failure: str = ""
    hwm_reset: bool = False
    drain_seconds: float = 0.0
    after_drain: Sample | None = None
    settled: Sample | None = None
    server_cpu: float = 0.0
    wall: float = 0.0
    events: int = 0  # ticket events written during the soak (from the database)
    other_events: int = 0  # events not for every subscriber (notifications to one user)
    expected: int = 0
    received: int = 0
    missing: int = 0
    short_subscribers: int = 0
    extra: int = 0  # deliveries of sequences outside the soak's
    disorder: int = 0
    ended: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    client_cpu: float = 0.0

    def at_fraction(self, fraction: float) -> Sample:
        target = fraction * self.minutes * 60
        return min(self.samples, key=lambda s: abs(s.t - target))

    def slope(self, first: float = 0.5) -> float:
        """MiB per 10 minutes over the samples from `first` of the soak on."""
        start = first * self.minutes * 60
        points = [(s.t, s.rss_kib) for s in self.samples if s.t >= start - 1e-6]
        return slope_kib_per_s(points) * 600 / 1024

    def summary(self) -> dict[str, Any]:
        deliveries = self.received
        return {
            "subscribers": self.subscribers,
            "minutes": self.minutes,
            "rate_per_s": self.rate,
            "writes": self.fired,
            "write_failures": self.write_failures,
            "first_write_failure": self.first_write_failure,
            "events": self.events,
            "other_events": self.other_events,
            "deliveries_expected": self.expected,
            "deliveries_received": self.received,
            "missing": self.missing,
            "subscribers_short": self.short_subscribers,
            "out_of_order_or_repeated": self.disorder,
            "deliveries_outside_the_soak": self.extra,
            "sockets_ended": self.ended,
            "notes": dict(self.notes.most_common(5)),
            "drain_s": round(self.drain_seconds, 1),
            "rss_start_kib": self.samples[0].rss_kib if self.samples else None,
            "rss_fifths_kib": [self.at_fraction(k / 5).rss_kib for k in range(1, 6)]
            if self.samples
            else [],
            "rss_end_kib": self.samples[-1].rss_kib if self.samples else None,
            "rss_after_drain_kib": self.after_drain.rss_kib if self.after_drain else None,
            "rss_settled_kib": self.settled.rss_kib if self.settled else None,
            "hwm_during_soak_kib": max(
                s.hwm_kib
                for s in [*self.samples, *([self.after_drain] if self.after_drain else [])]
            )
            if self.samples and self.hwm_reset
            else None,
            "slope_second_half_mib_per_10min": round(self.slope(0.5), 2),
            "slope_whole_mib_per_10min": round(self.slope(0.0), 2),
            "server_cpu_s": round(self.server_cpu, 1),
            "server_cores": round(self.server_cpu / self.wall, 3) if self.wall else None,
            "server_cpu_ms_per_delivery": round(self.server_cpu / deliveries * 1000, 3)
            if deliveries
            else None,
            "client_cpu_s": round(self.client_cpu, 1),
            "samples": [s.__dict__ for s in self.samples],
        }


async def warm_up(trigger: ApiTrigger, group: Group, changes: int, wait: float) -> int:
    """`changes` changes, each waited for at every warm-up subscriber; how many came late."""
    late = 0
    try:
        for index in range(changes):
            expected = group.received() + group.subscribed
            await trigger.fire(index)
            deadline = time.monotonic() + wait
            while group.received() < expected and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            late += group.received() < expected
    finally:
        await trigger.close()
    return late


async def ticket_version(dsn: str, ticket: int) -> int:
    return int(await fetch_value(dsn, "SELECT version FROM tickets WHERE id = $1", ticket))


async def sequences_after(dsn: str, since: int) -> tuple[list[int], int]:
    """(the ticket events after `since`, which every dispatcher subscriber should get;
    how many other events, e.g. notifications to one user, were written meanwhile)."""
    import asyncpg

    from domain.events import TICKET_EVENTS

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT sequence, type = ANY($2::text[]) AND ticket_id IS NOT NULL "
            "AND kind IS NOT NULL AS ticket_event FROM events WHERE sequence > $1 "
            "ORDER BY sequence",
            since,
            sorted(str(t) for t in TICKET_EVENTS),
        )
        wanted = [int(r["sequence"]) for r in rows if r["ticket_event"]]
        return wanted, len(rows) - len(wanted)
    finally:
        await conn.close()


async def run_soak(
    soak: Soak,
    server: Process,
    trigger: ApiTrigger,
    group: Group,
    dsn: str,
    ticket: int,
    sample_every: float,
    drain_timeout: float,
) -> None:
    """Writes at soak.rate per second (open loop; a late write goes at once, never two
    together) and samples the server every `sample_every` s, for soak.minutes."""
    pid = server.popen.pid
    live = group.subscribed
    duration = soak.minutes * 60
    received0 = group.received()
    soak.hwm_reset = reset_high_water_mark(pid)
    t0 = time.perf_counter()
    soak.samples.append(Sample.take(pid, 0.0, fired=0, received=0))
    cpu0 = soak.samples[0].cpu
    every_minute = max(1, round(60 / sample_every))

    async def writer() -> None:
        index = 0
        while True:
            due = t0 + index / soak.rate
            if due - t0 >= duration:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                await trigger.fire(WARMUP_CHANGES + index)
                soak.fired += 1
            except Exception as exc:
                soak.write_failures += 1
                soak.first_write_failure = soak.first_write_failure or repr(exc)[:300]
                # Whatever happened, go on from the ticket's real version.
                with contextlib.suppress(Exception):
                    trigger.state["version"] = await ticket_version(dsn, ticket)
            index += 1

    async def sampler() -> None:
        k = 1
        while k * sample_every <= duration + 1e-6:
            await asyncio.sleep(max(0.0, t0 + k * sample_every - time.perf_counter()))
            sample = Sample.take(
                pid,
                time.perf_counter() - t0,
                fired=soak.fired,
                received=group.received() - received0,
            )
            soak.samples.append(sample)
            if k % every_minute == 0:
                behind = sample.fired * live - sample.received
                print(
                    f"   {sample.t / 60:5.1f} min: {sample.text()}; {sample.fired} writes, "
                    f"{sample.received:,} deliveries ({behind:,} not yet); "
                    f"load {loadavg()}",
                    flush=True,
                )
            k += 1

    try:
        await asyncio.gather(writer(), sampler())
        # Drain: every subscriber gets the last events.
        drain0 = time.perf_counter()
        deadline = time.monotonic() + drain_timeout
        while (  # noqa: ASYNC110
            group.received() - received0 < soak.fired * live and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.05)
        soak.drain_seconds = time.perf_counter() - drain0
        soak.wall = time.perf_counter() - t0
        soak.server_cpu = process_cpu(pid) - cpu0
        soak.after_drain = Sample.take(
            pid, soak.wall, fired=soak.fired, received=group.received() - received0
        )
    finally:
        await trigger.close()


def check_deliveries(
    soak: Soak, reports: list[dict[str, Any]], sequences: tuple[list[int], int]
) -> None:
    wanted = set(sequences[0])
    soak.other_events = sequences[1]
    per_sequence: Counter[int] = Counter()
    live = 0
    for report in reports:
        for sequence, count in report["per_sequence"].items():
            per_sequence[int(sequence)] += count
        live += len(report["got"])
        soak.disorder += report["disorder"]
        soak.ended += report["ended"]
        soak.notes.update(report["notes"])
        soak.client_cpu += report["cpu"]
        soak.short_subscribers += sum(1 for g in report["got"] if g < len(wanted))
    soak.events = len(wanted)
    soak.expected = live * len(wanted)
    soak.received = sum(count for sequence, count in per_sequence.items() if sequence in wanted)
    soak.extra = sum(count for sequence, count in per_sequence.items() if sequence not in wanted)
    soak.missing = sum(max(0, live - per_sequence[sequence]) for sequence in wanted)


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Server memory with idle subscribers, and a soak (prints figures)."
    )
    parser.add_argument(
        "--subscribers",
        type=int,
        nargs="+",
        default=[1000],
        help="idle levels, ascending; the first one also soaks (default 1000)",
    )
    parser.add_argument("--soak-minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=5.0, help="writes per second in the soak")
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds before each idle reading"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=0,
        help="client processes per level (0: one per 500 subscribers)",
    )
    parser.add_argument("--connect-concurrency", type=int, default=64, help="per client process")
    parser.add_argument("--drain-timeout", type=float, default=60.0)
    parser.add_argument(
        "--budget", type=float, default=0.0, help="hard limit (s; default: the soak + 300)"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    levels = sorted(set(args.subscribers))
    if levels[0] <= 0:
        raise SystemExit("--subscribers: positive numbers")
    budget = args.budget or args.soak_minutes * 60 + 300

    from resolvers.accounts.tokens import issue_token

    idles: list[Idle] = []
    soak = Soak(subscribers=levels[0], minutes=args.soak_minutes, rate=args.rate)
    baseline: Sample | None = None
    code = describe_code()
    with time_budget(budget), workdir() as cwd, scratch_database() as db:
        print_machine("bench/memory.py: server memory with idle subscribers, and a soak")
        print(f"   code: {code}")
        print(f"   scratch database {db.name}; one API process, BROADCAST_URL=memory://")
        check_connection_headroom(db, 1)
        secret = secrets.token_urlsafe(36)
        run_cli("migrate", env=service_env(DATABASE_URL=db.url), cwd=cwd)
        world: World = asyncio.run(seed(db.url, levels[-1] + WARMUP_SUBSCRIBERS))
        ttl = int(budget / 60) + 60
        tokens = [
            issue_token(secret, user_id=uid, token_version=1, ttl_minutes=ttl)
            for uid in world.subscribers
        ]
        warm_tokens, tokens = tokens[:WARMUP_SUBSCRIBERS], tokens[WARMUP_SUBSCRIBERS:]
        dispatcher = issue_token(secret, user_id=world.dispatcher, token_version=1, ttl_minutes=ttl)
        state = {"version": 1, "changes": 0}
        per_level = [
            args.clients or max(1, n // 500)
            for n in [levels[0], *(b - a for a, b in pairwise(levels))]
        ]
        ctx = mp.get_context("spawn")
        counts = ctx.Array("q", 1 + sum(per_level), lock=False)
        groups: list[Group] = []
        server: Process | None = None
        try:
            server = start_app_server(
                "api",
                database_url=db.url,
                secret_key=secret,
                workdir=cwd,
                # Every subscriber connects from this one address: the per-address
                # handshake rate (a policy, not a cost) would refuse them.
                extra_env={"HTTP_REQUESTS_PER_SECOND": "1000000", "HTTP_BURST": "1000000"},
            )
            pid = server.popen.pid
            url = "ws" + server.url.removeprefix("http") + "/graphql"
            print(f"   server pid {pid}: {Sample.take(pid).text()} at start")

            # Warm-up: a few subscribers get a few changes, then go.
            warm = Group(
                "warm-up",
                url,
                warm_tokens,
                since=asyncio.run(last_sequence(db.url)),
                processes=1,
                counts=counts,
                first_slot=0,
                connect_concurrency=args.connect_concurrency,
            )
            groups.append(warm)
            warm.wait_ready()
            late = asyncio.run(
                warm_up(ApiTrigger(server, dispatcher, world, state), warm, WARMUP_CHANGES, 30.0)
            )
            warm.stop()
            print(
                f"\n-- warm-up: {warm.subscribed} subscribers, {WARMUP_CHANGES} changes"
                + (f" ({late} late)" if late else "")
                + ", then closed"
            )
            time.sleep(args.settle)
            baseline = Sample.take(pid)
            print(f"   0 subscribers: {baseline.text()} (load {loadavg()})")

            # Idle: the first level (which then soaks).
            since = asyncio.run(last_sequence(db.url))
            slot = 1
            main_group = Group(
                "soak",
                url,
                tokens[: levels[0]],
                since=since,
                processes=per_level[0],
                counts=counts,
                first_slot=slot,
                connect_concurrency=args.connect_concurrency,
            )
            slot += per_level[0]
            groups.append(main_group)
            main_group.wait_ready()
            time.sleep(args.settle)
            idle = Idle(
                subscribers=levels[0],
                subscribed=main_group.subscribed,
                connect_seconds=main_group.connect_seconds,
                sample=Sample.take(pid),
                base=baseline,
                added=main_group.subscribed,
                failed=main_group.failed,
            )
            idles.append(idle)
            print_idle(idle, main_group.first_failure)

            # The soak.
            print(
                f"\n-- soak: {main_group.subscribed:,} subscribers, dispatchTicket at "
                f"{args.rate:g}/s for {args.soak_minutes:g} min, RSS every "
                f"{args.sample_seconds:g} s (load {loadavg()})",
                flush=True,
            )
            asyncio.run(
                run_soak(
                    soak,
                    server,
                    ApiTrigger(server, dispatcher, world, state),
                    main_group,
                    db.dsn,
                    world.ticket,
                    args.sample_seconds,
                    args.drain_timeout,
                )
            )
            check_deliveries(
                soak, main_group.ask("report"), asyncio.run(sequences_after(db.dsn, since))
            )
            time.sleep(args.settle)
            soak.settled = Sample.take(pid, soak.wall + args.settle)
            print_soak(soak)

            # Further idle levels, added to the soak's subscribers.
            for index, n in enumerate(levels[1:], start=1):
                before = Sample.take(pid)
                group = Group(
                    f"idle {n}",
                    url,
                    tokens[levels[index - 1] : n],
                    since=asyncio.run(last_sequence(db.url)),
                    processes=per_level[index],
                    counts=counts,
                    first_slot=slot,
                    connect_concurrency=args.connect_concurrency,
                )
                slot += per_level[index]
                groups.append(group)
                group.wait_ready()
                time.sleep(args.settle)
                idle = Idle(
                    subscribers=n,
                    subscribed=sum(g.subscribed for g in groups[1:]),
                    connect_seconds=group.connect_seconds,
                    sample=Sample.take(pid),
                    base=before,
                    added=group.subscribed,
                    failed=group.failed,
                )
                idles.append(idle)
                print(f"\n-- {n:,} idle subscribers (after the soak)")
                print_idle(idle, group.first_failure)
                print(
                    f"   against 0 subscribers before the soak: "
                    f"+{mib(idle.sample.rss_kib - baseline.rss_kib)} MiB"
                )
            for group in groups:
                group.stop()
        finally:
            for group in groups:
                group.kill()
            if server is not None:
                server.stop()
        print_summary(idles, soak, baseline)
        dump_json(
            args.json,
            {
                "machine": machine(),
                "code": code,
                "baseline": baseline.__dict__ if baseline else None,
                "idle": [i.summary() for i in idles],
                "soak": soak.summary() if soak.samples else None,
                "load_after": loadavg(),
            },
        )


def print_idle(idle: Idle, first_failure: str) -> None:
    print(
        f"   {idle.subscribers:,} idle subscribers ({idle.subscribed:,} subscribed in "
        f"{idle.connect_seconds:.1f} s): {idle.sample.text()} (load {loadavg()})"
    )
    print(
        f"   +{mib(idle.sample.rss_kib - idle.base.rss_kib)} MiB for {idle.added:,}: "
        f"{idle.kib_per_subscriber:.1f} KiB per idle subscriber, "
        f"{idle.kib_per_subscriber * 1000 / 1024:.1f} MiB per 1,000"
    )
    if idle.failed:
        print(f"   note: {idle.failed} could not subscribe, e.g. {first_failure}")


def print_soak(soak: Soak) -> None:
    s = soak.summary()
    print(f"\n   | point | min | RSS MiB | VmHWM MiB{' (reset at start)' * soak.hwm_reset} |")
    print("   |---|---|---|---|")
    points = [("start", soak.samples[0])]
    points += [(f"{k}/5", soak.at_fraction(k / 5)) for k in range(1, 6)]
    if soak.after_drain:
        points.append(("all delivered", soak.after_drain))
    if soak.settled:
        points.append(("idle again", soak.settled))
    for name, sample in points:
        print(
            f"   | {name} | {sample.t / 60:.1f} | {mib(sample.rss_kib)} | {mib(sample.hwm_kib)} |"
        )
    print(
        f"   slope of RSS by least squares: {s['slope_second_half_mib_per_10min']:+.2f} MiB "
        f"per 10 min over the second half, {s['slope_whole_mib_per_10min']:+.2f} over the whole"
    )
    print(
        f"   writes {s['writes']} ({s['write_failures']} failed), ticket events {s['events']} "
        f"(and {s['other_events']} others, to one user each); "
        f"deliveries expected {s['deliveries_expected']:,}, received "
        f"{s['deliveries_received']:,}, missing {s['missing']:,} "
        f"({s['subscribers_short']} subscribers short); out of order or repeated "
        f"{s['out_of_order_or_repeated']}; sockets ended {s['sockets_ended']}; "
        f"all delivered {s['drain_s']} s after the last write"
    )
    if s["first_write_failure"]:
        print(f"   first write failure: {s['first_write_failure']}")
    for note, count in soak.notes.most_common(4):
        print(f"     note: {count} x {note}")
    print(
        f"   server CPU {s['server_cpu_s']} s in {soak.wall:.0f} s = {s['server_cores']} cores, "
        f"{s['server_cpu_ms_per_delivery']} ms per delivery; client processes "
        f"{s['client_cpu_s']} s"
    )
    first, last = soak.samples[0], soak.samples[-1]
    print(
        f"   threads {first.threads} -> {last.threads}, open fds {first.fds} -> {last.fds}; "
        f"load {loadavg()}"
    )


def print_summary(idles: list[Idle], soak: Soak, baseline: Sample | None) -> None:
    if baseline is None:
        return
    print("\n| reading | subscribers | RSS MiB | KiB per idle subscriber | MiB per 1,000 |")
    print("|---|---|---|---|---|")
    print(f"| after warm-up | 0 | {mib(baseline.rss_kib)} | | |")
    for idle in idles:
        print(
            f"| idle | {idle.subscribers:,} | {mib(idle.sample.rss_kib)} | "
            f"{idle.kib_per_subscriber:.1f} (over {idle.added:,}) | "
            f"{idle.kib_per_subscriber * 1000 / 1024:.1f} |"
        )
    if soak.samples:
        s = soak.summary()
        fifths = " / ".join(mib(v) for v in s["rss_fifths_kib"])
        print(
            f"\nSoak ({soak.subscribers:,} subscribers, {soak.rate:g} writes/s, "
            f"{soak.minutes:g} min): RSS {mib(s['rss_start_kib'])} at the start, "
            f"{fifths} MiB after each fifth; slope {s['slope_second_half_mib_per_10min']:+.2f} "
            f"MiB / 10 min (second half); deliveries {s['deliveries_received']:,} of "
            f"{s['deliveries_expected']:,}; server {s['server_cores']} cores."
        )
    print(
        "Target (issue 13): RSS per idle subscriber and per 1,000 recorded; a 30-minute soak "
        "with 1,000 subscribers and steady writes shows no growth."
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
