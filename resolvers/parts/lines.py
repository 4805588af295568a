"""Part lines from a client's input: ids decoded once, then merged by the one rule of
domain.parts.lines with the options of each use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.parts.lines import AskedLine, LinePrices, merge_part_lines
from resolvers.ids import decode_id


def asked_lines(
    lines: Sequence[Any] | None, *, prices: LinePrices, field: str = "lines", **options: Any
) -> list[AskedLine]:
    """`lines` (inputs with `partId`, `quantity` and maybe `unitPrice`) as one line per
    part; `options` as `merge_part_lines` takes them (each_part_once, required...)."""
    decoded = [
        (
            decode_id(line.part_id, "Part", field=f"{field}[{index}].partId"),
            line.quantity,
            getattr(line, "unit_price", None),
        )
        for index, line in enumerate(lines or ())
    ]
    return merge_part_lines(decoded, prices=prices, field=field, **options)


def quantities(lines: Sequence[AskedLine]) -> dict[int, int]:
    """Part id -> quantity, in the lines' order."""
    return {line.part_id: line.quantity for line in lines}
