"""Every adapter against the fake provider over a real loopback socket: operations, streaming, errors."""

from __future__ import annotations

import pytest

from calls import services
from core.errors import OperationNotSupported, ProviderError
from wire.types import AudioFile, Message

HI = [Message("system", "You are terse."), Message("user", "hi there")]

# slug, base path, extra credential values
CHAT_PROVIDERS = [
    ("openai_compatible", "/v1", {}),
    ("openai", "/v1", {}),
    ("azure_openai", "", {"api_version": "2024-10-21"}),
    ("anthropic", "", {}),
    ("ollama", "", {}),
    ("kimi", "/v1", {"region": "cn"}),
    ("deepseek", "/v1", {}),
    ("zhipu", "/v1", {}),
    ("gemini", "/v1", {}),
    ("qwen", "/v1", {"region": "cn-beijing"}),
]
FLAVOUR = {"kimi": "moonshot-", "deepseek": "deepseek-", "zhipu": "zhipu-", "gemini": "gemini-"}


def model_for(slug: str, name: str = "echo-1") -> str:
    return FLAVOUR.get(slug, "") + name


@pytest.mark.parametrize("slug, path, extra", CHAT_PROVIDERS, ids=[c[0] for c in CHAT_PROVIDERS])
def test_chat_non_streaming(point_at, slug, path, extra):
    credential = point_at(slug, path, **extra)
    outcome = services.chat(credential=credential, model=model_for(slug), messages=HI)
    assert outcome.content == "Echo: hi there"
    assert outcome.info.usage.input_tokens and outcome.info.usage.output_tokens
    assert outcome.info.attempts == 1


@pytest.mark.parametrize("slug, path, extra", CHAT_PROVIDERS, ids=[c[0] for c in CHAT_PROVIDERS])
def test_chat_streaming_captures_usage(point_at, slug, path, extra):
    credential = point_at(slug, path, **extra)
    stream = services.chat_stream(credential=credential, model=model_for(slug), messages=HI)
    pieces = [delta.content for delta in stream]
    assert len(pieces) > 1
    assert "".join(pieces) == "Echo: hi there"
    assert stream.outcome is not None
    usage = stream.outcome.info.usage
    assert usage.input_tokens and usage.output_tokens == 4  # ceil(len("Echo: hi there") / 4)
    assert stream.outcome.info.ttft_ms is not None


def test_deepseek_reasoning_is_kept_apart_from_the_answer(point_at):
    outcome = services.chat(credential=point_at("deepseek"), model="deepseek-echo", messages=HI)
    assert outcome.reasoning and outcome.content == "Echo: hi there"


@pytest.mark.parametrize(
    "slug, path, extra",
    [
        ("openai_compatible", "/v1", {}),
        ("azure_openai", "", {"api_version": "2024-10-21", "deployments": "gpt-4o=prod-4o"}),
        ("anthropic", "", {}),
        ("ollama", "", {}),
        ("gemini", "/v1", {}),
    ],
)
def test_model_list(point_at, slug, path, extra):
    models = services.remote_models_list(credential=point_at(slug, path, **extra))
    assert models and all(m.name for m in models)
    assert not any(m.name.startswith("models/") for m in models)


@pytest.mark.parametrize(
    "slug, path, extra, model",
    [
        ("openai_compatible", "/v1", {}, "embed-1"),
        ("azure_openai", "", {"api_version": "2024-10-21"}, "embed-1"),
        ("ollama", "", {}, "embed-1"),
        ("jina", "/v1", {}, "jina-embeddings-v3"),
    ],
)
def test_embeddings(point_at, slug, path, extra, model):
    outcome = services.embed(credential=point_at(slug, path, **extra), model=model, inputs=["a", "b c"])
    assert len(outcome.vectors) == 2 and len(outcome.vectors[0]) > 0
    assert outcome.vectors[0] != outcome.vectors[1]


