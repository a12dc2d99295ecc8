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


VERSION_BODY = {"version": "acme/echo:fake-version", "input": {"prompt": "hi"}}


def test_replicate_runs_a_community_version_by_id_or_by_owner_name_version(client):
    by_id = client.post("/v1/predictions", headers=OPENAI, json={"version": "abc123", "input": {"prompt": "hi"}})
    assert by_id.status_code == 201
    assert (by_id.json()["status"], by_id.json()["version"], by_id.json()["output"]) == (
        "succeeded",
        "abc123",
        ["Echo: ", "hi"],
    )
    by_ref = client.post("/v1/predictions", headers=OPENAI, json=VERSION_BODY).json()
    assert (by_ref["model"], by_ref["version"]) == ("acme/echo", "fake-version")
    missing = client.post("/v1/predictions", headers=OPENAI, json={"input": {"prompt": "hi"}})
    assert missing.status_code == 422 and missing.json()["title"] == "Input validation failed"


def test_replicate_reads_a_prediction_again_at_its_urls_get(client):
    created = client.post("/v1/models/acme/echo/predictions", headers=OPENAI, json={"input": {"prompt": "hi"}}).json()
    assert created["urls"]["get"].startswith(str(client.base_url))
    again = client.get(created["urls"]["get"], headers=OPENAI).json()
    assert again == created
    assert client.get("/v1/predictions/unknown", headers=OPENAI).status_code == 404
    assert client.get(created["urls"]["get"]).status_code == 401


def test_a_slow_replicate_model_starts_stays_starting_for_two_reads_then_succeeds(client):
    created = client.post("/v1/models/acme/slow-echo/predictions", headers=OPENAI, json={"input": {"prompt": "hi"}})
    body = created.json()
    assert created.status_code == 201 and (body["status"], body["output"]) == ("starting", None)
    statuses = [client.get(body["urls"]["get"], headers=OPENAI).json()["status"] for _ in range(4)]
    assert statuses == ["starting", "starting", "succeeded", "succeeded"]


def test_slow_n_sets_how_many_reads_a_community_version_stays_starting(client):
    body = client.post("/v1/predictions", headers=OPENAI, json={**VERSION_BODY, "version": "slow-1"}).json()
    statuses = [client.get(body["urls"]["get"], headers=OPENAI).json()["status"] for _ in range(2)]
    assert (body["status"], statuses) == ("starting", ["starting", "succeeded"])


def test_replicate_cancels_a_running_prediction_but_not_a_finished_one(client):
    slow = client.post("/v1/models/acme/slow-echo/predictions", headers=OPENAI, json={"input": {"prompt": "hi"}}).json()
    canceled = client.post(slow["urls"]["cancel"], headers=OPENAI).json()
    assert canceled["status"] == "canceled"
    assert client.get(slow["urls"]["get"], headers=OPENAI).json()["status"] == "canceled"
    done = client.post("/v1/models/acme/echo/predictions", headers=OPENAI, json={"input": {"prompt": "hi"}}).json()
    assert client.post(done["urls"]["cancel"], headers=OPENAI).json()["status"] == "succeeded"


def test_replicate_describes_the_tokens_account(client):
    account = client.get("/v1/account", headers=OPENAI)
    assert account.status_code == 200
    assert account.json() == {"type": "user", "username": "fake-user", "name": "Fake User", "github_url": None}
    assert client.get("/v1/account").status_code == 401
