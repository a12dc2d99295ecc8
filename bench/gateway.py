"""ModelDesk's OpenAI-compatible gateway (``/v1``) under load, side by side with LiteLLM's proxy and a floor.

    .venv/bin/python -m bench.gateway [--requests 500] [--c1-requests 1000] [--no-litellm] [--only modeldesk]
    .venv/bin/python -m bench.gateway --requests 100 --no-litellm --scaling-requests 100     # a quick look

In one run, as ``bench.load`` does it (whose ``Bench`` this extends): a mock OpenAI-compatible upstream
(``bench.loadkit.mock``) and the load generator share core 0; each server under test runs alone, one worker
pinned to core 1: the minimal ASGI proxy on aiohttp (the HTTP client ModelDesk's asynchronous path uses; the one
on httpx with ``--only httpx``), LiteLLM's proxy (installed on first use into ``bench/.venv-litellm``), and
ModelDesk's ``POST /v1/chat/completions`` with an API key (``Authorization: Bearer md-…``), on SQLite and, with
``--postgres``, PostgreSQL. Every server is sent the same OpenAI request; ModelDesk's names its model
``credential/model``, and a route's name too once routes serve requests (a probe at start says whether they do).

For each: CPU per request, latency at c=1 (p50 and p99) and what it adds over calling the mock directly,
throughput at c=16 and c=64, streaming (time to first token at c=1, streams per second at c=16), memory after
the load, and lost or failed replies. Then ModelDesk's added latency as keys grow from 10 to 10,000 and routes
from 10 to 1,000 (``bench.loadkit.gateway_scaling``), and the goals of issue 14.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from functools import partial

import httpx

from .load import Bench, _minus
from .loadkit import gateway_report, gateway_scaling, modeldesk, report
from .loadkit.client import Http, Outcome, Target, client_name, merged, new_client, run_level, run_streams
from .loadkit.mock import REPLY_MARKER
from .loadkit.processes import SERVER_CORE, Processes, Server, bench_processes, ending_on_failure, interrupt_on_signals
from .loadkit.report import Row
from .loadkit.servers import mock_requests, openai_target

SERVERS = ("httpx", "aiohttp", "litellm", "modeldesk")
DEFAULT = ("aiohttp", "litellm", "modeldesk")
SEED = gateway_scaling.SEED
Run = Callable[[Http], Awaitable[Outcome]]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="requests at c=16 and c=64, streams at c=16 (500)")
    parser.add_argument("--c1-requests", type=int, help="requests and streams at c=1 (default: 2x --requests)")
    parser.add_argument("--warmup", type=int, default=50, help="requests before measuring each server (50)")
    parser.add_argument("--latency-ms", type=float, default=10.0, help="the mock's delay before answering (10)")
    parser.add_argument("--scaling-requests", type=int, default=300, help="requests per scaling figure (300)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the keys and routes scaling figures")
    parser.add_argument("--postgres", action="store_true", help="ModelDesk on PostgreSQL too")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432",
                        help="server for the throw-away database, without a database name")  # fmt: skip
    parser.add_argument("--no-litellm", action="store_true", help="skip LiteLLM (and its install)")
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(SERVERS)} ({','.join(DEFAULT)})")
    parser.add_argument("--settings", default=modeldesk.SETTINGS, help=f"ModelDesk's settings ({modeldesk.SETTINGS})")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (the directory is printed)")
    args = parser.parse_args(argv)
    args.c1_requests = args.c1_requests or 2 * args.requests
    args.c64_requests = args.requests
    only = set((args.only or ",".join(DEFAULT)).split(","))
    if unknown := only - set(SERVERS):
        parser.error(f"unknown server(s) in --only: {', '.join(sorted(unknown))}; choose from {', '.join(SERVERS)}")
    args.servers = [s for s in SERVERS if s in only and not (s == "litellm" and args.no_litellm)]
    return args


class GatewayBench(Bench):
    """``bench.load``'s runner (the mock, the floors, LiteLLM) measuring what issue 14 asks, and ModelDesk's
    ``/v1`` in place of the playground API."""

    def __init__(self, args: argparse.Namespace, processes: Processes, stack: ExitStack) -> None:
        super().__init__(args, processes, stack)
        self.scaling: dict[str, gateway_scaling.Scaling] = {}
        self.notes: list[str] = []

    def _modeldesk(self) -> list[Row]:
        rows = []
        for key, label, database in self._databases():
            env = modeldesk.environment(database, self.args.settings)
            seeded = modeldesk.seed(env, "setup", "--mock-url", f"{self.mock.url}/v1", module=SEED)
            with self._server(partial(modeldesk.start, self.processes, f"modeldesk-{key}", env)) as server:
                by_route = self._routes_serve(server, seeded)
                calls = [("", "", seeded["model"])]
                if by_route:
                    calls.append((gateway_report.ROUTE_SUFFIX, ", a route", seeded["route"]))
                for suffix, how, model in calls:
                    row = Row(f"{gateway_report.MODELDESK}-{key}{suffix}", f"ModelDesk /v1 ({label}{how})")
                    target = openai_target(server.url, model=model, api_key=seeded["key"])
                    rows.append(self._timed(row.label, partial(self.measure, row, server, target)))
                if not self.args.no_scaling:
                    grown = f"{gateway_scaling.KEYS:,} keys and {gateway_scaling.ROUTES:,} routes"
                    print(f"ModelDesk /v1 ({label}) with {grown} ...", end=" ", flush=True)
                    started = time.monotonic()
                    self.scaling[label] = gateway_scaling.run(
                        env, server, self.mock, seeded, by_route=by_route, requests=self.args.scaling_requests
                    )
                    print(f"{time.monotonic() - started:.0f} s", flush=True)
        return rows

    def _routes_serve(self, server: Server, seeded: dict[str, str]) -> bool:
        """Whether a route's name is served (route-based dispatch is in the code measured); the note says so."""
        target = openai_target(server.url, model=seeded["route"], api_key=seeded["key"])
        answer = httpx.post(target.url, content=target.body, headers=target.headers, timeout=30)
        if answer.status_code == 200 and REPLY_MARKER in answer.content:
            return True
        note = (
            f"  Routes do not serve requests in the code measured (the route `{seeded['route']}` answered"
            f" {answer.status_code}).\n  ModelDesk is called with `{seeded['model']}`; the routes' scaling figure"
            " has the Route and Deployment rows in the database\n  and calls credential/model."
        )
        if note not in self.notes:
            self.notes.append(note)
        return False

    def measure(self, row: Row, server: Server, target: Target | None) -> Row:
        """Warm up; c=1, c=16 and c=64 (CPU counted over these three); streams at c=1 and c=16; memory."""
        target = target or openai_target(self.mock.url)
        upstream = server is not self.mock
        asyncio.run(_runs([partial(run_level, target=target, concurrency=8, requests=self.args.warmup)]))
        server.settle()
        cpu, served = server.cpu_seconds(), mock_requests(self.mock) if upstream else 0
        levels = [(1, self.args.c1_requests), (16, self.args.requests), (64, self.args.requests)]
        runs = [partial(run_level, target=target, concurrency=c, requests=n) for c, n in levels]
        c1, c16, c64 = asyncio.run(_runs(runs))
        server.settle()
        count = sum(n for _, n in levels)
        row.cpu_ms = (server.cpu_seconds() - cpu) * 1000 / count
        if upstream:
            row.upstream_per_request = (mock_requests(self.mock) - served) / count
        streams = [(1, self.args.c1_requests), (16, self.args.requests)]
        ttft, streams16 = asyncio.run(_runs([partial(run_streams, target=target, concurrency=c, requests=n)
                                             for c, n in streams]))  # fmt: skip
        server.settle()
        row.rss_mb = server.rss_mb()
        self._fill_gateway(row, c1, c16, c64, ttft, streams16)
        return row

    def _fill_gateway(self, row: Row, c1: Outcome, c16: Outcome, c64: Outcome, ttft: Outcome, s16: Outcome) -> None:
        self._fill(row, c1, c16, c64, ttft)
        row.p99, row.streams16 = c1.percentile(99), s16.per_second
        if row.key != report.DIRECT:
            row.added_p99 = _minus(row.p99, self.direct.p99)
        failures = merged(c1, c16, c64, ttft, s16)
        row.failures, row.samples = dict(failures["failures"]), failures["samples"]
        row.failed = sum(row.failures.values())


