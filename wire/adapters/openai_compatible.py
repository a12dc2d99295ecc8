"""The OpenAI wire format, spoken by most providers. Provider quirks are read from ``target.quirks`` (typed).

Handled generically, because several providers do it: SSE comment lines (DeepSeek keep-alive, Xinference
pings), chunks with empty ``choices`` (Azure's filter chunk, the usage chunk), usage inside ``choices[0]``
(Moonshot), ``reasoning_content`` / ``reasoning`` deltas (DeepSeek, Zhipu, Ollama /v1), and error frames.

Reference: https://platform.openai.com/docs/api-reference/chat
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.errors import BadResponse, ProviderUnavailable
from wire.adapters.base import CHAT, EMBED, MODELS, RERANK, TRANSCRIBE, Adapter, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node, parse_json
from wire.types import (
    AudioFile,
    ChatDelta,
    ChatParams,
    ChatResult,
    EmbeddingResult,
    RemoteModel,
    RequestSpec,
    RerankHit,
    RerankResult,
    StreamEvent,
    Transcription,
    Usage,
)


def openai_usage(usage: Node | None) -> Usage | None:
    """``prompt_tokens`` / ``completion_tokens``, or the ``input_tokens`` / ``output_tokens`` some servers send."""
    if usage is None:
        return None
    return Usage(
        input_tokens=_first_int(usage, "prompt_tokens", "input_tokens"),
        output_tokens=_first_int(usage, "completion_tokens", "output_tokens"),
    )


def _first_int(node: Node, *keys: str) -> int | None:
    for key in keys:
        value = node.opt_int(key)
        if value is not None:
            return value
    return None


def _reasoning(node: Node) -> str:
    return node.text("reasoning_content") or node.text("reasoning")


def _stream_error(chunk: Node) -> ProviderUnavailable:
    message, _code = error_fields(chunk.value)
    return ProviderUnavailable(f"the stream broke off with an error: {message or 'unknown error'}")


class OpenAICompatibleAdapter(Adapter):
    operations = frozenset({CHAT, MODELS, EMBED, RERANK, TRANSCRIBE})

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if self.target.config.get("organization"):
            headers["OpenAI-Organization"] = self.target.config["organization"]
        if self.target.config.get("project"):
            headers["OpenAI-Project"] = self.target.config["project"]
        return headers

    def path_url(self, path: str, model: str = "") -> str:
        """The URL of an API path; Azure puts the deployment (by default the model) into it."""
        return self.url(path)

    def params(self) -> dict[str, str] | None:
        return None

    # --- chat -------------------------------------------------------------------------------------------------
    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        body: dict[str, Any] = {
            "model": params.model,
            "messages": [{"role": m.role, "content": m.content} for m in params.messages],
        }
        body.update(sampling(params, max_tokens=self.target.quirks.max_tokens_param))
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        elif self.target.quirks.disable_thinking_when_not_streaming:
            body["enable_thinking"] = False
        return RequestSpec(
            "POST",
            self.path_url("chat/completions", params.model),
            headers=self.headers(),
            json=body,
            params=self.params(),
        )

    def chat_response(self, body: Any) -> ChatResult:
        root = Node(body)
        choice = root.obj("choices", 0)
        message = choice.obj("message")
        return ChatResult(
            content=message.text("content"),  # null when the reply is a refusal or only tool calls
            reasoning=_reasoning(message),
            usage=openai_usage(root.opt_obj("usage")) or Usage(),
            model=root.text("model"),
            finish_reason=choice.opt_text("finish_reason"),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        finished = False
        for event in events:
            if event.data.startswith("[DONE]"):
                return
            chunk = parse_json(event.data, "the stream chunk").obj()
            if chunk.get("error").value is not None:
                raise _stream_error(chunk)
            for delta in self._chunk_deltas(chunk):
                finished = finished or delta.finish_reason is not None
                yield delta
        if not finished:  # some servers omit [DONE]; a finish_reason is enough to know the reply is whole
            raise BadResponse("the stream ended before the reply was complete")

    def _chunk_deltas(self, chunk: Node) -> Iterator[ChatDelta]:
        usage = openai_usage(chunk.opt_obj("usage"))
        for choice in chunk.opt_arr("choices"):
            delta = choice.get("delta")
            yield ChatDelta(
                content=delta.text("content"),
                reasoning=_reasoning(delta),
                usage=openai_usage(choice.opt_obj("usage")),  # Moonshot puts usage inside the choice
                finish_reason=choice.opt_text("finish_reason"),
            )
        if usage is not None:
            yield ChatDelta(usage=usage)

    # --- models, embeddings, rerank, speech-to-text -----------------------------------------------------------
    def models_request(self) -> RequestSpec:
        return RequestSpec("GET", self.path_url("models"), headers=self.headers(), params=self.params())

    def models_response(self, body: Any) -> list[RemoteModel]:
        prefix = self.target.quirks.model_id_prefix
        names = [item.required_text("id") for item in Node(body).arr("data")]
        return [RemoteModel(name=name.removeprefix(prefix)) for name in names]

    def embed_request(self, model: str, inputs: list[str]) -> RequestSpec:
        body = {"model": model, "input": inputs, "encoding_format": "float"}
        return RequestSpec(
            "POST", self.path_url("embeddings", model), headers=self.headers(), json=body, params=self.params()
        )

    def embed_response(self, body: Any) -> EmbeddingResult:
        root = Node(body)
        rows = sorted(enumerate(root.arr("data")), key=lambda pair: _position(*pair))
        return EmbeddingResult(
            vectors=[row.floats("embedding") for _, row in rows], usage=openai_usage(root.opt_obj("usage")) or Usage()
        )

    def rerank_request(self, model: str, query: str, documents: list[str], top_n: int | None) -> RequestSpec:
        body: dict[str, Any] = {"model": model, "query": query, "documents": documents, "return_documents": False}
        if top_n is not None:
            body["top_n"] = top_n
        return RequestSpec("POST", self.rerank_url(), headers=self.headers(), json=body)

    def rerank_url(self) -> str:
        """Most servers serve ``{base}/rerank``; DashScope serves it beside the chat base (quirk data)."""
        path = self.target.quirks.rerank_path.lstrip("/")
        rewrite = self.target.quirks.rerank_base_rewrite
        if rewrite:
            old, new = rewrite
            return f"{self.target.base_url.rstrip('/').replace(old, new)}/{path}"
        return self.url(path)

    def rerank_response(self, body: Any, documents: list[str]) -> RerankResult:
        return rerank_result(body, documents)

    def transcribe_request(self, model: str, audio: AudioFile, language: str | None) -> RequestSpec:
        data = {"model": model, "response_format": "json"}
        if language:
            data["language"] = language
        files = {"file": (audio.filename, audio.content, audio.content_type)}
        return RequestSpec(
            "POST",
            self.path_url("audio/transcriptions", model),
            headers=self.headers(),
            data=data,
            files=files,
            params=self.params(),
        )

    def transcribe_response(self, body: Any) -> Transcription:
        root = Node(body)
        return Transcription(text=root.required_text("text"), usage=openai_usage(root.opt_obj("usage")) or Usage())


def _position(fallback: int, row: Node) -> int:
    """Where an embedding row belongs: its ``index``, else where it was sent."""
    index = row.opt_int("index")
    return fallback if index is None else index


def rerank_result(body: Any, documents: list[str]) -> RerankResult:
    """Jina, Cohere v2, DashScope, vLLM and Xinference share this response shape."""
    root = Node(body)
    hits = [_rerank_hit(item, documents) for item in _rerank_items(root)]
    total = root.opt_int("usage", "total_tokens") or root.opt_int("meta", "tokens", "input_tokens")
    return RerankResult(hits=sorted(hits, key=lambda h: -h.score), usage=Usage(input_tokens=total))


def _rerank_items(root: Node) -> list[Node]:
    """The ranked items: ``results``, or ``output.results`` in DashScope's native envelope."""
    if root.get("results").value is None and isinstance(root.get("output").value, dict):
        return root.arr("output", "results")
    return root.arr("results")


def _rerank_hit(item: Node, documents: list[str]) -> RerankHit:
    index = item.integer("index")
    if not 0 <= index < len(documents):
        where = item.get("index").where()
        raise BadResponse(f"{where} names a document that was not sent (only {len(documents)} were)")
    return RerankHit(index=index, score=item.number("relevance_score"), document=documents[index])


class AzureOpenAIAdapter(OpenAICompatibleAdapter):
    """Azure OpenAI with dated API versions: ``{endpoint}/openai/deployments/{deployment}/…?api-version=`` (https://learn.microsoft.com/azure/ai-services/openai/reference)."""

    operations = frozenset({CHAT, MODELS, EMBED, TRANSCRIBE})

    def headers(self) -> dict[str, str]:
        return {"api-key": self.target.api_key} if self.target.api_key else {}

    def params(self) -> dict[str, str] | None:
        return {"api-version": self.target.config.get("api_version") or "2024-10-21"}

    def path_url(self, path: str, model: str = "") -> str:
        if path == "models":
            return self.url("openai/models")
        deployment = self.target.config.get("deployment") or model
        return self.url(f"openai/deployments/{deployment}/{path}")
