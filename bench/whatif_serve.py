"""`aftersales serve` with what-if changes applied in the server process, to measure
what a fix would buy before anyone makes it. Used by the benchmarks when
BENCH_WHATIF is set (comma-separated); the figures are then NOT the application's:

    gc        gc.freeze() at start and gc.set_threshold(50_000, 20, 1000)
              (fewer and cheaper collections: see "Where the time goes" in README.md)
    leak      graphql-core 3.3's per-event executors get their own subfield cache
              (otherwise every event adds entries to a cache that lives as long as the
              subscription; see README.md)
    pool=N    a pool of N connections and no overflow (no connection churn)
    gcstats   count and time the garbage collections; printed to the server's log at exit

    BENCH_WHATIF=gc,leak .venv/bin/python bench/fanout.py --subscribers 1000
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import time
from typing import Any


def apply(knobs: list[str]) -> None:
    for knob in knobs:
        name, _, value = knob.partition("=")
        if name == "gc":
            gc.freeze()
            gc.set_threshold(50_000, 20, 1000)
        elif name == "leak":
            own_subfield_cache()
        elif name == "pool":
            fixed_pool(int(value))
        elif name == "gcstats":
            gc_stats()
        elif name:
            raise SystemExit(f"unknown BENCH_WHATIF knob {knob!r}")


def own_subfield_cache() -> None:
    from graphql.execution import executor

    original = executor.Executor.build_per_event_executor

    def per_event(self: Any, payload: Any) -> Any:
        copy = original(self, payload)
        copy._relevant_sub_fields = {}
        return copy

    executor.Executor.build_per_event_executor = per_event  # type: ignore[method-assign]


def fixed_pool(size: int) -> None:
    import app
    import persistence.db

    make_engine = persistence.db.make_engine

    def pooled(url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("pool_size", size)
        kwargs.setdefault("max_overflow", 0)
        return make_engine(url, **kwargs)

    persistence.db.make_engine = pooled  # type: ignore[assignment]
    app.make_engine = pooled  # type: ignore[attr-defined]


def gc_stats() -> None:
    spent = {generation: [0, 0.0, 0.0] for generation in range(3)}
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = time.perf_counter() - started[0]
        entry = spent[info["generation"]]
        entry[0] += 1
        entry[1] += took
        entry[2] = max(entry[2], took)

    def report() -> None:
        for generation, (count, total, worst) in spent.items():
            print(
                f"GC gen{generation}: {count} collections, {total:.2f} s in all, "
                f"longest {worst * 1000:.0f} ms",
                file=sys.stderr,
                flush=True,
            )

    gc.callbacks.append(callback)
    atexit.register(report)


if __name__ == "__main__":
    apply([k.strip() for k in os.environ.get("BENCH_WHATIF", "").split(",") if k.strip()])
    from cli import main

    sys.argv = ["aftersales", *sys.argv[1:]]
    main()
