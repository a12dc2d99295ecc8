"""Routes: which deployments serve a public model name, and in which order a request tries them.

A request's ``model`` is a route's name (``team-chat``), or a credential and a model (``openai/gpt-4o-mini``),
which is a route of one deployment. The enabled routes are read once per process until one changes
(``gateway.receivers``), so finding one costs a dictionary lookup, however many there are.

A request is served by the deployments of the best priority (1 first) that are not cooling down, picked at
random in proportion to their weights; it falls back to the others of that priority, then to the next priority.
A deployment that fails with a 429, a 5xx, a timeout or an auth error cools down for the route's
``cooldown_seconds`` (or the provider's longer ``Retry-After``): every process leaves it out until then
(``gateway.health``). A route of one deployment never cools down: there is nothing to fall back to, so its errors
are the caller's to see.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import (
    AuthenticationFailed,
    BadResponse,
    ModelDeskError,
    PermissionDenied,
    ProviderError,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)

from . import health
from .keys import keys
from .models import Deployment

_draw = random.Random()  # noqa: S311  # spreading load, not a secret


@dataclass(frozen=True)
class Target:
    """A deployment as a request uses it; ``id`` is None for a ``credential/model`` name."""

    id: int | None
    credential: str
    model: str
    weight: int = 1
    priority: int = 1


@dataclass(frozen=True)
class RouteView:
    name: str
    cooldown_seconds: int
    targets: tuple[Target, ...]

    @property
    def cools(self) -> bool:
        return len(self.targets) > 1


def _load() -> dict[str, RouteView]:
    found: dict[str, list[Target]] = {}
    cooldowns: dict[str, int] = {}
    deployments = Deployment.objects.filter(enabled=True, route__enabled=True, credential__enabled=True)
    rows = deployments.values_list(
        "id", "route__name", "route__cooldown_seconds", "credential__name", "model", "weight", "priority"
    )
    for id_, route, cooldown, credential, model, weight, priority in rows.order_by("priority", "id"):
        found.setdefault(route, []).append(Target(id_, credential, model, weight, priority))
        cooldowns[route] = cooldown
    return {name: RouteView(name, cooldowns[name], tuple(targets)) for name, targets in found.items()}


def routes() -> dict[str, RouteView]:
    """The enabled routes that have an enabled deployment, by name."""
    return keys.get("routes", _load)


def route_for(name: str) -> RouteView | None:
    """The route ``name`` names, or None: not a route and not ``credential/model``."""
    found = routes().get(name)
    if found is not None:
        return found
    credential, slash, model = name.partition("/")
    if not slash or not credential or not model:
        return None
    return RouteView(name, 0, (Target(None, credential, model),))


def order(route: RouteView, cooling: dict[int, health.Cooling], rng: random.Random | None = None) -> list[Target]:
    """The route's deployments that are not cooling down, in the order to try them."""
    draw = rng or _draw
    healthy = [t for t in route.targets if t.id is None or t.id not in cooling]
    ordered: list[Target] = []
    for priority in sorted({t.priority for t in healthy}):
        ordered += _weighted_shuffle([t for t in healthy if t.priority == priority], draw)
    return ordered


def _weighted_shuffle(targets: Sequence[Target], rng: random.Random) -> list[Target]:
    """The targets in a random order where each comes first in proportion to its weight (weight 0: last)."""
    keyed = [(rng.random() ** (1 / t.weight) if t.weight else -1.0, i) for i, t in enumerate(targets)]
    return [targets[i] for _, i in sorted(keyed, reverse=True)]


def cooling_of(route: RouteView) -> dict[int, health.Cooling]:
    if not route.cools:
        return {}
    return health.store().cooling([t.id for t in route.targets if t.id is not None])


def should_cool(error: ModelDeskError) -> bool:
    """A failure that says the deployment, not the request, is at fault: 429, 5xx, a timeout, an auth error."""
    if not isinstance(error, ProviderError):
        return False
    kinds = (RateLimited, QuotaExceeded, ProviderUnavailable, AuthenticationFailed, PermissionDenied, BadResponse)
    return isinstance(error, kinds) or error.timed_out or (error.status or 0) >= 500 or error.status in (401, 403, 429)


def cool(route: RouteView, target: Target, error: ModelDeskError) -> None:
    if route.cools and target.id is not None and should_cool(error):
        retry_after = error.retry_after if isinstance(error, ProviderError) else None
        seconds = max(float(route.cooldown_seconds), retry_after or 0.0)
        if seconds > 0:
            health.store().cool(target.id, seconds, error.error_type)
