"""The playground API under load, side by side with LiteLLM's proxy and two minimal proxies (the floor).

    .venv/bin/python -m bench.load [--requests 500] [--postgres] [--hog] [--only modeldesk,litellm]
    .venv/bin/python -m bench.load --scaling [--postgres]

A mock OpenAI-compatible upstream (``bench.loadkit.mock``) and the load generator share core 0; each server
under test runs alone, one worker pinned to core 1: a minimal ASGI proxy on httpx and one on aiohttp, LiteLLM's
proxy (installed on first use into ``bench/.venv-litellm``), and ModelDesk's ``POST /playground/api/run/``
on SQLite and, with ``--postgres``, PostgreSQL. For each: CPU per request (from /proc, over the c=1, c=16
and c=64 runs), latency at c=1 and what it adds over calling the mock directly, throughput at c=16 and c=64,
time to first token of a streamed reply at c=1, memory, and lost or failed replies; then the issue's goals.
``--scaling`` measures ModelDesk alone with 10 and 1,000 credentials and models, and with 2 and 200 rounds of
stored history (``bench.loadkit.scaling``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

from .loadkit import litellm, modeldesk, report, scaling
from .loadkit.client import Outcome, Target, client_name, merged, new_client, run_level, run_ttft
from .loadkit.processes import SERVER_CORE, Processes, Server, StartError, hog_command, interrupt_on_signals
from .loadkit.report import Row
from .loadkit.servers import floor_missing, mock_requests, openai_target, start_floor, start_mock

SERVERS = ("httpx", "aiohttp", "litellm", "django", "modeldesk")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per level and for TTFT (500)")
    parser.add_argument("--c64-requests", type=int, help="requests at c=64 (default: --requests; the goal: 2000)")
    parser.add_argument("--warmup", type=int, default=50, help="requests before measuring each server (50)")
    parser.add_argument("--latency-ms", type=float, help="the mock's delay before answering (10; 0 with --scaling)")
    parser.add_argument("--postgres", action="store_true", help="ModelDesk on PostgreSQL too")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432",
                        help="server for the throw-away database, without a database name")  # fmt: skip
    parser.add_argument("--hog", action="store_true", help="a CPU hog on the servers' core (a busy machine)")
    parser.add_argument("--no-litellm", action="store_true", help="skip LiteLLM (and its install)")
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(SERVERS)}")
    parser.add_argument("--settings", default=modeldesk.SETTINGS, help=f"ModelDesk's settings ({modeldesk.SETTINGS})")
    parser.add_argument("--scaling", action="store_true", help="ModelDesk's scaling figures instead of the table")
    parser.add_argument(
        "--titles", action="store_true", help='ModelDesk requests ask for a title ("title": true): a 2nd model call'
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (the directory is printed)")
    args = parser.parse_args(argv)
    args.c64_requests = args.c64_requests or args.requests
    if args.latency_ms is None:
        args.latency_ms = 0.0 if args.scaling else 10.0
    only = set((args.only or ",".join(SERVERS)).split(","))
    if unknown := only - set(SERVERS):
        parser.error(f"unknown server(s) in --only: {', '.join(sorted(unknown))}; choose from {', '.join(SERVERS)}")
    args.servers = [s for s in SERVERS if s in only and not (s == "litellm" and args.no_litellm)]
    return args


class Bench:
    """Runs the servers one after another against one mock upstream, and makes a ``Row`` of each."""

    def __init__(self, args: argparse.Namespace, processes: Processes, stack: ExitStack) -> None:
        self.args, self.processes, self.stack = args, processes, stack
        self.mock = start_mock(processes, args.latency_ms)
        self.direct = Row(report.DIRECT, "mock upstream, direct")

    def rows(self) -> list[Row]:
        self.direct = self._timed(self.direct.label, partial(self.measure, self.direct, self.mock, None))
        rows = [self.direct]
        for name in self.args.servers:
            rows += getattr(self, f"_{name}")()
        return rows

    def _httpx(self) -> list[Row]:
        return [self._floor("httpx", report.HTTPX)]

    def _aiohttp(self) -> list[Row]:
        return [self._floor("aiohttp", report.AIOHTTP)]

    def _floor(self, client: str, key: str) -> Row:
        row = Row(key, f"floor: {client} proxy")
        if reason := floor_missing(client):
            row.skipped = reason
            return row
        with self._server(partial(start_floor, self.processes, client, self.mock)) as server:
            return self._timed(row.label, partial(self.measure, row, server, openai_target(server.url)))

    def _litellm(self) -> list[Row]:
        row = Row(report.LITELLM, f"LiteLLM {litellm.VERSION} proxy")
        try:
            litellm.ensure_installed(self.processes.log_dir / "litellm-install.log")
        except litellm.Unavailable as exc:
            row.skipped = f"not installed: {exc}"
            return row
        try:
            with self._server(partial(litellm.start, self.processes, self.mock.url, dict(os.environ))) as server:
                return [self._timed(row.label, partial(self.measure, row, server, openai_target(server.url)))]
        except StartError as exc:
            row.skipped = f"did not start: {exc}"
            return [row]

    def _django(self) -> list[Row]:
        """ModelDesk's stack without ModelDesk's work (``bench.loadkit.django_floor``), on SQLite."""
        row = Row(report.DJANGO, "Django floor (same stack, one httpx call)")
        database = self.stack.enter_context(modeldesk.sqlite_database(self.processes.log_dir))
        env = {**modeldesk.environment(database, self.args.settings), "BENCH_UPSTREAM": self.mock.url}
        seeded = modeldesk.setup(env, self.mock.url)
        with self._server(partial(modeldesk.start, self.processes, "django-floor", env)) as server:
            return [self._timed(row.label, partial(self.measure, row, server, modeldesk.floor_target(server, seeded)))]

    def _modeldesk(self) -> list[Row]:
        rows = []
        for key, label, database in self._databases():
            row = Row(key, f"ModelDesk run API ({label}{', titles' if self.args.titles else ''})")
            env = modeldesk.environment(database, self.args.settings)
            seeded = modeldesk.setup(env, self.mock.url)
            with self._server(partial(modeldesk.start, self.processes, f"modeldesk-{key}", env)) as server:
                target = modeldesk.target(server, seeded, titles=self.args.titles)
                measure = partial(self.measure, row, server, target)
                rows.append(self._timed(row.label, measure))
        return rows

    def _databases(self) -> Iterator[tuple[str, str, str]]:
        yield report.SQLITE, "SQLite", self.stack.enter_context(modeldesk.sqlite_database(self.processes.log_dir))
        if self.args.postgres:
            url = self.stack.enter_context(modeldesk.postgres_database(self.args.postgres_url))
            yield report.POSTGRES, "PostgreSQL", url

    @contextmanager
    def _server(self, start: Callable[[], Server]) -> Iterator[Server]:
        server = start()
        try:
            yield server
        finally:
            self.processes.stop(server)

    def _timed(self, label: str, measure: Callable[[], Row]) -> Row:
        print(f"{label} ...", end=" ", flush=True)
        started = time.monotonic()
        row = measure()
        print(f"{time.monotonic() - started:.0f} s", flush=True)
        return row

    def measure(self, row: Row, server: Server, target: Target | None) -> Row:
        """Warm up, then c=1, c=16 and c=64 (CPU counted over these three), then time to first token at c=1."""
        target = target or openai_target(self.mock.url)
        upstream = server is not self.mock
        asyncio.run(_levels(target, [(8, self.args.warmup)]))
        server.settle()
        cpu, served = server.cpu_seconds(), mock_requests(self.mock) if upstream else 0
        levels = [(1, self.args.requests), (16, self.args.requests), (64, self.args.c64_requests)]
        c1, c16, c64 = asyncio.run(_levels(target, levels))
        server.settle()
        count = sum(n for _, n in levels)
        row.cpu_ms = (server.cpu_seconds() - cpu) * 1000 / count
        if upstream:
            row.upstream_per_request = (mock_requests(self.mock) - served) / count
        (ttft,) = asyncio.run(_levels(target, [(0, self.args.requests)]))
        row.rss_mb = server.rss_mb()
        self._fill(row, c1, c16, c64, ttft)
        return row

    def _fill(self, row: Row, c1: Outcome, c16: Outcome, c64: Outcome, ttft: Outcome) -> None:
        row.p50, row.p95 = c1.percentile(50), c1.percentile(95)
        row.rps16, row.rps64, row.ttft = c16.per_second, c64.per_second, ttft.percentile(50)
        if row.key != report.DIRECT:
            row.added_p50 = _minus(row.p50, self.direct.p50)
            row.added_ttft = _minus(row.ttft, self.direct.ttft)
        failures = merged(c1, c16, c64, ttft)
        row.failures, row.samples = dict(failures["failures"]), failures["samples"]
        row.failed, row.c64_failed, row.c64_requests = sum(row.failures.values()), c64.failed, c64.count


def _minus(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


async def _levels(target: Target, levels: list[tuple[int, int]]) -> list[Outcome]:
    """Each level with a client of its own (so that no level reuses a connection the server closed while idle);
    concurrency 0 means the streamed requests, one at a time."""
    outcomes = []
    for concurrency, requests in levels:
        http = new_client()
        try:
            if concurrency:
                outcomes.append(await run_level(http, target, concurrency=concurrency, requests=requests))
            else:
                outcomes.append(await run_ttft(http, target, requests=requests))
        finally:
            await http.close()
    return outcomes


def describe(args: argparse.Namespace) -> str:
    parts = [
        f"{args.requests} requests at c=1 and c=16, {args.c64_requests} at c=64, {args.requests} streamed",
        f"mock latency {args.latency_ms:g} ms, client {client_name()} on core 0, servers on core {SERVER_CORE}",
    ]
    if args.hog:
        parts.append(f"busy machine: a CPU hog on core {SERVER_CORE}")
    return "; ".join(parts)


def main(argv: list[str]) -> int:
    args = parse(argv)
    interrupt_on_signals()
    started = time.monotonic()
    with ExitStack() as stack:
        logs = Path(tempfile.mkdtemp(prefix="modeldesk-bench-"))
        if args.keep_logs:
            stack.callback(print, f"\nServer logs: {logs}")
        else:
            stack.callback(shutil.rmtree, logs, ignore_errors=True)
        processes = Processes(logs)
        stack.callback(processes.stop_all)
        try:
            if args.hog:
                processes.start("cpu hog", hog_command(), core=SERVER_CORE)
            if args.scaling:
                print(scaling.run(args, processes, stack))
                print(f"\n{time.monotonic() - started:.0f} s in all")
                return 0
            print(describe(args), flush=True)
            rows = Bench(args, processes, stack).rows()
        except (StartError, RuntimeError) as exc:
            print(f"\nbench.load stopped: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ninterrupted; stopping the servers", file=sys.stderr)
            return 130
    print()
    print(report.table(rows))
    print("\nGoals")
    print("\n".join(goal.line() for goal in report.goals(rows, hog=args.hog)))
    if notes := report.floor_notes(rows):
        print("\nWhere the time goes\n" + "\n".join(notes))
    print(f"\n{time.monotonic() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