@pytest.mark.parametrize(
    "slug, path, extra",
    [
        ("jina", "/v1", {}),
        ("cohere", "", {}),
        ("qwen", "/compatible-mode/v1", {"region": "cn-beijing"}),
        ("openai_compatible", "/v1", {}),
    ],
)
def test_rerank(point_at, slug, path, extra):
    documents = ["the cat sat", "quantum physics", "a cat and a dog"]
    outcome = services.rerank(
        credential=point_at(slug, path, **extra), model="rerank-1", query="cat", documents=documents, top_n=2
    )
    assert [hit.document for hit in outcome.hits][:1] in (["the cat sat"], ["a cat and a dog"])
    assert outcome.hits[0].score >= outcome.hits[-1].score
    assert "quantum physics" not in [hit.document for hit in outcome.hits]


@pytest.mark.parametrize(
    "slug, path, extra", [("openai_compatible", "/v1", {}), ("azure_openai", "", {"api_version": "2024-10-21"})]
)
def test_speech_to_text(point_at, slug, path, extra):
    audio = AudioFile("hello.wav", b"RIFF" + b"\0" * 60, "audio/wav")
    outcome = services.transcribe(credential=point_at(slug, path, **extra), model="whisper-1", audio=audio)
    assert "hello.wav" in outcome.text and "64" in outcome.text


def test_replicate_predictions(point_at):
    outcome = services.chat(credential=point_at("replicate", "/v1"), model="meta/llama-3-8b", messages=HI)
    assert outcome.content == "Echo: hi there"


@pytest.mark.parametrize(
    "slug, operation",
    [("kimi", "embed"), ("anthropic", "rerank"), ("deepseek", "transcribe"), ("cohere", "chat")],
)
def test_operations_a_provider_does_not_offer_get_a_clear_error(point_at, slug, operation, fake_provider):
    credential = point_at(slug, "/v1", **({"region": "cn"} if slug == "kimi" else {}))
    calls = {
        "embed": lambda: services.embed(credential=credential, model="m", inputs=["x"]),
        "rerank": lambda: services.rerank(credential=credential, model="m", query="q", documents=["d"]),
        "transcribe": lambda: services.transcribe(credential=credential, model="m", audio=AudioFile("a.wav", b"x")),
        "chat": lambda: services.chat(credential=credential, model="m", messages=HI),
    }
    with pytest.raises(OperationNotSupported, match="does not offer"):
        calls[operation]()
    assert fake_provider.requests == []


# fault -> error type, for every chat protocol
FAULTS = [
    ("401", "authentication"),
    ("403", "permission"),
    ("404", "model_not_found"),
    ("429", "rate_limited"),
    ("context", "context_too_long"),
    ("400", "bad_request"),
    ("500", "provider_unavailable"),
    ("stall", "provider_unavailable"),
    ("malformed", "bad_response"),
    ("html200", "bad_response"),
    ("cut", "bad_response"),
]
PROTOCOLS = [
    ("openai_compatible", "/v1", {}),
    ("azure_openai", "", {"api_version": "2024-10-21"}),
    ("anthropic", "", {}),
    ("ollama", "", {}),
]


@pytest.mark.parametrize("fault, error_type", FAULTS, ids=[f[0] for f in FAULTS])
@pytest.mark.parametrize("slug, path, extra", PROTOCOLS, ids=[p[0] for p in PROTOCOLS])
def test_each_error_class(point_at, slug, path, extra, fault, error_type):
    credential = point_at(slug, path, **extra)
    with pytest.raises(ProviderError) as info:
        services.chat(credential=credential, model=f"echo-fault-{fault}", messages=HI, max_attempts=1, deadline=0.5)
    error = info.value
    assert error.error_type == error_type, str(error)
    assert credential.provider.spec.english_name in str(error) and f"echo-fault-{fault}" in str(error)


