"""Replicate predictions answer at once with the echo output."""

from __future__ import annotations

from tests.fakeprovider.helpers import (
    OPENAI,
)

# --- Replicate. ---


def test_replicate_prediction_succeeds_at_once_with_echo_output(client):
    headers = {**OPENAI, "prefer": "wait"}
    response = client.post("/v1/models/acme/echo/predictions", headers=headers, json={"input": {"prompt": "hi"}})
    body = response.json()
    assert response.status_code == 201
    assert (body["status"], body["output"], body["model"]) == ("succeeded", ["Echo: ", "hi"], "acme/echo")
    assert body["metrics"]["input_token_count"] == 1 and body["metrics"]["output_token_count"] == 2


def test_replicate_describes_a_model(client):
    body = client.get("/v1/models/acme/echo", headers=OPENAI).json()
    assert (body["owner"], body["name"], body["latest_version"]["id"]) == ("acme", "echo", "fake-version")


def test_replicate_errors_are_problem_json(client):
    refused = client.post("/v1/models/acme/echo/predictions", json={"input": {"prompt": "hi"}})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "detail": "You did not pass a valid authentication token",
        "status": 401,
        "title": "Unauthenticated",
    }
    invalid = client.post("/v1/models/acme/echo/predictions", headers=OPENAI, json={"input": {}})
    assert invalid.status_code == 422 and invalid.json()["title"] == "Input validation failed"
