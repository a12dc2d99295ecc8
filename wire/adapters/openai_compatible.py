"""The OpenAI wire format, spoken by most providers. Provider quirks are read from ``target.quirks`` (typed).

Handled generically, because several providers do it: SSE comment lines (DeepSeek keep-alive, Xinference
pings), chunks with empty ``choices`` (Azure's filter chunk, the usage chunk), usage inside ``choices[0]``
(Moonshot), ``reasoning_content`` / ``reasoning`` deltas (DeepSeek, Zhipu, Ollama /v1), MiniMax's
``reasoning_details``, inline ``<think>`` blocks at the start of the content (``wire.thinking``), and error frames.

Reference: https://platform.openai.com/docs/api-reference/chat
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from core.errors import BadResponse, ProviderUnavailable
from wire.adapters.base import CHAT, EMBED, MODELS, RERANK, TRANSCRIBE, Adapter, sampling
from wire.adapters.errors import error_fields
from wire.adapters.reading import Node, parse_json
from wire.thinking import ThinkSplitter, split_think, thinking_fields
from wire.types import (
    TICK,
    AudioFile,
    ChatDelta,
    ChatParams,
    ChatResult,
    EmbeddingResult,
    ImagePart,
    Message,
    RemoteModel,
    RequestSpec,
    RerankHit,
    RerankResult,
    ResponseFormat,
    StreamEvent,
    ToolCall,
    ToolCallDelta,
    Transcription,
    Usage,
)


def openai_usage(usage: Node | None) -> Usage | None:
    """``prompt_tokens`` / ``completion_tokens`` (or the ``input_tokens`` / ``output_tokens`` some servers send),
    with the cached part of the input and the reasoning part of the output where the provider reports them:
    OpenAI's ``prompt_tokens_details.cached_tokens`` and ``completion_tokens_details.reasoning_tokens``
    (https://platform.openai.com/docs/api-reference/chat/object), DeepSeek's ``prompt_cache_hit_tokens``
    (https://api-docs.deepseek.com/api/create-chat-completion); checked 2026-12-02."""
    if usage is None:
        return None
    return Usage(
        input_tokens=_first_int(usage, "prompt_tokens", "input_tokens"),
        output_tokens=_first_int(usage, "completion_tokens", "output_tokens"),
        cached_input_tokens=_detail(usage, ("prompt_tokens_details", "cached_tokens"), ("prompt_cache_hit_tokens",)),
        reasoning_tokens=_detail(usage, ("completion_tokens_details", "reasoning_tokens")),
    )


def _detail(usage: Node, *paths: tuple[str, ...]) -> int | None:
    """An optional breakdown of the counts. One in a shape no provider documents is left out: a reply is not
    worth failing over a detail of its bill (the counts themselves are read strictly)."""
    for path in paths:
        try:
            value = usage.opt_int(*path)
        except BadResponse:
            continue
        if value is not None:
            return value
    return None


def _first_int(node: Node, *keys: str) -> int | None:
    for key in keys:
        value = node.opt_int(key)
        if value is not None:
            return value
    return None


def _reasoning(node: Node) -> str:
    return node.text("reasoning_content") or node.text("reasoning") or _details_text(node)


def _details_text(node: Node) -> str:
    """MiniMax's ``reasoning_details``: a list of ``{"type": "reasoning.text", "text": …}``."""
    return "".join(item.text("text") for item in node.opt_arr("reasoning_details"))


def _message(message: Message) -> dict[str, Any]:
    """Text stays a string; a message with parts is a list of text and ``image_url`` parts (data URLs inline). An
    assistant's tool calls go in ``tool_calls`` (its content null when it has none); a tool's result is a ``tool``
    message naming its call."""
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.text}
    content: Any = message.content
    if not isinstance(message.content, str):
        content = [
            {"type": "image_url", "image_url": {"url": part.data_url}}
            if isinstance(part, ImagePart)
            else {"type": "text", "text": part.text}
            for part in message.content
        ]
    wire: dict[str, Any] = {"role": message.role, "content": content}
    if message.tool_calls:
        wire["content"] = content or None
        wire["tool_calls"] = [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in message.tool_calls
        ]
    return wire


def _tools(params: ChatParams) -> dict[str, Any]:
    """``tools`` as functions and ``tool_choice`` (https://platform.openai.com/docs/api-reference/chat/create,
    checked 2026-12-04)."""
    if not params.tools:
        return {}
    functions = []
    for tool in params.tools:
        function: dict[str, Any] = {"name": tool.name}
        if tool.description:
            function["description"] = tool.description
        if tool.parameters is not None:
            function["parameters"] = dict(tool.parameters)
        functions.append({"type": "function", "function": function})
    body: dict[str, Any] = {"tools": functions}
    choice = params.tool_choice
    if choice is not None:
        named = {"type": "function", "function": {"name": choice.name}}
        body["tool_choice"] = named if choice.mode == "function" else choice.mode
    return body


def _tool_calls(message: Node) -> tuple[ToolCall, ...]:
    calls = []
    for item in message.opt_arr("tool_calls"):
        function = item.get("function")
        calls.append(ToolCall(item.text("id"), function.text("name"), function.text("arguments") or "{}"))
    return tuple(calls)


def _tool_call_deltas(delta: Node) -> tuple[ToolCallDelta, ...]:
    pieces = []
    for position, item in enumerate(delta.opt_arr("tool_calls")):
        function = item.get("function")
        index = item.opt_int("index")
        pieces.append(
            ToolCallDelta(
                index=position if index is None else index,
                id=item.text("id"),
                name=function.text("name"),
                arguments=function.text("arguments"),
            )
        )
    return tuple(pieces)


def _response_format(value: ResponseFormat | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if value.type != "json_schema":
        return {"type": value.type}
    schema = {"name": value.name, "schema": dict(value.schema or {}), "strict": value.strict}
    return {"type": "json_schema", "json_schema": schema}


def chat_options(params: ChatParams) -> dict[str, Any]:
    """Stop sequences, seed, penalties and the response format, where the call sets them."""
    values = {
        "stop": list(params.stop) or None,
        "seed": params.seed,
        "presence_penalty": params.presence_penalty,
        "frequency_penalty": params.frequency_penalty,
        "response_format": _response_format(params.response_format),
    }
    return {name: value for name, value in values.items() if value is not None}


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
        """The URL of an API path; Azure puts the deployment into it."""
        return self.url(path)

    def wire_model(self, model: str, path: str) -> str:
        """The ``model`` the body names; Azure's v1 API names the deployment there."""
        return model

    def token_param(self, params: ChatParams) -> str:
        """The body field for the token limit: the model's rule, else the provider's."""
        return params.max_tokens_param or self.target.quirks.max_tokens_param

    def params(self) -> dict[str, str] | None:
        return None

    # --- chat -------------------------------------------------------------------------------------------------
    def chat_request(self, params: ChatParams, *, stream: bool) -> RequestSpec:
        quirks = self.target.quirks
        body: dict[str, Any] = {
            "model": self.wire_model(params.model, "chat/completions"),
            "messages": [_message(m) for m in params.messages],
        }
        body.update(sampling(params, max_tokens=self.token_param(params)))
        body.update(chat_options(params))
        body.update(_tools(params))
        body.update(thinking_fields(quirks.thinking_style, params.thinking))
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        elif quirks.disable_thinking_when_not_streaming:  # whatever the call asked: Qwen refuses it otherwise
            body["enable_thinking"] = False
            body.pop("thinking_budget", None)
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
        # content is null when the reply is a refusal or only tool calls
        inline, content = split_think(message.text("content"))
        return ChatResult(
            content=content,
            reasoning=_reasoning(message) + inline,
            usage=openai_usage(root.opt_obj("usage")) or Usage(),
            model=root.text("model"),
            finish_reason=choice.opt_text("finish_reason"),
            tool_calls=_tool_calls(message),
        )

    def chat_deltas(self, events: Iterator[StreamEvent]) -> Iterator[ChatDelta]:
        reply = _ReplyStream()
        finished = done = False
        for event in events:
            if event.comment:  # a keep-alive (DeepSeek, Xinference)
                yield TICK
                continue
            if event.data.startswith("[DONE]"):
                done = True
                break
            chunk = parse_json(event.data, "the stream chunk").obj()
            if chunk.get("error").value is not None:
                raise _stream_error(chunk)
            for delta in reply.deltas(chunk):
                finished = finished or delta.finish_reason is not None
                yield delta
        if rest := reply.rest():
            yield rest
        if not (done or finished):  # some servers omit [DONE]; a finish_reason is enough to know the reply is whole
            raise BadResponse("the stream ended before the reply was complete")

    # --- models, embeddings, rerank, speech-to-text -----------------------------------------------------------
    def models_request(self) -> RequestSpec:
        return RequestSpec("GET", self.path_url("models"), headers=self.headers(), params=self.params())

    def models_response(self, body: Any) -> list[RemoteModel]:
        prefix = self.target.quirks.model_id_prefix
        return [_remote_model(item, prefix) for item in Node(body).arr("data")]

    def embed_request(self, model: str, inputs: list[str]) -> RequestSpec:
        body = {"model": self.wire_model(model, "embeddings"), "input": inputs, "encoding_format": "float"}
        return RequestSpec(
            "POST", self.path_url("embeddings", model), headers=self.headers(), json=body, params=self.params()
        )

    def embed_response(self, body: Any) -> EmbeddingResult:
        root = Node(body)
        rows = sorted(enumerate(root.arr("data")), key=lambda pair: _position(*pair))
        return EmbeddingResult(
            vectors=[_vector(row) for _, row in rows], usage=openai_usage(root.opt_obj("usage")) or Usage()
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
        data = {"model": self.wire_model(model, "audio/transcriptions"), "response_format": "json"}
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


class _ReplyStream:
    """One streamed reply: inline ``<think>`` split across chunks, and MiniMax's ``reasoning_details`` text, which
    its documentation shows as the whole text so far and servers have sent as only the new part: both are read."""

    def __init__(self) -> None:
        self.splitter = ThinkSplitter()
        self.details = ""

    def deltas(self, chunk: Node) -> Iterator[ChatDelta]:
        usage = openai_usage(chunk.opt_obj("usage"))
        for choice in chunk.opt_arr("choices"):
            delta = choice.get("delta")
            finish_reason = choice.opt_text("finish_reason")
            inline, content = self.splitter.feed(delta.text("content"))
            if finish_reason is not None:
                rest_inline, rest_content = self.splitter.finish()
                inline, content = inline + rest_inline, content + rest_content
            reasoning = delta.text("reasoning_content") or delta.text("reasoning") or self._new_details(delta)
            yield ChatDelta(
                content=content,
                reasoning=reasoning + inline,
                usage=openai_usage(choice.opt_obj("usage")),  # Moonshot puts usage inside the choice
                finish_reason=finish_reason,
                tool_calls=_tool_call_deltas(delta) if delta.value is not None else (),
            )
        if usage is not None:
            yield ChatDelta(usage=usage)

    def _new_details(self, delta: Node) -> str:
        text = _details_text(delta)
        new = text[len(self.details) :] if self.details and text.startswith(self.details) else text
        self.details += new
        return new

    def rest(self) -> ChatDelta | None:
        """What the splitter still holds when the stream ends without a finish reason."""
        reasoning, content = self.splitter.finish()
        return ChatDelta(content=content, reasoning=reasoning) if reasoning or content else None


# Xinference's ``model_type`` in /v1/models items (``to_description`` of each model family in xorbitsai/inference:
# xinference/model/{llm/llm_family,embedding/core,rerank/core,audio/core}.py; checked 2026-12-02). Audio models
# are speech-to-text only when their ``model_ability`` says ``audio2text``; other types (image, video, TTS) keep
# their own name, which no provider offers, so discovery skips them.
SERVED_TYPES = {"llm": "llm", "embedding": "text-embedding", "rerank": "rerank"}


def _remote_model(item: Node, prefix: str) -> RemoteModel:
    name = item.required_text("id").removeprefix(prefix)
    model_type = _served_type(item.value)
    return RemoteModel(name=name, model_type=model_type, context_window=_served_context(item.value, model_type))


def _served_type(item: Mapping[str, Any]) -> str | None:
    raw = item.get("model_type")
    if not isinstance(raw, str) or not raw:
        return None
    kind = raw.lower()
    if kind == "audio":
        ability = item.get("model_ability")
        return "speech2text" if not isinstance(ability, list) or "audio2text" in ability else "text-to-speech"
    return SERVED_TYPES.get(kind, kind)


def _served_context(item: Mapping[str, Any], model_type: str | None) -> int | None:
    """The context window a server reports in its list, where it does; a value of another shape is ignored.

    vLLM ``max_model_len`` (``ModelCard`` in vllm/entrypoints/openai/protocol.py); Xinference ``context_length``
    (LLMs) and ``max_tokens`` (embedding models); llama.cpp ``meta.n_ctx`` (the loaded context, newer servers),
    else ``meta.n_ctx_train`` (https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md).
    Checked 2026-12-02.
    """
    meta = item.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    candidates = [item.get("max_model_len"), item.get("context_length"), meta.get("n_ctx"), meta.get("n_ctx_train")]
    if model_type == "text-embedding":
        candidates.append(item.get("max_tokens"))
    return next((int(v) for v in candidates if isinstance(v, int) and not isinstance(v, bool) and v > 0), None)


def _vector(row: Node) -> list[float]:
    node = row.get("embedding")
    if isinstance(node.value, list) and node.value and isinstance(node.value[0], list):
        raise BadResponse(
            f"{node.where()} is a list of per-token vectors, not one vector per input: the model has no pooling. "
            "Serve it with pooling (for llama.cpp: --pooling mean) or pick an embedding model."
        )
    return row.floats("embedding")


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


# --- Azure OpenAI. ---
