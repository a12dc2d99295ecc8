"""Polling: a prediction still running when ``Prefer: wait`` ends is read again until it is final, or until the
deadline passes, when it is cancelled and the call fails with a typed error.

Facts checked 2026-12-02 (https://replicate.com/docs/reference/http, predictions.create / get / cancel; mirrored at
https://sdks.replicate.com/resources/predictions/models/prediction): a prediction still running after the 60 s
wait is returned ``starting`` and must be read with ``GET /v1/predictions/{id}`` (its ``urls.get``) until it is
``succeeded``, ``failed`` or ``canceled``; ``POST /v1/predictions/{id}/cancel`` (its ``urls.cancel``) cancels it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from core.errors import AuthenticationFailed, BadResponse, ProviderUnavailable
from fakeprovider import FakeProviderServer, running_fake_server
from tests.wire.test_replicate import KEY, STARTING, SUCCEEDED, replicate
from wire.adapters import adapter_for
from wire.polling import call_until_final
from wire.retry import RetryPolicy
from wire.transport import Transport
from wire.types import ChatParams, Message, RequestSpec, Target

POLICY = RetryPolicy(max_attempts=1, deadline=600.0)
CREATE = RequestSpec("POST", "https://api.replicate.com/v1/predictions", json={"version": "v", "input": {}})


class FakeClock:
    """Time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Upstream:
    """A mocked Replicate answering each request with the next of ``answers`` (the last one repeats)."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path.endswith("/cancel"):
            return httpx.Response(200, json={**STARTING, "status": "canceled"})
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return httpx.Response(status, json=body)

    def sent(self) -> list[tuple[str, str]]:
        return [(r.method, str(r.url)) for r in self.seen]


def run(upstream: Upstream, **options: Any) -> tuple[Any, FakeClock]:
    clock = FakeClock()
    adapter = replicate()
    client = httpx.Client(transport=httpx.MockTransport(upstream))
    transport = Transport(POLICY, sleep=clock.sleep, clock=clock, client=client, errors=adapter.response_error)
    options = {"deadline_s": 10.0, "sleep": clock.sleep, "clock": clock, **options}
    try:
        return call_until_final(transport, adapter, CREATE, adapter.chat_response, **options), clock
    except Exception as error:  # the test inspects it
        return error, clock


GET, CANCEL = STARTING["urls"]["get"], STARTING["urls"]["cancel"]


# --- with a fake clock -----------------------------------------------------------------------------------------------
def test_a_starting_prediction_is_polled_until_it_succeeds():
    """A prediction still starting after the wait used to fail as "did not finish in time"; now it is read again."""
    upstream = Upstream((201, STARTING), (200, {**STARTING, "status": "processing"}), (200, SUCCEEDED))
    result, clock = run(upstream, interval_s=0.5)
    assert result.content == "hello Alice"
    assert upstream.sent() == [("POST", str(CREATE.url)), ("GET", GET), ("GET", GET)]
    assert clock.sleeps == [0.5, 0.5]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in upstream.seen[1:])
    assert all("prefer" not in r.headers for r in upstream.seen[1:])


def test_a_final_answer_is_parsed_without_polling():
    upstream = Upstream((201, SUCCEEDED))
    result, clock = run(upstream)
    assert result.content == "hello Alice" and len(upstream.seen) == 1 and clock.sleeps == []


def test_a_prediction_that_fails_while_polled_is_the_failure_not_a_timeout():
    upstream = Upstream((201, STARTING), (200, {**STARTING, "status": "failed", "error": "CUDA out of memory"}))
    error, _ = run(upstream)
    assert isinstance(error, ProviderUnavailable) and "CUDA out of memory" in str(error)


def test_the_deadline_ends_polling_with_a_typed_error_and_cancels_the_prediction():
    upstream = Upstream((201, STARTING))
    error, clock = run(upstream, deadline_s=3.0, interval_s=1.0)
    assert isinstance(error, ProviderUnavailable)
    assert "no final answer within 3 s" in str(error) and "still working" in str(error)
    assert error.attempts == 4  # the create and three reads
    assert sum(clock.sleeps) == pytest.approx(3.0) and max(clock.sleeps) <= 1.0
    assert upstream.sent()[-1] == ("POST", CANCEL)


def test_the_last_wait_is_cut_to_the_deadline():
    upstream = Upstream((201, STARTING))
    _, clock = run(upstream, deadline_s=2.5, interval_s=1.0)
    assert clock.sleeps == [1.0, 1.0, 0.5]


def test_no_request_and_no_key_go_to_a_host_the_prediction_points_at():
    """A prediction whose urls point at another host is read and cancelled under the base URL instead."""
    evil = {**STARTING, "urls": {"get": "https://evil.example/get", "cancel": "https://evil.example/cancel"}}
    upstream = Upstream((201, evil))
    error, _ = run(upstream, deadline_s=2.0)
    assert isinstance(error, ProviderUnavailable)
    assert {r.url.host for r in upstream.seen} == {"api.replicate.com"}
    assert upstream.sent()[-1] == ("POST", "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel")


def test_a_read_that_fails_for_a_while_is_waited_out():
    """The prediction runs on while a read fails with a 5xx; a later read finds it finished."""
    upstream = Upstream((201, STARTING), (503, {"detail": "busy"}), (502, {"detail": "busy"}), (200, SUCCEEDED))
    result, _ = run(upstream)
    assert result.content == "hello Alice"


def test_reads_that_keep_failing_end_the_call_and_cancel_the_prediction():
    upstream = Upstream((201, STARTING), (500, {"detail": "An internal error occurred."}))
    error, _ = run(upstream)
    assert isinstance(error, ProviderUnavailable) and error.status == 500
    assert [method for method, _ in upstream.sent()] == ["POST", "GET", "GET", "GET", "POST"]


def test_a_read_refused_for_the_token_ends_the_call_at_once():
    upstream = Upstream((201, STARTING), (401, {"detail": "You did not pass a valid authentication token"}))
    error, _ = run(upstream)
    assert isinstance(error, AuthenticationFailed)
    assert [method for method, _ in upstream.sent()] == ["POST", "GET", "POST"]


def test_a_pending_body_without_a_way_to_read_it_again_is_a_typed_bad_response():
    upstream = Upstream((201, {"status": "starting"}))
    error, _ = run(upstream)
    assert isinstance(error, BadResponse) and "no usable urls.get or id" in str(error)


def test_an_adapter_without_polling_makes_one_call():
    adapter = adapter_for("ollama", Target("ollama", "Ollama", "http://ollama.test"))
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"model": "m", "message": {"content": "hi"}, "done": True})

    transport = Transport(POLICY, client=httpx.Client(transport=httpx.MockTransport(answer)))
    spec = adapter.chat_request(ChatParams(model="m", messages=(Message("user", "x"),)), stream=False)
    result = call_until_final(transport, adapter, spec, adapter.chat_response, deadline_s=1.0, sleep=pytest.fail)
    assert result.content == "hi" and len(calls) == 1


def test_without_a_deadline_the_transports_remaining_deadline_applies():
    upstream = Upstream((201, STARTING))
    clock = FakeClock()
    adapter = replicate()
    client = httpx.Client(transport=httpx.MockTransport(upstream))
    transport = Transport(RetryPolicy(max_attempts=1, deadline=4.0), sleep=clock.sleep, clock=clock, client=client)
    with pytest.raises(ProviderUnavailable):
        call_until_final(transport, adapter, CREATE, adapter.chat_response, sleep=clock.sleep, clock=clock)
    assert sum(clock.sleeps) == pytest.approx(4.0)


# --- over a real loopback socket -------------------------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with running_fake_server() as server:
        yield server


def chat_over(fake: FakeProviderServer, model: str) -> Callable[..., Any]:
    adapter = replicate(fake.url + "/v1")
    transport = Transport(RetryPolicy(max_attempts=1, deadline=10.0), errors=adapter.response_error)
    spec = adapter.chat_request(ChatParams(model=model, messages=(Message("user", "hi"),)), stream=False)
    return lambda **options: call_until_final(transport, adapter, spec, adapter.chat_response, **options)


def test_a_slow_official_model_is_polled_to_success_over_loopback(fake):
    result = chat_over(fake, "acme/slow-echo")(deadline_s=5.0, interval_s=0.01)
    assert result.content == "Echo: hi" and result.model == "acme/slow-echo"
    paths = [(r.method, r.path.split("fake-prediction-")[0]) for r in fake.requests]
    assert paths == [("POST", "/v1/models/acme/slow-echo/predictions")] + [("GET", "/v1/predictions/")] * 3
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake.requests)


def test_a_slow_community_version_is_polled_to_success_over_loopback(fake):
    result = chat_over(fake, "acme/echo:slow-1")(deadline_s=5.0, interval_s=0.01)
    assert result.content == "Echo: hi"
    assert [r.method for r in fake.requests] == ["POST", "GET", "GET"]
    assert json.loads(fake.requests[0].body)["version"] == "slow-1"


def test_a_prediction_past_the_deadline_is_cancelled_over_loopback(fake):
    with pytest.raises(ProviderUnavailable, match=r"no final answer within 0\.2 s"):
        chat_over(fake, "acme/slow-1000")(deadline_s=0.2, interval_s=0.05)
    last = fake.requests[-1]
    assert last.method == "POST" and last.path.endswith("/cancel")
    prediction = httpx.get(fake.url + last.path.removesuffix("/cancel"), headers={"authorization": f"Bearer {KEY}"})
    assert prediction.json()["status"] == "canceled"
