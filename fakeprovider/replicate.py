"""Replicate: predictions of official models (``POST /v1/models/{owner}/{name}/predictions``) and of community
versions (``POST /v1/predictions`` with ``version``), read again at ``GET /v1/predictions/{id}`` and cancelled at
``POST /v1/predictions/{id}/cancel``; ``GET /v1/models/{owner}/{name}``, ``GET /v1/account``; problem+json errors.

A prediction finishes at once, as if ``Prefer: wait`` had waited for it, unless its model or version names ``slow``:
then it answers ``starting`` (as when the wait ends first), so do the first two reads (``slow-<n>``: the first
n), and the next read finds it succeeded. Predictions are remembered per process, the latest ``KEPT`` of them.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from fakeprovider.base import Call, Reply, Route, Wire, json_reply, phrase
from fakeprovider.echo import tokens

CREATED_AT = "2025-01-01T00:00:00.000Z"
SLOW_READS = 2
KEPT = 256
PROBLEMS = {  # status: (title, detail)
    401: ("Unauthenticated", "You did not pass a valid authentication token"),
    402: ("Insufficient credit", "You have insufficient credit to run this model."),
    404: ("Not found", "The requested resource could not be found."),
    422: ("Input validation failed", "- input: prompt is required"),
    429: ("Request was throttled.", "Request was throttled. Expected available in 1 second."),
    500: ("Internal server error", "An internal error occurred."),
}
ACCOUNT = {"type": "user", "username": "fake-user", "name": "Fake User", "github_url": None}


class ReplicateWire(Wire):
    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        title, detail = PROBLEMS.get(status, (phrase(status), phrase(status)))
        if kind == "context":
            detail = "Prediction failed: the prompt is longer than the model's context window."
        body = {"detail": message or detail, "status": status, "title": title}
        return json_reply(body, status, media_type="application/problem+json")


# --- Predictions the fake remembers, so they can be read again and cancelled. ---


@dataclass
class _Prediction:
    finished: dict[str, Any]  # the prediction as it is once it has succeeded
    reads_left: int  # reads that still answer "starting"
    canceled: bool = False

    def now(self) -> dict[str, Any]:
        if self.canceled:
            return {**self.finished, "status": "canceled", "output": None, "metrics": {}}
        if self.reads_left > 0:
            pending: dict[str, Any] = {
                "status": "starting",
                "output": None,
                "metrics": {},
                "started_at": None,
                "completed_at": None,
            }
            return {**self.finished, **pending}
        return self.finished


_lock = threading.Lock()
_kept: OrderedDict[str, _Prediction] = OrderedDict()
_ids = itertools.count(1)


def _keep(prediction: _Prediction) -> None:
    with _lock:
        _kept[prediction.finished["id"]] = prediction
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def _kept_prediction(call: Call) -> _Prediction | None:
    with _lock:
        return _kept.get(call.params["id"])


def slow_reads(name: str) -> int:
    """How many reads a model or version answers ``starting`` for: 0, or 2 for ``slow``, n for ``slow-<n>``."""
    if found := re.search(r"slow-(\d+)", name):
        return int(found[1])
    return SLOW_READS if "slow" in name else 0


# --- Handlers. ---


def predict(call: Call) -> Reply:
    """An official model's prediction; ``output`` is a list of strings to join."""
    return _create(call, model=call.model, version="fake-version")


def predict_version(call: Call) -> Reply:
    """A community version's prediction: ``version`` is the version id, or ``owner/name:version``."""
    version = call.body.get("version")
    if not isinstance(version, str) or not version:
        return call.error(422, message="- version: version is required")
    model, _, version_id = version.rpartition(":")
    return _create(call, model=model, version=version_id)


def _create(call: Call, *, model: str, version: str) -> Reply:
    given = call.body.get("input")
    if not isinstance(given, dict) or not isinstance(given.get("prompt"), str):
        return call.error(422)
    prompt = given["prompt"]
    reply = "Echo: " + prompt
    counts = {"input_token_count": tokens(prompt), "output_token_count": tokens(reply)}
    metrics = {**counts, "predict_time": 0.01, "total_time": 0.01}
    finished = {**_prediction(call, given, model, version), "output": ["Echo: ", prompt], "metrics": metrics}
    prediction = _Prediction(finished, reads_left=slow_reads(f"{model}:{version}"))
    _keep(prediction)
    return json_reply(prediction.now(), 201)


def read(call: Call) -> Reply:
    prediction = _kept_prediction(call)
    if prediction is None:
        return call.error(404)
    with _lock:
        answer = prediction.now()
        prediction.reads_left = max(0, prediction.reads_left - 1)
    return json_reply(answer)


def cancel(call: Call) -> Reply:
    prediction = _kept_prediction(call)
    if prediction is None:
        return call.error(404)
    with _lock:
        prediction.canceled = prediction.canceled or prediction.reads_left > 0
        return json_reply(prediction.now())


def _prediction(call: Call, given: dict[str, Any], model: str, version: str) -> dict[str, Any]:
    prediction_id = f"fake-prediction-{next(_ids)}"
    base = f"http://{call.headers.get('host', 'localhost')}/v1/predictions/{prediction_id}"
    return {
        "id": prediction_id,
        "model": model,
        "version": version,
        "input": given,
        "logs": "",
        "error": None,
        "status": "succeeded",
        "data_removed": False,
        "created_at": CREATED_AT,
        "started_at": CREATED_AT,
        "completed_at": CREATED_AT,
        "urls": {"get": base, "cancel": f"{base}/cancel"},
    }


def model_info(call: Call) -> Reply:
    owner, name = call.model.split("/")
    version = {"id": "fake-version", "created_at": CREATED_AT, "cog_version": "0.9.0", "openapi_schema": {}}
    return json_reply(
        {
            "url": f"https://replicate.com/{owner}/{name}",
            "owner": owner,
            "name": name,
            "description": "An echo model served by the ModelDesk fake provider.",
            "visibility": "public",
            "github_url": None,
            "paper_url": None,
            "license_url": None,
            "run_count": 0,
            "cover_image_url": None,
            "default_example": None,
            "latest_version": version,
        }
    )


def account(call: Call) -> Reply:
    return json_reply(ACCOUNT)


WIRE = ReplicateWire()
MODEL = "(?:/v1)?/models/(?P<model>[^/]+/[^/]+)"
PREDICTION = "(?:/v1)?/predictions/(?P<id>[^/]+)"
ROUTES = [
    Route("POST", f"{MODEL}/predictions", WIRE, predict),
    Route("GET", MODEL, WIRE, model_info),
    Route("POST", "(?:/v1)?/predictions", WIRE, predict_version),
    Route("GET", PREDICTION, WIRE, read),
    Route("POST", f"{PREDICTION}/cancel", WIRE, cancel),
    Route("GET", "(?:/v1)?/account", WIRE, account),
]
