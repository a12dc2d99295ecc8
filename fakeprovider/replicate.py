"""Replicate: ``POST /v1/models/{owner}/{name}/predictions`` and ``GET /v1/models/{owner}/{name}``, with
problem+json errors. The fake finishes every prediction at once, so it answers as if ``Prefer: wait`` was sent."""

from __future__ import annotations

from typing import Any

from fakeprovider.base import Call, Reply, Route, Wire, json_reply, phrase
from fakeprovider.echo import tokens

CREATED_AT = "2025-01-01T00:00:00.000Z"
PROBLEMS = {  # status: (title, detail)
    401: ("Unauthenticated", "You did not pass a valid authentication token"),
    402: ("Insufficient credit", "You have insufficient credit to run this model."),
    404: ("Not found", "The requested resource could not be found."),
    422: ("Input validation failed", "- input: prompt is required"),
    429: ("Request was throttled.", "Request was throttled. Expected available in 1 second."),
    500: ("Internal server error", "An internal error occurred."),
}


class ReplicateWire(Wire):
    def error(self, call: Call, status: int, *, kind: str = "", message: str | None = None) -> Reply:
        title, detail = PROBLEMS.get(status, (phrase(status), phrase(status)))
        if kind == "context":
            detail = "Prediction failed: the prompt is longer than the model's context window."
        body = {"detail": message or detail, "status": status, "title": title}
        return json_reply(body, status, media_type="application/problem+json")


def predict(call: Call) -> Reply:
    """A prediction that has already succeeded; ``output`` is a list of strings to join."""
    given = call.body.get("input")
    if not isinstance(given, dict) or not isinstance(given.get("prompt"), str):
        return call.error(422)
    prompt = given["prompt"]
    reply = "Echo: " + prompt
    counts = {"input_token_count": tokens(prompt), "output_token_count": tokens(reply)}
    metrics = {**counts, "predict_time": 0.01, "total_time": 0.01}
    return json_reply({**_prediction(call, given), "output": ["Echo: ", prompt], "metrics": metrics}, 201)


def _prediction(call: Call, given: dict[str, Any]) -> dict[str, Any]:
    base = f"http://{call.headers.get('host', 'localhost')}/v1/predictions/fake-prediction"
    return {
        "id": "fake-prediction",
        "model": call.model,
        "version": "fake-version",
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


WIRE = ReplicateWire()
MODEL = "(?:/v1)?/models/(?P<model>[^/]+/[^/]+)"
ROUTES = [
    Route("POST", f"{MODEL}/predictions", WIRE, predict),
    Route("GET", MODEL, WIRE, model_info),
]
