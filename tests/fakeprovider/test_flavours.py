"""Flavours of the OpenAI protocol: Moonshot, DeepSeek, Gemini, Zhipu and vLLM quirks."""

from __future__ import annotations

import pytest

from tests.fakeprovider.helpers import (
    OPENAI,
    chat,
    data_events,
    fault,
)

# --- Flavours of the OpenAI protocol. ---


def test_moonshot_stream_puts_usage_inside_the_final_choice_and_not_at_the_top(client):
    events = data_events(chat(client, "moonshot-echo", stream=True, stream_options={"include_usage": True}).text)
    final = events[-2]
    assert final["choices"][0]["finish_reason"] == "stop"
    assert final["choices"][0]["usage"] == {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    assert all(e == "[DONE]" or (e["choices"] and e["usage"] is None) for e in events)


def test_deepseek_stream_opens_with_keep_alives_and_reasons_before_answering(client):
    text = chat(client, "deepseek-echo", stream=True).text
    assert text.startswith(": keep-alive\n\n")
    deltas = [e["choices"][0]["delta"] for e in data_events(text) if e != "[DONE]" and e["choices"]]
    reasoning = [i for i, d in enumerate(deltas) if d.get("reasoning_content")]
    answer = [i for i, d in enumerate(deltas) if d.get("content")]
    assert reasoning and answer and max(reasoning) < min(answer)


def test_deepseek_completion_carries_reasoning_content(client):
    message = chat(client, "deepseek-echo").json()["choices"][0]["message"]
    assert message["reasoning_content"] and message["content"] == "Echo: hello world"


def test_the_flavour_can_come_from_a_header(client):
    text = chat(client, "plain", headers={**OPENAI, "x-fake-flavor": "deepseek"}, stream=True).text
    assert text.startswith(": keep-alive")


def test_gemini_answers_a_bad_key_with_a_400_json_array(client):
    response = chat(client, "gemini-2.5-flash", headers={"authorization": "Bearer invalid"})
    assert response.status_code == 400
    assert response.json() == [
        {
            "error": {
                "code": 400,
                "message": "API key not valid. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
            }
        }
    ]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"authorization": "Bearer invalid"}, 401, "1002"),
        (fault("context"), 400, "1261"),
        (fault("429"), 429, "1302"),
    ],
)
def test_zhipu_errors_carry_string_business_codes(client, headers, status, code):
    response = chat(client, "zhipu-glm", headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    if status == 401:
        assert response.json()["error"]["message"] == "Authorization Token非法"


def test_vllm_answers_a_bad_key_with_a_flat_unauthorized(client):
    response = chat(client, "vllm-echo", headers={"authorization": "Bearer invalid"})
    assert response.status_code == 401 and response.json() == {"error": "Unauthorized"}
