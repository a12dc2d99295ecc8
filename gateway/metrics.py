"""The gateway's Prometheus metrics (prometheus-client): requests, failed attempts, latency and time to first
token by route, and each deployment's health, read from the shared health store when scraped.

Under several uvicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory each worker can write: every
worker then records into it and ``/metrics`` sums them (prometheus-client's multiprocess mode); README shows it.

A request's route is noted by ``dispatch.plan`` into the request's labels (``labels``, a context variable that the
request threads share, since a hop copies the context but not the dictionary in it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "modeldesk_gateway_requests",
    "Requests answered by /v1, by endpoint, route and status code.",
    ["endpoint", "route", "status"],
    registry=REGISTRY,
)
FAILED_ATTEMPTS = Counter(
    "modeldesk_gateway_failed_attempts",
    "Attempts that failed, by route, deployment (credential/model) and error type.",
    ["route", "deployment", "error_type"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "modeldesk_gateway_request_seconds",
    "Time from a request's arrival to the end of its answer, by endpoint and route.",
    ["endpoint", "route"],
    buckets=BUCKETS,
    registry=REGISTRY,
)
TTFT = Histogram(
    "modeldesk_gateway_time_to_first_token_seconds",
    "Time from a streamed request's arrival to its first token, by route.",
    ["route"],
    buckets=BUCKETS,
    registry=REGISTRY,
)

labels: ContextVar[dict[str, Any] | None] = ContextVar("gateway_labels", default=None)


def note_route(name: str) -> None:
    found = labels.get()
    if found is not None:
        found["route"] = name


_children: dict[tuple[Any, ...], Any] = {}  # each label set's child, found once: ``labels()`` checks and locks


def _child(metric: Any, *values: str) -> Any:
    key = (id(metric), *values)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*values)
    return child


@contextmanager
def measured(endpoint: str) -> Iterator[dict[str, Any]]:
    """Labels for one request; set ``status`` in them. Counted and timed when the block ends."""
    found: dict[str, Any] = {"route": "", "status": 500, "started": time.perf_counter()}
    token = labels.set(found)
    try:
        yield found
    finally:
        labels.reset(token)
        route = found["route"] or "-"
        _child(REQUESTS, endpoint, route, str(found["status"])).inc()
        _child(LATENCY, endpoint, route).observe(time.perf_counter() - found["started"])


def first_token() -> None:
    found = labels.get()
    if found is not None and "ttft" not in found:
        found["ttft"] = time.perf_counter() - found["started"]
        _child(TTFT, found["route"] or "-").observe(found["ttft"])


def attempt_failed(route: str, deployment: str, error_type: str) -> None:
    _child(FAILED_ATTEMPTS, route, deployment, error_type).inc()


class HealthCollector(Collector):
    """``modeldesk_gateway_deployment_cooling``: 1 while a deployment of a route cools down, else 0."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from . import health, routes

        gauge = GaugeMetricFamily(
            "modeldesk_gateway_deployment_cooling",
            "1 while a route's deployment is cooling down after failures, else 0 (shared by every process).",
            labels=["route", "deployment"],
        )
        for route in routes.routes().values():
            ids = [t.id for t in route.targets if t.id is not None]
            cooling = health.store().cooling(ids) if route.cools else {}
            for target in route.targets:
                value = 1.0 if target.id in cooling else 0.0
                gauge.add_metric([route.name, f"{target.credential}/{target.model}"], value)
        yield gauge


def exposition() -> bytes:
    """The metrics in Prometheus's text format: this process's, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    health_registry = CollectorRegistry()
    health_registry.register(HealthCollector())
    return generate_latest(registry) + generate_latest(health_registry)