@pytest.mark.parametrize("slug, flavour", [("gemini", "gemini-"), ("zhipu", "zhipu-"), ("kimi", "moonshot-")])
def test_provider_specific_error_bodies(point_at, slug, flavour):
    credential = point_at(slug, "/v1", **({"region": "cn"} if slug == "kimi" else {}))
    for fault, error_type in [("401", "authentication"), ("context", "context_too_long"), ("429", "rate_limited")]:
        with pytest.raises(ProviderError) as info:
            services.chat(credential=credential, model=f"{flavour}echo-fault-{fault}", messages=HI)
        assert info.value.error_type == error_type, (fault, str(info.value))


def test_connect_error_is_provider_unavailable(catalog, canary):
    from credentials.services import credential_save
    from providers.models import Provider

    credential = credential_save(
        provider=Provider.objects.get(slug="openai_compatible"),
        name="nowhere",
        values={"base_url": "http://127.0.0.1:9/v1", "api_key": canary},
    )
    with pytest.raises(ProviderError) as info:
        services.chat(credential=credential, model="m", messages=HI)
    assert info.value.error_type == "provider_unavailable"
    assert info.value.attempts == 3


def test_stream_is_not_retried_after_the_first_token(point_at, fake_provider):
    credential = point_at("openai_compatible")
    stream = services.chat_stream(credential=credential, model="echo-fault-cut", messages=HI)
    received = []
    with pytest.raises(ProviderError) as info:
        for delta in stream:
            received.append(delta.content)
    assert received and info.value.error_type == "bad_response"
    assert info.value.attempts == 1
    assert len([r for r in fake_provider.requests if "chat/completions" in r.path]) == 1


def test_stream_failing_before_the_first_token_is_retried(point_at, fake_provider):
    stream = services.chat_stream(credential=point_at("openai_compatible"), model="echo-fault-flaky-2", messages=HI)
    assert "".join(d.content for d in stream) == "Echo: hi there"
    assert stream.outcome.info.attempts == 3


def test_redirect_to_another_host_is_not_followed(point_at, fake_provider):
    with pytest.raises(ProviderError, match="another host") as info:
        services.chat(credential=point_at("openai_compatible"), model="echo-fault-redirect", messages=HI)
    assert info.value.error_type == "bad_response"


def test_replicate_answers_a_stream_request_with_the_whole_reply(point_at):
    stream = services.chat_stream(credential=point_at("replicate", "/v1"), model="meta/llama-3-8b", messages=HI)
    assert [d.content for d in stream] == ["Echo: hi there"]
    assert stream.outcome.info.ttft_ms is not None


OTHER_FAULTS = [
    ("401", "authentication"),
    ("429", "rate_limited"),
    ("500", "provider_unavailable"),
    ("malformed", "bad_response"),
]


@pytest.mark.parametrize("fault, error_type", OTHER_FAULTS, ids=[f[0] for f in OTHER_FAULTS])
@pytest.mark.parametrize("slug, path", [("jina", "/v1"), ("cohere", ""), ("replicate", "/v1")])
def test_each_error_class_for_rerank_and_replicate(point_at, slug, path, fault, error_type):
    credential = point_at(slug, path)
    model = f"rerank-fault-{fault}" if slug != "replicate" else f"owner/echo-fault-{fault}"
    with pytest.raises(ProviderError) as info:
        if slug == "replicate":
            services.chat(credential=credential, model=model, messages=HI)
        else:
            services.rerank(credential=credential, model=model, query="q", documents=["d"])
    assert info.value.error_type == error_type, str(info.value)


def test_a_billing_429_is_not_retried_and_says_what_it_is(point_at, fake_provider):
    """OpenAI sends a used-up quota as a 429 (insufficient_quota); retrying cannot fix it, so one attempt only."""
    credential = point_at("openai_compatible")
    with pytest.raises(ProviderError) as info:
        services.chat(credential=credential, model="echo-fault-quota", messages=HI, max_attempts=3)
    assert info.value.error_type == "quota_exceeded"
    assert info.value.attempts == 1 and len(fake_provider.requests) == 1
