"""Replicate's adapter: which endpoint a model name runs at, how a running prediction is read again and cancelled,
and the account request that tests a token.

Facts checked 2026-12-02:

- https://replicate.com/docs/reference/http (predictions.create, mirrored at
  https://sdks.replicate.com/resources/predictions/models/prediction): ``POST /v1/predictions`` takes
  ``{"version": ..., "input": ...}``; with ``Prefer: wait`` it waits up to 60 s, then returns the prediction
  ``starting`` to be read with predictions.get (``GET /v1/predictions/{id}``); predictions.cancel is
  ``POST /v1/predictions/{id}/cancel``; both URLs come in the prediction's ``urls``.
- https://replicate.com/changelog/2025-08-05-run-all-models-with-the-same-api-endpoint: ``version`` may be
  ``owner/name:version_id``, the bare 64-character ``version_id``, or (since then) ``owner/name``; official models
  keep ``POST /v1/models/{owner}/{name}/predictions``.
- github:replicate/replicate-python ``replicate/run.py`` and ``replicate/prediction.py``: a community model's
  ``owner/name:version`` is sent as ``version=<version id>`` to ``/v1/predictions``; ``owner/name`` goes to the
  model's predictions endpoint.
- https://sdks.replicate.com/resources/account/methods/get (account.get): ``GET /v1/account`` returns the
  token's account, ``{"type", "username", "name", "github_url"}``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.errors import BadResponse, InvalidInput
from fakeprovider import FakeProviderServer, running_fake_server
from wire.adapters import adapter_for
from wire.adapters.replicate import ReplicateAdapter
from wire.retry import RetryPolicy
from wire.transport import Transport
from wire.types import ChatParams, ImagePart, Message, Target, TextPart

KEY = "r8_test-token-0123"
BASE = "https://api.replicate.com/v1"
VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
HELLO = (Message("user", "Alice"),)
# predictions.create's documented answer when the wait ended first (replicate.com/docs/reference/http).
STARTING = {
    "id": "gm3qorzdhgbfurvjtvhg6dckhu",
    "model": "replicate/hello-world",
    "version": VERSION,
    "input": {"text": "Alice"},
    "logs": "",
    "error": None,
    "status": "starting",
    "created_at": "2023-09-08T16:19:34.765994657Z",
    "urls": {
        "cancel": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel",
        "get": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu",
    },
}
# predictions.get's documented answer once the prediction has finished.
SUCCEEDED = {
    **STARTING,
    "output": "hello Alice",
    "status": "succeeded",
    "created_at": "2023-09-08T16:19:34.765994Z",
    "started_at": "2023-09-08T16:19:34.779176Z",
    "completed_at": "2023-09-08T16:19:34.791859Z",
    "metrics": {"predict_time": 0.012683},
}
# account.get's documented answer.
ACCOUNT = {
    "type": "organization",
    "username": "acme",
    "name": "Acme Corp, Inc.",
    "github_url": "https://github.com/acme",
}


def replicate(base_url: str = BASE) -> ReplicateAdapter:
    adapter = adapter_for("replicate", Target("replicate", "Replicate", base_url, {"api_key": KEY}))
    assert isinstance(adapter, ReplicateAdapter)
    return adapter


def request_for(model: str, messages: tuple[Message, ...] = HELLO):
    return replicate().chat_request(ChatParams(model=model, messages=messages), stream=False)


# --- which endpoint a model runs at ---------------------------------------------------------------------------------
def test_an_official_model_runs_at_its_models_predictions_endpoint():
    spec = request_for("meta/meta-llama-3-8b-instruct")
    assert (spec.method, spec.url) == ("POST", f"{BASE}/models/meta/meta-llama-3-8b-instruct/predictions")
    assert spec.json == {"input": {"prompt": "Alice"}}
    assert spec.headers == {"Authorization": f"Bearer {KEY}", "Prefer": "wait"}


def test_a_community_version_runs_at_predictions_with_the_bare_version_id():
    """The version was dropped and the request went to the model's endpoint, which 404s for community models."""
    spec = request_for(f"replicate/hello-world:{VERSION}")
    assert (spec.method, spec.url) == ("POST", f"{BASE}/predictions")
    assert spec.json == {"version": VERSION, "input": {"prompt": "Alice"}}


def test_a_bare_version_id_runs_at_predictions():
    spec = request_for(VERSION)
    assert spec.url == f"{BASE}/predictions" and spec.json["version"] == VERSION


@pytest.mark.parametrize("model", ["llama", "a/b/c", "../x/predictions", "owner/name:", "owner/na me", "owner/"])
def test_a_name_that_is_not_owner_name_or_a_version_is_invalid_input(model):
    with pytest.raises(InvalidInput, match="owner/name"):
        request_for(model)


def test_text_parts_are_joined_into_the_prompt_and_system_messages_go_apart():
    messages = (
        Message("system", (TextPart("Be "), TextPart("brief."))),
        Message("user", (TextPart("Hello "), TextPart("there"))),
        Message("assistant", "Hi"),
        Message("user", "Bye"),
    )
    payload = request_for("acme/echo", messages).json["input"]
    assert payload == {"prompt": "user: Hello there\nassistant: Hi\nuser: Bye", "system_prompt": "Be brief."}


