"""Does the gateway's added latency stay flat as keys and routes grow? The scaling figures of ``bench.gateway``.

On the server ``bench.gateway`` has just measured (seeded by ``gateway_seed setup`` with 10 keys and 10 routes),
three stages, each changing one thing: 10 keys and 10 routes, called with one of the 10 keys; 10,000 keys (made
in bulk), called with one of the new keys; then 1,000 routes, with that key. The model is a route (one of the
first 10, then one of the new ones) once routes serve requests, and ``credential/model`` until then: the route
rows are in the database all the same, so that a lookup that reads them pays for them.

Each stage warms the server up with its own key and model (the key's first use reads it from the database),
then sends requests one at a time in blocks of ``BLOCK``, a block to the mock directly and a block to the
gateway in turn. The figure is the median over the pairs of blocks of the gateway block's median time minus the
direct block's (the added latency), so that a burst of other work on the machine, which reaches a few blocks,
moves it little; with the server's CPU per request over the stage.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass
from functools import partial

from . import modeldesk
from .client import Outcome, Target, merged, new_client, run_level
from .processes import Server
from .servers import openai_target

SEED = "bench.loadkit.gateway_seed"
KEYS, ROUTES = 10_000, 1_000
BLOCK = 20
WARMUP = 100
LIMIT = 1.2  # the larger case's added latency within this of the smaller's: "flat"


@dataclass(frozen=True)
class Stage:
    label: str
    model: str
    added_p50: float
    cpu_ms: float
    failed: int


@dataclass(frozen=True)
class Scaling:
    """The three stages, and whether the model called was a route."""

    few: Stage
    keys: Stage
    routes: Stage
    by_route: bool


def run(
    env: dict[str, str], server: Server, mock: Server, seeded: dict[str, str], *, by_route: bool, requests: int
) -> Scaling:
    """``seeded`` is what ``gateway_seed setup`` answered (the model, one of the few keys, one of the routes)."""
    model = partial(_model, seeded["model"], by_route)
    measure = partial(_stage, server, mock, requests)
    few = measure("10 keys, 10 routes", model(seeded["route"]), seeded["few_key"])
    key = str(modeldesk.seed(env, "keys", "--total", str(KEYS), module=SEED)["key"])
    keys = measure(f"{KEYS:,} keys", model(seeded["route"]), key)
    route = str(modeldesk.seed(env, "routes", "--total", str(ROUTES), module=SEED)["route"])
    routes = measure(f"{KEYS:,} keys, {ROUTES:,} routes", model(route), key)
    return Scaling(few, keys, routes, by_route)


def _model(credential_model: str, by_route: bool, route: str) -> str:
    return route if by_route else credential_model


def _stage(server: Server, mock: Server, requests: int, label: str, model: str, key: str) -> Stage:
    gateway = openai_target(server.url, model=model, api_key=key)
    direct = openai_target(mock.url)
    asyncio.run(_blocks([(gateway, WARMUP)]))
    server.settle()
    cpu = server.cpu_seconds()
    blocks = max(1, requests // BLOCK)
    per_block = max(1, requests // blocks)
    outcomes = asyncio.run(_blocks([(t, per_block) for _ in range(blocks) for t in (direct, gateway)]))
    server.settle()
    pairs = list(zip(outcomes[0::2], outcomes[1::2], strict=True))
    added = statistics.median((g.percentile(50) or 0.0) - (d.percentile(50) or 0.0) for d, g in pairs)
    failures = merged(*outcomes)["failures"]
    cpu_ms = (server.cpu_seconds() - cpu) * 1000 / sum(g.count for _, g in pairs)
    return Stage(label, model, added, cpu_ms, sum(failures.values()))


async def _blocks(blocks: list[tuple[Target, int]]) -> list[Outcome]:
    """Each block one request at a time, all with one client (a keep-alive connection to each side)."""
    http = new_client()
    try:
        return [await run_level(http, target, concurrency=1, requests=count) for target, count in blocks]
    finally:
        await http.close()
