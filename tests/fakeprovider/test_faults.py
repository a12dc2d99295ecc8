"""Each fault misbehaves as named."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from fakeprovider import running_fake_server
from tests.fakeprovider.helpers import (
    ANTHROPIC,
    CHAT,
    HELLO,
    KEY,
    TLS,
    chat,
    content_of,
    data_events,
    fault,
    messages,
    ndjson,
    wait_for,
)

# --- Faults. ---


def test_latency_delays_the_reply(client):
    started = time.monotonic()
    assert chat(client, headers=fault("latency-150")).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_latency_also_paces_every_stream_frame(client):
    started = time.monotonic()
    events = data_events(chat(client, headers=fault("latency-30"), stream=True).text)
    assert len(events) == 8
    assert time.monotonic() - started >= 8 * 0.03


def test_429_carries_retry_after_one_second_or_the_requested_value(client):
    default = chat(client, headers=fault("429"))
    chosen = chat(client, headers={**fault("429"), "x-fake-retry-after": "7"})
    assert default.status_code == 429 and default.headers["retry-after"] == "1"
    assert default.json()["error"]["code"] == "rate_limit_exceeded"
    assert chosen.headers["retry-after"] == "7"


def test_429ms_carries_only_retry_after_ms(client):
    default = chat(client, headers=fault("429ms"))
    chosen = chat(client, headers={**fault("429ms"), "x-fake-retry-after-ms": "20"})
    assert default.status_code == 429 and default.headers["retry-after-ms"] == "1500"
    assert "retry-after" not in default.headers
    assert chosen.headers["retry-after-ms"] == "20"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 422, 500, 502, 503, 529])
def test_a_status_fault_answers_that_status_with_an_openai_error_body(client, status):
    response = chat(client, headers=fault(str(status)))
    assert response.status_code == status
    assert response.json()["error"]["message"] and response.json()["error"]["type"]


@pytest.mark.parametrize(
    ("status", "type_"),
    [
        (400, "invalid_request_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (503, "api_error"),
        (529, "overloaded_error"),
    ],
)
def test_a_status_fault_on_anthropic_uses_its_error_type(client, status, type_):
    response = messages(client, headers=fault(str(status), ANTHROPIC), messages=HELLO)
    assert response.status_code == status
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == type_


def test_a_status_fault_on_ollama_is_a_flat_error_string(client):
    response = client.post("/api/chat", headers={"x-fake-fault": "503"}, json={"model": "m"})
    assert response.status_code == 503 and isinstance(response.json()["error"], str)


def test_context_fault_uses_each_protocols_context_error(client):
    openai = chat(client, headers=fault("context")).json()["error"]
    anthropic = messages(client, headers=fault("context", ANTHROPIC), messages=HELLO).json()["error"]
    ollama = client.post("/api/chat", headers={"x-fake-fault": "context"}, json={"model": "m"})
    moonshot = chat(client, "moonshot-echo", headers=fault("context")).json()["error"]
    assert openai["code"] == "context_length_exceeded"
    assert anthropic == {
        "type": "invalid_request_error",
        "message": "prompt is too long: 250000 tokens > 200000 maximum",
    }
    assert ollama.status_code == 400 and "context length" in ollama.json()["error"]
    assert moonshot["message"] == "Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)"


def test_a_stalled_request_times_the_client_out_without_holding_up_other_requests(client):
    with pytest.raises(httpx.ReadTimeout):
        client.post(CHAT, headers=fault("stall"), json={"model": "m", "messages": HELLO}, timeout=0.2)
    started = time.monotonic()
    assert chat(client).status_code == 200
    assert time.monotonic() - started < 1


def test_stopping_the_server_ends_a_stall_promptly():
    errors: list[Exception] = []
    with running_fake_server() as fake:

        def stalled() -> None:
            try:
                httpx.post(fake.url + CHAT, headers=fault("stall"), json={"messages": HELLO}, timeout=10, verify=TLS)
            except httpx.HTTPError as exc:
                errors.append(exc)

        thread = threading.Thread(target=stalled)
        thread.start()
        wait_for(lambda: len(fake.requests) == 1)
        stopping = time.monotonic()
    thread.join(timeout=3)
    assert time.monotonic() - stopping < 2
    assert len(errors) == 1 and isinstance(errors[0], httpx.RemoteProtocolError)


def test_cut_streams_two_chunks_then_drops_the_connection_without_done(client):
    lines: list[str] = []
    body = {"model": "m", "messages": HELLO, "stream": True}
    with pytest.raises(httpx.RemoteProtocolError), client.stream("POST", CHAT, headers=fault("cut"), json=body) as r:
        lines.extend(r.iter_lines())
    events = data_events("\n".join(lines))
    assert content_of(events) == "Echo: he"
    assert "[DONE]" not in events


def test_cut_without_streaming_announces_more_body_than_it_sends(client):
    with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|expected"):
        chat(client, headers=fault("cut"))


def test_malformed_is_truncated_json_with_status_200(client):
    response = chat(client, headers=fault("malformed"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.text == '{"id": "x", "choices": ['


@pytest.mark.parametrize(("name", "status"), [("html", 502), ("html200", 200)])
def test_html_faults_answer_a_gateway_page(client, name, status):
    response = chat(client, headers=fault(name))
    assert (response.status_code, response.headers["content-type"]) == (status, "text/html")
    assert response.text == "<html><body><h1>502 Bad Gateway</h1></body></html>"


def test_flaky_fails_the_first_n_requests_per_key_until_reset(client, fake):
    assert [chat(client, "echo-fault-flaky-2").status_code for _ in range(3)] == [500, 500, 200]
    other_key = {**fault("flaky-1"), "x-fake-key": "job-7"}
    assert [chat(client, headers=other_key).status_code for _ in range(2)] == [500, 200]
    fake.reset()
    assert chat(client, "echo-fault-flaky-2").status_code == 500


def test_midstream_error_sends_an_openai_error_frame_after_two_chunks(client):
    response = chat(client, headers=fault("midstream-error"), stream=True)
    events = data_events(response.text)
    assert response.status_code == 200
    assert content_of(events) == "Echo: he"
    assert events[-1] == {"error": {"message": "overloaded", "type": "server_error"}}


def test_midstream_error_sends_an_anthropic_error_event(client):
    text = messages(client, headers=fault("midstream-error", ANTHROPIC), messages=HELLO, stream=True).text
    assert text.endswith(
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )
    assert "message_stop" not in text


def test_midstream_error_sends_an_ollama_error_line_with_status_200(client):
    response = client.post(
        "/api/chat", headers={"x-fake-fault": "midstream-error"}, json={"model": "m", "messages": HELLO}
    )
    lines = ndjson(response.text)
    assert response.status_code == 200
    assert [line.get("message", {}).get("content") for line in lines[:2]] == ["Echo", ": he"]
    assert set(lines[-1]) == {"error"}


def test_redirect_points_at_another_host_on_the_same_port(client, fake):
    response = chat(client, headers=fault("redirect"))
    assert response.status_code == 307
    assert response.headers["location"] == f"http://127.0.0.2:{fake.port}{CHAT}"


def test_echo_key_puts_the_received_key_in_the_error_message(client):
    response = chat(client, headers=fault("echo-key"))
    assert response.status_code == 400 and KEY in response.json()["error"]["message"]


def test_a_fault_can_be_named_at_the_end_of_the_model(client):
    response = chat(client, "echo-fault-429")
    assert response.status_code == 429 and response.headers["retry-after"] == "1"


def test_an_unknown_fault_is_a_400_that_names_it(client):
    response = chat(client, headers=fault("gremlins"))
    assert response.status_code == 400 and "gremlins" in response.json()["error"]["message"]
