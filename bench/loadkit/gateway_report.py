"""``bench.gateway``'s table and the goals of issue 14, each marked met, NOT met or not measured, with the
figures it compares (``report.Goal``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .gateway_scaling import KEYS, LIMIT, ROUTES, Scaling, Stage
from .report import AIOHTTP, COLUMNS, LITELLM, Goal, Row, _num, _ratio

# Keys of the gateway rows: ModelDesk's /v1 on a database, called with credential/model; ``ROUTE_SUFFIX`` added
# when the same server is called with a route's name.
MODELDESK, ROUTE_SUFFIX = "modeldesk", "-route"
LITE, FLOOR = "LiteLLM", "the aiohttp floor"
LITELLM_LATENCY, FLOOR_LATENCY, LITELLM_THROUGHPUT, FLOOR_TTFT, LITELLM_MEMORY = 0.25, 2, 5, 2, 0.25

_load = {column[0]: column for column in COLUMNS}
GATEWAY_COLUMNS: list[tuple[str, int, Callable[[Row], Any]]] = [
    *(_load[title] for title in ("CPU ms/req", "p50 c=1", "added p50")),
    ("p99 c=1", 8, lambda r: _num(r.p99, 1)),
    ("added p99", 9, lambda r: _num(r.added_p99, 2)),
    *(_load[title] for title in ("req/s c=16", "req/s c=64", "TTFT c=1", "added TTFT")),
    ("streams/s c=16", 14, lambda r: _num(r.streams16, 0)),
    *(_load[title] for title in ("RSS MB", "failed", "upstream/req")),
]


def _compared(
    what: str, name: str, ours: float | None, theirs: float | None, unit: str, limit: float, *, at_most: bool = True
) -> Goal:
    """``what`` of a ModelDesk row against ``name``'s (LiteLLM's or the aiohttp floor's), the figures in the text."""
    server = "litellm" if name == LITE else "aiohttp"
    sign = "<=" if at_most else ">="
    digits = 2 if unit == "ms" else 0
    figures = f"{_num(ours, digits)} vs {_num(theirs, digits)} {unit}"
    return Goal(f"{what} vs {name}'s, {sign} {limit:g}x ({figures})", _shown(_ratio(ours, theirs)), limit, at_most,
                missing=f"needs the {server} row")  # fmt: skip


def _shown(ratio: float | None) -> float | None:
    """The ratio as ``Goal.line`` shows it (two decimals), so that the verdict agrees with the figure printed."""
    return None if ratio is None else round(ratio, 2)


def goals(rows: list[Row]) -> list[tuple[str, list[Goal]]]:
    """The goals of each ModelDesk row against the LiteLLM and aiohttp floor rows of the same run."""
    by = {r.key: r for r in rows if not r.skipped}
    litellm, floor = by.get(LITELLM, Row(LITELLM, "")), by.get(AIOHTTP, Row(AIOHTTP, ""))
    lite, aio = LITE, FLOOR
    found = []
    for md in (r for r in rows if r.key.startswith(MODELDESK) and not r.skipped):
        found.append((md.label, [
            _compared("added p50 at c=1", lite, md.added_p50, litellm.added_p50, "ms", LITELLM_LATENCY),
            _compared("added p99 at c=1", lite, md.added_p99, litellm.added_p99, "ms", LITELLM_LATENCY),
            _compared("added p50 at c=1", aio, md.added_p50, floor.added_p50, "ms", FLOOR_LATENCY),
            _compared("added p99 at c=1", aio, md.added_p99, floor.added_p99, "ms", FLOOR_LATENCY),
            _compared("req/s at c=16", lite, md.rps16, litellm.rps16, "req/s", LITELLM_THROUGHPUT, at_most=False),
            _compared("req/s at c=64", lite, md.rps64, litellm.rps64, "req/s", LITELLM_THROUGHPUT, at_most=False),
            _compared("added TTFT at c=1", aio, md.added_ttft, floor.added_ttft, "ms", FLOOR_TTFT),
            _compared("streams/s at c=16", lite, md.streams16, litellm.streams16, "streams/s", LITELLM_THROUGHPUT,
                      at_most=False),
            _compared("RSS after load", lite, md.rss_mb, litellm.rss_mb, "MB", LITELLM_MEMORY),
        ]))  # fmt: skip
    return found


def scaling_goals(scaling: Scaling) -> list[Goal]:
    """Flat: each grown stage's added latency within ``LIMIT`` of the stage before it."""
    how = "a route called" if scaling.by_route else "credential/model called"
    return [
        _grown(f"added p50, 10 -> {KEYS:,} keys", scaling.few, scaling.keys),
        _grown(f"added p50, 10 -> {ROUTES:,} routes ({how})", scaling.keys, scaling.routes),
    ]


def _grown(what: str, base: Stage, grown: Stage) -> Goal:
    figures = f"{base.added_p50:.2f} -> {grown.added_p50:.2f} ms, CPU {base.cpu_ms:.2f} -> {grown.cpu_ms:.2f} ms/req"
    failed = base.failed + grown.failed
    figures += f", {failed} failed" if failed else ""
    return Goal(f"{what}, flat: <= {LIMIT:g}x ({figures})", _shown(_ratio(grown.added_p50, base.added_p50)), LIMIT)