async def _runs(runs: Sequence[Run]) -> list[Outcome]:
    """Each run with a client of its own (so that no run reuses a connection the server closed while idle)."""
    outcomes = []
    for run in runs:
        http = new_client()
        try:
            outcomes.append(await run(http))
        finally:
            await http.close()
    return outcomes


def describe(args: argparse.Namespace) -> str:
    return (
        f"{args.c1_requests} requests and streams at c=1, {args.requests} requests at c=16 and c=64 and streams at"
        f" c=16; mock latency {args.latency_ms:g} ms, client {client_name()} on core 0, servers on core {SERVER_CORE}"
    )


def scaling_lines(bench: GatewayBench) -> list[str]:
    lines = []
    for label, scaling in bench.scaling.items():
        lines.append(f"\nScaling, ModelDesk /v1 on {label}: added p50 at c=1 (server CPU per request)")
        for stage in (scaling.few, scaling.keys, scaling.routes):
            failed = f", {stage.failed} failed" if stage.failed else ""
            lines.append(f"  {stage.label:28} {stage.added_p50:6.2f} ms  ({stage.cpu_ms:.2f} ms CPU){failed}"
                         f"  model {stage.model}")  # fmt: skip
    return lines


def goal_lines(rows: list[Row], bench: GatewayBench) -> list[str]:
    lines = ["\nGoals (issue 14)"]
    if not any(row.key.startswith(gateway_report.MODELDESK) and not row.skipped for row in rows):
        lines.append("  [not measured] every goal: needs the modeldesk row")
    for label, goals in gateway_report.goals(rows):
        lines += [f" {label}", *(goal.line() for goal in goals)]
    for label, scaling in bench.scaling.items():
        lines.append(f" ModelDesk /v1 ({label}), keys and routes")
        lines += [goal.line() for goal in gateway_report.scaling_goals(scaling)]
    if bench.notes:
        lines += ["", *bench.notes]
    return lines


def main(argv: list[str]) -> int:
    args = parse(argv)
    interrupt_on_signals()
    started = time.monotonic()
    print(describe(args), flush=True)
    with ExitStack() as stack, ending_on_failure("bench.gateway"):
        bench = GatewayBench(args, bench_processes(stack, keep_logs=args.keep_logs), stack)
        rows = bench.rows()
    print()
    print(report.table(rows, gateway_report.GATEWAY_COLUMNS))
    print(f"p99 from {args.c1_requests} requests at c=1; streams/s = streams read to [DONE] per second at c=16.")
    print("\n".join(scaling_lines(bench) + goal_lines(rows, bench)))
    print(f"\n{time.monotonic() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
