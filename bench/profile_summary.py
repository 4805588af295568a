"""Where the CPU went in a cProfile file (from `board.py --profile` or
`fanout.py --profile`): own time summed by package, then the top functions.

    .venv/bin/python bench/profile_summary.py /tmp/fanout.prof [--top 25]

Own time ("tottime") is what a function spent in itself; summed by package it says
which layer costs what (graphql-core / strawberry, SQLAlchemy, asyncpg, uvicorn and
websockets, asyncio, this project). cProfile slows everything down, call-heavy code
most, so read the shares, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import pstats
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_of(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "(builtins: C functions, socket calls, select)"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    try:
        relative = path.resolve().relative_to(ROOT)
        return f"aftersales: {relative.parts[0]}"
    except ValueError:
        pass
    if "lib" in parts:  # the standard library: asyncio, json, ...
        rest = parts[len(parts) - 1 - parts[::-1].index("lib") + 2 :]
        return f"stdlib: {rest[0].removesuffix('.py')}" if rest else "stdlib"
    return filename


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    stats = pstats.Stats(args.profile)
    by_package: dict[str, float] = defaultdict(float)
    rows = []
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (filename, line, name), (_cc, calls, tottime, _cum, _callers) in entries:
        by_package[package_of(filename)] += tottime
        rows.append(
            (tottime, calls, f"{package_of(filename)}  {Path(filename).name}:{line}({name})")
        )
    total = sum(by_package.values())
    print(f"own time by package ({total:.1f} s profiled, including idle waits in select):")
    for package, seconds in sorted(by_package.items(), key=lambda item: -item[1])[:20]:
        print(f"  {seconds / total:6.1%}  {seconds:8.2f} s  {package}")
    print(f"\ntop {args.top} functions by own time:")
    for tottime, calls, label in sorted(rows, reverse=True)[: args.top]:
        print(f"  {tottime:8.2f} s  {calls:9d} calls  {label}")


if __name__ == "__main__":
    main()
