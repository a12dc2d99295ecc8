"""Does ModelDesk's time per request stay flat as the data grows? ``bench.load --scaling``.

With 10 and then 1,000 credentials and models (the models on the called credential's server, the worst case
for its model list): ``GET /playground/`` and a run request. Then a run with history on (2 rounds sent) in a
conversation that stores 2 and one that stores 200 rounds of ~4 KB; each request has a conversation of its
own, so that no run adds to the history the next one reads. Before any of it, the user has 50 conversations,
a full sidebar, so that the runs measured in between do not change what the page lists.

The mock answers at once by default (``--latency-ms 0``): the ratios are then of ModelDesk's own time.
Requests go one at a time; the figures are the median time and the server's CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from contextlib import ExitStack
from dataclasses import dataclass

from . import modeldesk
from .client import Outcome, Target, new_client, run_each
from .processes import Processes, Server
from .servers import start_mock

SAMPLES = 50  # requests per figure at most (fewer with a smaller --requests), and conversations per history length
WARMUP = 10
SIDEBAR = 50  # conversation_list's limit
FEW, MANY = 10, 1000
SHORT, LONG = 2, 200
LIMIT = 1.2


@dataclass(frozen=True)
class Figure:
    ms: float
    cpu_ms: float
    failed: int


def run(args: argparse.Namespace, processes: Processes, stack: ExitStack) -> str:
    mock = start_mock(processes, args.latency_ms)
    lines = []
    databases = [("SQLite", stack.enter_context(modeldesk.sqlite_database(processes.log_dir)))]
    if args.postgres:
        databases.append(("PostgreSQL", stack.enter_context(modeldesk.postgres_database(args.postgres_url))))
    for label, database in databases:
        print(f"scaling on {label} ...", flush=True)
        lines += _database(label, database, args, processes, mock)
    return "\n".join(lines)


def _database(label: str, database: str, args: argparse.Namespace, processes: Processes, mock: Server) -> list[str]:
    samples = min(args.requests, SAMPLES)
    env = modeldesk.environment(database, args.settings)
    seeded = modeldesk.setup(env, mock.url)
    credentials = ("credentials", "--mock-url", f"{mock.url}/v1", "--credential", seeded.credential)
    modeldesk.seed(env, *credentials, "--total", str(FEW))
    _conversations(env, seeded, SIDEBAR, 1)
    server = modeldesk.start(processes, f"modeldesk-scaling-{label}", env)
    try:
        page, run_target = _page_target(server, seeded), modeldesk.target(server, seeded)
        few = [_figure(server, page, [page.body] * samples), _figure(server, run_target, [run_target.body] * samples)]
        modeldesk.seed(env, *credentials, "--total", str(MANY))
        many = [_figure(server, page, [page.body] * samples), _figure(server, run_target, [run_target.body] * samples)]
        short, long = (
            _figure(server, run_target, _history_bodies(env, seeded, rounds, samples)) for rounds in (SHORT, LONG)
        )
    finally:
        processes.stop(server)
    return [
        "",
        f"Scaling, ModelDesk on {label}: {samples} requests each, one at a time, mock latency {args.latency_ms:g} ms.",
        f"Median request time (server CPU per request); the goals: the larger case within {LIMIT}x of the smaller.",
        _line("GET /playground/", f"{FEW:,} credentials and models", few[0], f"{MANY:,}", many[0]),
        _line("POST /playground/api/run/", f"{FEW:,} credentials and models", few[1], f"{MANY:,}", many[1]),
        _line(f"run, history on ({SHORT} rounds sent)", f"{SHORT} rounds stored", short, f"{LONG} rounds", long),
    ]


def _line(label: str, base_name: str, base: Figure, grown_name: str, grown: Figure) -> str:
    ratio = grown.ms / base.ms
    failed = base.failed + grown.failed
    figures = [f"{name}: {f.ms:.1f} ms ({f.cpu_ms:.1f} CPU)" for name, f in ((base_name, base), (grown_name, grown))]
    verdict = "met" if ratio <= LIMIT else "NOT met"
    failures = f",  {failed} failed" if failed else ""
    return f"  {f'[{verdict}]':9} {label:34} {ratio:5.2f}x   {',  '.join(figures)}{failures}"


def _page_target(server: Server, seeded: modeldesk.Seeded) -> Target:
    return Target(
        url=server.url + modeldesk.PAGE_PATH,
        body=b"",
        headers=seeded.headers(content_type="text/html"),
        marker=b"mock upstream",  # the credential's name, in the credential select
        method="GET",
    )


def _conversations(env: dict[str, str], seeded: modeldesk.Seeded, count: int, rounds: int) -> list[str]:
    made = modeldesk.seed(
        env, "conversations", "--count", str(count), "--rounds", str(rounds), "--credential", seeded.credential
    )
    return list(made["conversations"])


def _history_bodies(env: dict[str, str], seeded: modeldesk.Seeded, rounds: int, samples: int) -> list[bytes]:
    ids = _conversations(env, seeded, samples, rounds)
    return [
        modeldesk.run_body(seeded, conversation=conversation, history=True, history_rounds=SHORT)
        for conversation in ids
    ]


def _figure(server: Server, target: Target, bodies: list[bytes]) -> Figure:
    """Median time and CPU per request, one request per body, after ``WARMUP`` requests of the target's own."""
    asyncio.run(_send(target, [target.body] * WARMUP))
    server.settle()
    cpu = server.cpu_seconds()
    outcome = asyncio.run(_send(target, bodies))
    server.settle()
    cpu_ms = (server.cpu_seconds() - cpu) * 1000 / outcome.count
    if outcome.failed:
        print(f"  {outcome.failed} failed: {json.dumps(outcome.samples)[:300]}", flush=True)
    return Figure(outcome.percentile(50) or 0.0, cpu_ms, outcome.failed)


async def _send(target: Target, bodies: list[bytes]) -> Outcome:
    http = new_client()
    try:
        return await run_each(http, target, bodies)
    finally:
        await http.close()