def test_an_image_is_invalid_input_for_replicate():
    """Each Replicate vision model names its own image input; there is no generic one to send it in."""
    messages = (Message("user", (TextPart("What is this?"), ImagePart(url="https://example.com/cat.png"))),)
    with pytest.raises(InvalidInput, match="images"):
        request_for("acme/echo", messages)


# --- reading a running prediction again ----------------------------------------------------------------------------
def test_a_starting_prediction_is_read_again_at_its_urls_get_with_the_token_and_no_prefer():
    spec = replicate().poll_request(STARTING)
    assert spec is not None
    assert (spec.method, spec.url) == ("GET", STARTING["urls"]["get"])
    assert spec.headers == {"Authorization": f"Bearer {KEY}"}
    assert replicate().poll_request({**STARTING, "status": "processing"}) is not None


@pytest.mark.parametrize("status", ["succeeded", "failed", "canceled"])
def test_a_final_prediction_is_not_read_again(status):
    assert replicate().poll_request({**SUCCEEDED, "status": status}) is None


def test_a_urls_get_on_another_host_is_not_followed_the_prediction_is_read_under_the_base_url():
    """The token goes to the base URL's origin only; a foreign urls.get (or a proxy base URL) reads by id."""
    foreign = {**STARTING, "urls": {"get": "https://evil.example/v1/predictions/x", "cancel": "https://evil.example/c"}}
    spec = replicate().poll_request(foreign)
    assert spec is not None and spec.url == f"{BASE}/predictions/gm3qorzdhgbfurvjtvhg6dckhu"
    proxied = replicate("https://proxy.internal/replicate/v1").poll_request(STARTING)
    assert (
        proxied is not None
        and proxied.url == "https://proxy.internal/replicate/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu"
    )
    downgraded = {**STARTING, "urls": {"get": "http://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu"}}
    spec = replicate().poll_request(downgraded)
    assert spec is not None and spec.url.startswith("https://")


@pytest.mark.parametrize("prediction_id", [None, "", "../account", "a/b", 5])
def test_a_running_prediction_without_a_usable_url_or_id_is_a_bad_response(prediction_id):
    body = {"status": "starting", "id": prediction_id, "urls": {"get": "https://evil.example/p"}}
    with pytest.raises(BadResponse):
        replicate().poll_request(body)


def test_a_poll_of_a_body_that_is_not_a_prediction_is_a_bad_response():
    with pytest.raises(BadResponse, match="status"):
        replicate().poll_request({"detail": "Not found"})


def test_a_running_prediction_is_cancelled_at_its_urls_cancel_a_final_one_is_not():
    spec = replicate().cancel_request(STARTING)
    assert spec is not None
    assert (spec.method, spec.url) == ("POST", STARTING["urls"]["cancel"])
    assert spec.headers == {"Authorization": f"Bearer {KEY}"}
    assert replicate().cancel_request(SUCCEEDED) is None
    foreign = {**STARTING, "urls": {"cancel": "https://evil.example/c"}}
    assert replicate().cancel_request(foreign).url == f"{BASE}/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel"


def test_the_documented_final_prediction_parses():
    result = replicate().chat_response(SUCCEEDED)
    assert (result.content, result.model, result.finish_reason) == ("hello Alice", "replicate/hello-world", "stop")


# --- testing a token without a model ---------------------------------------------------------------------------------
def test_the_probe_reads_the_account_with_the_token_only():
    spec = replicate().probe_request()
    assert (spec.method, spec.url, spec.json) == ("GET", f"{BASE}/account", None)
    assert spec.headers == {"Authorization": f"Bearer {KEY}"}
    assert replicate().probe_response(ACCOUNT) == "acme"
    with pytest.raises(BadResponse, match="username"):
        replicate().probe_response({"type": "user"})


# --- over a real loopback socket -------------------------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with running_fake_server() as server:
        yield server


def loopback(fake: FakeProviderServer) -> tuple[ReplicateAdapter, Transport]:
    adapter = replicate(fake.url + "/v1")
    return adapter, Transport(RetryPolicy(max_attempts=1, deadline=5.0), errors=adapter.response_error)


def test_a_community_version_runs_against_the_fake_over_loopback(fake):
    adapter, transport = loopback(fake)
    spec = adapter.chat_request(
        ChatParams(model="acme/echo:fake-version", messages=(Message("user", "hi"),)), stream=False
    )
    result = transport.call(spec, adapter.chat_response)
    assert result.content == "Echo: hi"
    (sent,) = fake.requests
    assert (sent.method, sent.path) == ("POST", "/v1/predictions")
    assert sent.headers["authorization"] == f"Bearer {KEY}" and sent.headers["prefer"] == "wait"


def test_the_probe_reads_the_fake_account_over_loopback(fake):
    adapter, transport = loopback(fake)
    assert transport.call(adapter.probe_request(), adapter.probe_response) == "fake-user"
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/v1/account")]
