"""The side-by-side table and the goals of the issue, each marked met, not met or not measured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Row keys the goals refer to.
DIRECT, HTTPX, AIOHTTP, LITELLM, SQLITE, POSTGRES = "direct", "httpx", "aiohttp", "litellm", "sqlite", "postgres"
DJANGO = "django"
GOAL_C64_REQUESTS = 2000


@dataclass
class Row:
    key: str
    label: str
    cpu_ms: float | None = None  # server CPU per request over the c=1, c=16 and c=64 runs
    p50: float | None = None
    p95: float | None = None
    added_p50: float | None = None
    rps16: float | None = None
    rps64: float | None = None
    ttft: float | None = None
    added_ttft: float | None = None
    p99: float | None = None  # bench.gateway: p99 at c=1, and that minus the direct call's
    added_p99: float | None = None
    streams16: float | None = None  # bench.gateway: streams read to their end per second at c=16
    rss_mb: float | None = None
    failed: int = 0
    c64_failed: int = 0
    c64_requests: int = 0
    upstream_per_request: float | None = None
    failures: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)
    skipped: str = ""  # why there are no figures


COLUMNS: list[tuple[str, int, Callable[[Row], Any]]] = [
    ("CPU ms/req", 10, lambda r: _num(r.cpu_ms, 2)),
    ("p50 c=1", 8, lambda r: _num(r.p50, 1)),
    ("added p50", 9, lambda r: _num(r.added_p50, 2)),
    ("req/s c=16", 10, lambda r: _num(r.rps16, 0)),
    ("req/s c=64", 10, lambda r: _num(r.rps64, 0)),
    ("TTFT c=1", 8, lambda r: _num(r.ttft, 1)),
    ("added TTFT", 10, lambda r: _num(r.added_ttft, 2)),
    ("RSS MB", 7, lambda r: _num(r.rss_mb, 0)),
    ("failed", 6, lambda r: str(r.failed)),
    ("upstream/req", 12, lambda r: _num(r.upstream_per_request, 2)),
]


def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row], columns: list[tuple[str, int, Callable[[Row], Any]]] = COLUMNS) -> str:
    width = max(len(r.label) for r in rows) + 2
    lines = ["".ljust(width) + "  ".join(title.rjust(size) for title, size, _ in columns)]
    for row in rows:
        if row.skipped:
            lines.append(f"{row.label.ljust(width)}skipped: {row.skipped}")
        else:
            lines.append(row.label.ljust(width) + "  ".join(show(row).rjust(size) for _, size, show in columns))
    lines.append("")
    lines.append("Times in ms. added = minus the direct call to the mock; failed = lost (timeout, dropped) or wrong")
    lines.append("replies over every run of the row; upstream/req = chat calls the mock served per measured request.")
    for row in rows:
        for kind, count in row.failures.items():
            lines.append(f"{row.label}: {count} x {kind}: {row.samples.get(kind, '')[:200]!r}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Goal:
    text: str
    value: float | None  # the measured ratio or count; None: not measured
    limit: float
    at_most: bool = True
    missing: str = ""  # what a run needs to measure it

    def line(self) -> str:
        if self.value is None:
            return f"  [not measured] {self.text}: {self.missing}"
        met = self.value <= self.limit if self.at_most else self.value >= self.limit
        shown = f"{self.value:.0f}" if self.limit == 0 else f"{self.value:.2f}x"
        return f"  [{'met' if met else 'NOT met'}] {self.text}: {shown}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def goals(rows: list[Row], *, hog: bool) -> list[Goal]:
    by = {r.key: r for r in rows if not r.skipped}
    sqlite, postgres, litellm = by.get(SQLITE), by.get(POSTGRES), by.get(LITELLM)
    aiohttp, httpx = by.get(AIOHTTP), by.get(HTTPX)
    found: list[Goal] = []
    for md in (m for m in (sqlite, postgres) if m is not None):
        name = f"ModelDesk ({'SQLite' if md is sqlite else 'PostgreSQL'})"
        found += [
            Goal(f"{name} CPU/req vs LiteLLM, <= 0.5x", _ratio(md.cpu_ms, litellm and litellm.cpu_ms), 0.5,
                 missing="needs the LiteLLM row"),
            Goal(f"{name} CPU/req vs the aiohttp floor, <= 10x", _ratio(md.cpu_ms, aiohttp and aiohttp.cpu_ms), 10,
                 missing="needs the aiohttp row"),
            Goal(f"{name} req/s at c=16 vs LiteLLM, >= 2x", _ratio(md.rps16, litellm and litellm.rps16), 2,
                 at_most=False, missing="needs the LiteLLM row"),
            Goal(f"{name} added TTFT at c=1 vs the httpx floor's, <= 2x",
                 _ratio(md.added_ttft, httpx and httpx.added_ttft), 2, missing="needs the httpx row"),
        ]  # fmt: skip
    found.append(
        Goal("PostgreSQL CPU/req vs SQLite, <= 1.2x", _ratio(postgres and postgres.cpu_ms, sqlite and sqlite.cpu_ms),
             1.2, missing="run with --postgres")
    )  # fmt: skip
    found.append(_lost_goal(sqlite, postgres, hog=hog))
    return found


def floor_notes(rows: list[Row]) -> list[str]:
    """The Django floor against LiteLLM and ModelDesk: what Django's handler and middleware cost with one httpx
    call, which ModelDesk's run API no longer pays since it runs on the ASGI fast path (``playground.fast``)."""
    by = {r.key: r for r in rows if not r.skipped}
    floor, sqlite, litellm = by.get(DJANGO), by.get(SQLITE), by.get(LITELLM)
    if floor is None or floor.cpu_ms is None:
        return []
    notes = [f"  The Django floor (Django's handler and middleware, one httpx call): {floor.cpu_ms:.2f} ms CPU/req"]
    if litellm is not None and litellm.cpu_ms:
        notes[0] += f", {floor.cpu_ms / litellm.cpu_ms:.2f}x LiteLLM's"
    if sqlite is not None and sqlite.cpu_ms:
        notes.append(
            f"  ModelDesk (SQLite), on the fast path with its own work (form, grant and quota, three rows, the call"
            f" log): {sqlite.cpu_ms:.2f} ms, {sqlite.cpu_ms / floor.cpu_ms:.2f}x the floor"
        )
    return notes


def _lost_goal(sqlite: Row | None, postgres: Row | None, *, hog: bool) -> Goal:
    text = f"0 lost or failed replies at c=64 in {GOAL_C64_REQUESTS:,} requests, SQLite and PostgreSQL, CPU hog beside"
    both = [r for r in (sqlite, postgres) if r is not None]
    enough = len(both) == 2 and all(r.c64_requests >= GOAL_C64_REQUESTS for r in both)
    if not (hog and enough):
        return Goal(text, None, 0, missing=f"run with --hog --postgres --c64-requests {GOAL_C64_REQUESTS}")
    return Goal(text, float(sum(r.c64_failed for r in both)), 0)
