"""Azure OpenAI: the deployment mapping picks each call's deployment, v1 and dated routes, reasoning deployments'
token field, and discovery of the credential's deployments.

Sources, checked 2026-12-02: https://learn.microsoft.com/azure/ai-foundry/openai/reference (data plane: v1 is the GA
API), https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle (v1 routes, no api-version),
https://learn.microsoft.com/azure/ai-foundry/openai/how-to/reasoning (o-series need 2024-12-01-preview or later and
max_completion_tokens), https://learn.microsoft.com/en-us/answers/questions/1371786 (the data-plane deployment list
was retired; the management plane lists deployments).
"""

from __future__ import annotations

import pytest

from core.errors import ConfigurationError
from tests.fakeprovider.helpers import KEY
from tests.wire.loopback import transport
from wire.adapters import adapter_for
from wire.adapters.azure import parse_deployments
from wire.types import AudioFile, ChatParams, Message, Target

HI = (Message("user", "hi"),)
MAPPING = "gpt-4o=prod-4o\n# reasoning\no3 = reason-o3\n\ntext-embedding-3-small=emb-small\n"


def azure(base_url: str = "https://r.openai.azure.com", key: str = "k", **config: str):
    return adapter_for("azure_openai", Target("azure_openai", "Azure", base_url, {"api_key": key}, config))


def test_the_mapping_is_parsed_strictly():
    assert parse_deployments(MAPPING) == {"gpt-4o": "prod-4o", "o3": "reason-o3", "text-embedding-3-small": "emb-small"}
    for bad, reason in [("gpt-4o", "line 1"), ("a=b\n=x", "line 2"), ("a=b c", "line 1"), ("a=b\na=c", "second time")]:
        with pytest.raises(ConfigurationError, match=reason):
            parse_deployments(bad)


@pytest.mark.parametrize(
    "model, path, expected",
    [
        ("gpt-4o", "chat/completions", "prod-4o"),  # mapped
        ("reason-o3", "chat/completions", "reason-o3"),  # a mapped deployment named directly
        ("gpt-4.1", "chat/completions", "main-chat"),  # unmapped chat: the default deployment
        ("text-embedding-3-small", "embeddings", "emb-small"),
        ("text-embedding-3-large", "embeddings", "text-embedding-3-large"),  # never the default chat deployment
        ("whisper", "audio/transcriptions", "whisper"),
    ],
)
def test_each_call_uses_its_models_deployment_and_the_default_only_for_chat(model, path, expected):
    a = azure(api_version="2024-10-21", deployments=MAPPING, deployment="main-chat")
    assert a.deployment_for(model, path) == expected


def test_without_a_default_an_unmapped_chat_model_is_its_own_deployment():
    assert azure(deployments=MAPPING).deployment_for("gpt-4.1", "chat/completions") == "gpt-4.1"


def test_dated_versions_use_deployment_routes_and_v1_names_the_deployment_in_the_body():
    dated = azure(api_version="2024-10-21", deployments=MAPPING)
    spec = dated.embed_request("text-embedding-3-small", ["x"])
    assert spec.url == "https://r.openai.azure.com/openai/deployments/emb-small/embeddings"
    assert spec.params == {"api-version": "2024-10-21"}
    v1 = azure(deployments=MAPPING)  # v1 is the default
    spec = v1.chat_request(ChatParams("gpt-4o", HI), stream=False)
    assert spec.url == "https://r.openai.azure.com/openai/v1/chat/completions" and spec.params is None
    assert spec.json["model"] == "prod-4o" and spec.headers == {"api-key": "k"}
    assert azure(api_version="preview").chat_request(ChatParams("m", HI), stream=False).params == {
        "api-version": "preview"
    }


@pytest.mark.parametrize(
    "model, expected",
    [("o3", "max_completion_tokens"), ("gpt-5-mini", "max_completion_tokens"), ("gpt-4o", "max_tokens")],
)
def test_reasoning_deployments_get_max_completion_tokens(model, expected):
    sent = azure(deployments=MAPPING).chat_request(ChatParams(model, HI, max_tokens=5), stream=False).json
    assert sent[expected] == 5


def test_a_reasoning_deployment_name_is_enough():
    sent = azure(deployments="chat=my-o4-mini").chat_request(ChatParams("chat", HI, max_tokens=5), stream=False).json
    assert sent["max_completion_tokens"] == 5


def test_discovery_lists_the_credentials_deployments_not_the_base_models():
    a = azure(deployments=MAPPING, deployment="main-chat")
    base_models = {"object": "list", "data": [{"id": "gpt-35-turbo", "object": "model"}]}
    found = [(m.name, m.display_name, m.max_tokens_param) for m in a.models_response(base_models)]
    assert found == [
        ("gpt-4o", "prod-4o", ""),
        ("o3", "reason-o3", "max_completion_tokens"),
        ("text-embedding-3-small", "emb-small", ""),
        ("main-chat", "main-chat", ""),
    ]


# --- through the fake provider --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1", "2024-10-21"])
def test_chat_embeddings_transcription_and_discovery_reach_the_fake_azure(fake, version):
    a = azure(fake.url, KEY, api_version=version, deployments=MAPPING, deployment="main-chat")
    chat = transport().call(a.chat_request(ChatParams("gpt-4o", HI), stream=False), a.chat_response)
    assert (chat.model, chat.content) == ("prod-4o", "Echo: hi")
    deltas = list(transport().chat_stream(a, a.chat_request(ChatParams("gpt-4.1", HI), stream=True)))
    assert "".join(d.content for d in deltas) == "Echo: hi"
    vectors = transport().call(a.embed_request("text-embedding-3-small", ["x"]), a.embed_response).vectors
    assert len(vectors) == 1 and len(vectors[0]) == 8
    audio = AudioFile("a.wav", b"RIFF", "audio/wav")
    assert (
        transport()
        .call(a.transcribe_request("whisper", audio, None), a.transcribe_response)
        .text.startswith("transcript of a.wav")
    )
    assert [m.name for m in transport().call(a.models_request(), a.models_response)][-1] == "main-chat"
    paths = [r.path for r in fake.requests]
    assert (
        all(p.startswith("/openai/v1/") for p in paths) if version == "v1" else all("api-version" in p for p in paths)
    )
