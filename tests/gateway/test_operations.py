"""/v1/rerank (Cohere's shape, as LiteLLM offers it) and /v1/audio/transcriptions (OpenAI's multipart form),
driven with the official ``openai`` SDK against the fake provider."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from gateway.models import Deployment, Route
from tests.gateway.client import call

pytestmark = pytest.mark.django_db(transaction=True)
DOCUMENTS = ["the cat sat", "quantum physics", "a cat and a dog"]
WAV = ("hello.wav", b"RIFF" + b"\0" * 60, "audio/wav")


def rerank(client: openai.AsyncOpenAI, **body: Any) -> Any:
    return client.post("/rerank", cast_to=object, body={"query": "cat", "documents": DOCUMENTS, **body})


@pytest.mark.parametrize("slug, path", [("jina", "/v1"), ("cohere", "")])
def test_rerank_answers_in_cohere_shape(point_at, key, slug, path):
    point_at(slug, path, name="search")
    answer = call(key, lambda c: rerank(c, model="search/rerank-1", top_n=2))
    assert answer["model"] == "search/rerank-1" and answer["id"].startswith("rerank-")
    results = answer["results"]
    assert len(results) == 2 and results[0]["relevance_score"] >= results[1]["relevance_score"]
    assert {r["document"]["text"] for r in results} <= {"the cat sat", "a cat and a dog"}
    assert all(DOCUMENTS[r["index"]] == r["document"]["text"] for r in results)


def test_rerank_takes_document_objects_and_can_leave_them_out(point_at, key):
    point_at("jina", "/v1", name="search")
    documents = [{"text": d} for d in DOCUMENTS]
    answer = call(key, lambda c: rerank(c, model="search/rerank-1", documents=documents, return_documents=False))
    assert len(answer["results"]) == 3 and all("document" not in r for r in answer["results"])


@pytest.mark.parametrize(
    "body, param",
    [
        ({"documents": []}, "documents"),
        ({"documents": [5]}, "documents"),
        ({"query": ""}, "query"),
        ({"top_n": 0}, "top_n"),
    ],
)
def test_rerank_says_what_is_wrong(point_at, key, body, param):
    point_at("jina", "/v1", name="search")
    with pytest.raises(openai.BadRequestError) as raised:
        call(key, lambda c: rerank(c, model="search/rerank-1", **body))
    assert raised.value.body["param"] == param


def test_rerank_falls_back_over_a_route(point_at, key, monkeypatch):
    from gateway import routes

    monkeypatch.setattr(routes, "_weighted_shuffle", lambda targets, rng: list(targets))
    route = Route.objects.create(name="search")
    for name, model in (("down", "rerank-1-fault-500"), ("up", "rerank-1")):
        Deployment.objects.create(route=route, credential=point_at("jina", "/v1", name=name), model=model)
    assert len(call(key, lambda c: rerank(c, model="search"))["results"]) == 3


def test_a_transcription_as_json_and_as_text(llm, key):
    answer = call(key, lambda c: c.audio.transcriptions.create(model="team/whisper-1", file=WAV))
    assert "hello.wav" in answer.text and "64" in answer.text
    text = call(key, lambda c: c.audio.transcriptions.create(model="team/whisper-1", file=WAV, response_format="text"))
    assert isinstance(text, str) and "hello.wav" in text
    verbose = call(
        key,
        lambda c: c.audio.transcriptions.create(
            model="team/whisper-1", file=WAV, response_format="verbose_json", language="en"
        ),
    )
    assert verbose.language == "en" and "hello.wav" in verbose.text


def test_a_transcription_request_that_is_not_a_form_is_a_400(llm, key):
    from config.asgi import application
    from tests.asgi_client import run_async

    async def post(**kwargs: Any) -> httpx.Response:
        kwargs.setdefault("headers", {"Authorization": f"Bearer {key}"})
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
            return await client.post("/v1/audio/transcriptions", **kwargs)

    plain = run_async(post(json={"model": "team/whisper-1"}))
    assert plain.status_code == 400 and "multipart" in plain.json()["error"]["message"]
    no_file = run_async(post(data={"model": "team/whisper-1"}, files={"other": ("x.txt", b"x")}))
    assert no_file.status_code == 400 and no_file.json()["error"]["param"] == "file"
    srt = run_async(post(data={"model": "team/whisper-1", "response_format": "srt"}, files={"file": WAV}))
    assert srt.status_code == 400 and srt.json()["error"]["param"] == "response_format"
    anonymous = run_async(post(data={"model": "team/whisper-1"}, files={"file": WAV}, headers={}))
    assert anonymous.status_code == 401
