"""The one way to call a model: chat, chat_stream, embed, rerank, transcribe, remote_models_list,
credential_test, models_discover, and default_model_set.

Every call resolves the credential and model, decrypts the secret at call time, sends through the adapter with
retries, and records a CallLog row.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.cache import catalog
from core.errors import BadResponse, ConfigurationError, ContextTooLong, ModelDeskError
from core.validators import model_name_problem
from credentials.models import CheckStatus, Credential
from providers.models import ModelOrigin, ProviderModel
from wire.adapters.base import EMBED, MODELS, RERANK, TRANSCRIBE
from wire.polling import call_until_final
from wire.redaction import escape_control
from wire.ticking import ticking
from wire.transport import CallStats
from wire.types import (
    TICK,
    AudioFile,
    ChatDelta,
    ChatParams,
    ChatResult,
    Message,
    RemoteModel,
    RerankHit,
    ResponseFormat,
    Thinking,
    Tool,
    ToolCall,
    ToolCallDelta,
    ToolChoice,
)

from .models import DefaultModel
from .recording import recorded
from .resolve import Call, CallInfo, PreparedCall, call_prepare, call_resolve
from .rules import chat_rules, rules_apply
from .selectors import models_for_credential
from .usage import estimate_tokens, usage_or_estimate

logger = logging.getLogger(__name__)


def default_model_set(*, model: ProviderModel, credential: Credential) -> DefaultModel:
    """Make ``model`` (paid for by ``credential``) the default for its type. Raises ``ValidationError``."""
    default = DefaultModel.objects.filter(model_type=model.model_type).first() or DefaultModel(
        model_type=model.model_type
    )
    default.model = model
    default.credential = credential
    default.full_clean()
    default.save()
    return default


@dataclass(frozen=True)
class ChatOutcome:
    content: str
    reasoning: str
    finish_reason: str | None
    info: CallInfo
    # With ``capture=True``: the request sent and the response or stream received, redacted (``wire.exchange``).
    exchange: dict[str, Any] | None = None
    tool_calls: tuple[ToolCall, ...] = ()  # the functions the model asks to run (finish_reason: tool calls)


@dataclass(frozen=True)
class EmbedOutcome:
    vectors: list[list[float]]
    info: CallInfo


@dataclass(frozen=True)
class RerankOutcome:
    hits: list[RerankHit]
    info: CallInfo


@dataclass(frozen=True)
class TranscribeOutcome:
    text: str
    info: CallInfo


@dataclass(frozen=True)
class CredentialCheck:
    ok: bool
    latency_ms: int
    error: str = ""
    error_type: str = ""
    tried: str = ""  # what the test did, e.g. "chat gpt-4o-mini, 1 token"


@dataclass(frozen=True)
class DiscoverReport:
    created: int
    existing: int
    skipped: int
    missing: tuple[str, ...] = ()  # known (predefined or discovered) models the provider no longer lists


Who = Credential | str | None


class Sampling(TypedDict, total=False):
    """The chat parameters a caller may set; each one left out (or None) is left to the model's default."""

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    stop: Sequence[str]
    seed: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    response_format: ResponseFormat | None
    thinking: Thinking | None
    tools: Sequence[Tool]
    tool_choice: ToolChoice | None


def chat_params(call: Call, messages: Sequence[Message], sampling: Sampling) -> ChatParams:
    """The request's parameters, checked against the model's rules (``InvalidInput``) and completed from them."""
    values: dict[str, Any] = {name: value for name, value in sampling.items() if value is not None}
    for name in ("stop", "tools"):
        if name in values:
            values[name] = tuple(values[name])
    params = ChatParams(model=call.model, messages=tuple(messages), **values)
    rules = chat_rules(credential=call.credential, model=call.model)
    call.context_window = rules.context_window
    call.model_row, call.model_row_read = rules.row, True
    return rules_apply(rules, params)


@contextmanager
def _sizes_on_overflow(call: Call, params: ChatParams) -> Iterator[None]:
    """A "context too long" error says how much was sent and what the model is known to hold, so that the user
    knows whether to shorten the prompt, load less history, lower max tokens, or set the model's window."""
    try:
        yield
    except ContextTooLong as error:
        sent = sum(estimate_tokens(m.text) for m in params.messages)
        window = (
            f"{call.context_window} tokens, as set on the model"
            if call.context_window
            else "not set in ModelDesk (set it on the model's admin page)"
        )
        error.detail = (
            f"{error.detail} [ModelDesk sent about {sent} tokens of messages and asked for up to "
            f"{params.max_tokens or 'the default number of'} reply tokens; the model's context window is {window}.]"
        )
        error.args = (error.describe(),)
        raise


def chat(
    *,
    messages: Sequence[Message],
    credential: Who = None,
    model: str | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    user: Any = None,
    capture: bool = False,
    **sampling: Unpack[Sampling],
) -> ChatOutcome:
    call = call_resolve(operation="chat", credential=credential, model=model, user=user)
    with recorded(call):
        params = chat_params(call, messages, sampling)
        ready = call_prepare(call, max_attempts=max_attempts, deadline=deadline, capture=capture)
        spec = ready.adapter.chat_request(params, stream=False)
        try:
            with _sizes_on_overflow(call, params):
                result = call_until_final(ready.transport, ready.adapter, spec, ready.adapter.chat_response)
        except ModelDeskError as error:
            error.exchange = _exchange(ready)
            raise
        call.usage = usage_or_estimate(result.usage, params.messages, result.content + result.reasoning)
        call.finish_reason = result.finish_reason or ""
    return ChatOutcome(
        content=result.content,
        reasoning=result.reasoning,
        finish_reason=result.finish_reason,
        info=call.info(),
        exchange=_exchange(ready),
        tool_calls=result.tool_calls,
    )


def _exchange(ready: PreparedCall) -> dict[str, Any] | None:
    exchange = ready.transport.exchange
    return exchange.as_dict() if exchange is not None else None


def whole_reply_delta(result: ChatResult, stats: CallStats) -> ChatDelta:
    """A reply that did not stream, as a stream's one delta; its first token is now."""
    stats.first_token_at = stats.clock()
    finish = result.finish_reason or "stop"
    pieces = tuple(ToolCallDelta(i, c.id, c.name, c.arguments) for i, c in enumerate(result.tool_calls))
    return ChatDelta(
        content=result.content,
        reasoning=result.reasoning,
        usage=result.usage,
        finish_reason=finish,
        tool_calls=pieces,
    )


class ChatStream:
    """Iterate for deltas as they arrive, and empty ones (``wire.types.TICK``) for the provider's keep-alives;
    ``outcome`` is set once the stream has ended well.

    The call is recorded after the last delta has been handed over, so logging never delays the reply.
    """

    def __init__(self, ready: PreparedCall, params: ChatParams, tick_seconds: float | None = None) -> None:
        self.ready = ready
        self.call = ready.call
        self.params = params
        self.tick_seconds = tick_seconds
        self.outcome: ChatOutcome | None = None

    def _read(self) -> Iterator[ChatDelta]:
        """The deltas; with ``tick_seconds``, read in a helper thread, with a ``TICK`` after each such silence."""
        if self.tick_seconds is None:
            return self._deltas()
        cancel = self.ready.transport.cancel
        return ticking(self._deltas(), every=self.tick_seconds, tick=TICK, cancel=cancel)

    def _deltas(self) -> Iterator[ChatDelta]:
        adapter, transport = self.ready.adapter, self.ready.transport
        if not adapter.streams:
            yield from self._whole_reply()
            return
        try:
            yield from transport.chat_stream(adapter, adapter.chat_request(self.params, stream=True))
        except BadResponse:
            if transport.stats.first_token_at is not None:
                raise
            # The stream ended before its first token: a server that refuses a prompt after sending the stream's
            # headers (llama.cpp's "exceeds context window") says why only in a reply that does not stream.
            logger.info("%s/%s: stream ended before its first token, asking once without streaming", *self._who())
            yield from self._whole_reply()

    def _who(self) -> tuple[str, str]:
        return self.call.provider.slug, self.call.model

    def _whole_reply(self) -> Iterator[ChatDelta]:
        adapter, transport = self.ready.adapter, self.ready.transport
        spec = adapter.chat_request(self.params, stream=False)
        yield whole_reply_delta(call_until_final(transport, adapter, spec, adapter.chat_response), transport.stats)

    def __iter__(self) -> Generator[ChatDelta, None, None]:
        call = self.call
        content: list[str] = []
        reasoning: list[str] = []
        with recorded(call), _sizes_on_overflow(call, self.params):
            try:
                for delta in self._read():
                    call.usage = call.usage.merge(delta.usage)
                    call.finish_reason = delta.finish_reason or call.finish_reason
                    if delta.content or delta.reasoning:
                        content.append(delta.content)
                        reasoning.append(delta.reasoning)
                        yield delta
                    elif delta.is_tick:  # the provider is alive but silent: a reader may want to write
                        yield delta
            finally:  # also when the reader stops: the call log counts the tokens seen until then
                call.usage = usage_or_estimate(call.usage, self.params.messages, "".join(content + reasoning))
        self.outcome = ChatOutcome(
            content="".join(content),
            reasoning="".join(reasoning),
            finish_reason=call.finish_reason or None,
            info=call.info(),
            exchange=self.exchange,
        )

    @property
    def exchange(self) -> dict[str, Any] | None:
        """With ``capture=True``: what was sent and received so far (also after a failure or a Stop)."""
        return _exchange(self.ready)


def chat_stream(
    *,
    messages: Sequence[Message],
    credential: Who = None,
    model: str | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    user: Any = None,
    capture: bool = False,
    tick_seconds: float | None = None,
    **sampling: Unpack[Sampling],
) -> ChatStream:
    """Resolve and prepare now (so configuration errors raise here); the request starts on iteration.

    With ``tick_seconds`` the stream is read in a helper thread and yields ``TICK`` after each such silence, so
    that a reader writing to a client notices it went away (``wire.ticking``); a stop then ends the read at once.
    """
    call = call_resolve(operation="chat_stream", credential=credential, model=model, user=user)
    with recorded(call, success=False):
        params = chat_params(call, messages, sampling)
        ready = call_prepare(call, max_attempts=max_attempts, deadline=deadline, capture=capture)
    return ChatStream(ready, params, tick_seconds)


def embed(
    *,
    inputs: list[str],
    credential: Who = None,
    model: str | None = None,
    user: Any = None,
    max_attempts: int | None = None,
) -> EmbedOutcome:
    call = call_resolve(operation="embed", credential=credential, model=model, user=user)
    with recorded(call):
        ready = call_prepare(call, max_attempts=max_attempts)
        ready.adapter.require(EMBED)
        result = ready.transport.call(ready.adapter.embed_request(call.model, inputs), ready.adapter.embed_response)
        call.usage = result.usage
    return EmbedOutcome(vectors=result.vectors, info=call.info())


def rerank(
    *,
    query: str,
    documents: list[str],
    top_n: int | None = None,
    credential: Who = None,
    model: str | None = None,
    user: Any = None,
    max_attempts: int | None = None,
) -> RerankOutcome:
    call = call_resolve(operation="rerank", credential=credential, model=model, user=user)
    with recorded(call):
        ready = call_prepare(call, max_attempts=max_attempts)
        adapter = ready.adapter
        adapter.require(RERANK)
        spec = adapter.rerank_request(call.model, query, documents, top_n)
        result = ready.transport.call(spec, lambda body: adapter.rerank_response(body, documents))
        call.usage = result.usage
    return RerankOutcome(hits=result.hits, info=call.info())


def transcribe(
    *,
    audio: AudioFile,
    language: str | None = None,
    credential: Who = None,
    model: str | None = None,
    user: Any = None,
    max_attempts: int | None = None,
) -> TranscribeOutcome:
    call = call_resolve(operation="transcribe", credential=credential, model=model, user=user)
    with recorded(call):
        ready = call_prepare(call, max_attempts=max_attempts)
        ready.adapter.require(TRANSCRIBE)
        spec = ready.adapter.transcribe_request(call.model, audio, language)
        result = ready.transport.call(spec, ready.adapter.transcribe_response)
        call.usage = result.usage
    return TranscribeOutcome(text=result.text, info=call.info())


def remote_models_list(*, credential: Credential | str, user: Any = None) -> list[RemoteModel]:
    call = call_resolve(operation="list_models", credential=credential, model="", user=user)
    with recorded(call):
        ready = call_prepare(call)
        ready.adapter.require(MODELS)
        return ready.transport.call(ready.adapter.models_request(), ready.adapter.models_response)


TEST_TYPES = ("llm", "text-embedding", "rerank")


def _test_model(call: Call) -> ProviderModel | None:
    """The model a real call with this credential would use: its default model, else the first enabled one it
    can serve (its own server's models first)."""
    provider = call.provider
    for model_type in (t for t in TEST_TYPES if t in provider.model_types):
        default = DefaultModel.objects.filter(model_type=model_type, credential=call.credential).first()
        if default is not None and default.model.enabled:
            return default.model
        model = (
            models_for_credential(call.credential, model_type=model_type)
            .order_by(F("credential").asc(nulls_last=True), "pk")
            .first()
        )
        if model is not None:
            return model
    return None


def _runtime_check(ready: PreparedCall) -> str:
    """The request a real call makes, through the same adapter, transport and error mapping; says what it tried.

    A 1-token chat on the model a call would use (an embedding or a rerank for providers without llm models).
    Only a credential with no model at all falls back to the protocol's probe (Replicate's account) or the model
    list, and says so.
    """
    call, adapter, transport = ready.call, ready.adapter, ready.transport
    model = _test_model(call)
    if model is None:
        return _no_model_check(ready)
    call.model = model.name
    if model.model_type == "llm":
        params = rules_apply(
            chat_rules(credential=call.credential, model=model.name),
            ChatParams(model=model.name, messages=(Message("user", "ping"),), max_tokens=1),
        )
        result = call_until_final(transport, adapter, adapter.chat_request(params, stream=False), adapter.chat_response)
        call.usage, call.finish_reason = result.usage, result.finish_reason or ""  # a test costs tokens too
        return f"chat {model.name}, 1 token"
    if model.model_type == "rerank":
        spec = adapter.rerank_request(model.name, "ping", ["ping"], 1)
        transport.call(spec, lambda body: adapter.rerank_response(body, ["ping"]))
        return f"rerank {model.name}"
    transport.call(adapter.embed_request(model.name, ["ping"]), adapter.embed_response)
    return f"embeddings {model.name}"


def _no_model_check(ready: PreparedCall) -> str:
    call, adapter, transport = ready.call, ready.adapter, ready.transport
    probe = adapter.probe_request()
    if probe is not None:
        account = transport.call(probe, adapter.probe_response)
        return f"account {account} (no model to test with yet)" if account else "account check (no model yet)"
    if MODELS not in adapter.operations:
        raise ConfigurationError(f"{call.provider.display_name} has no enabled model to test with. Add one.")
    transport.call(adapter.models_request(), adapter.models_response)
    return "model list (no model to test with yet)"


def credential_test(*, credential: Credential, user: Any = None) -> CredentialCheck:
    """Make the request a real call makes (``_runtime_check``) and store the result, and what was tried, on the
    credential."""
    call = Call(operation="test_credential", credential=credential, model="", user=user)
    error: ModelDeskError | None = None
    tried = ""
    try:
        with recorded(call):
            tried = _runtime_check(call_prepare(call, max_attempts=settings.CREDENTIAL_TEST_MAX_ATTEMPTS))
    except ModelDeskError as exc:
        error = exc
    info = call.info()
    tried = tried or (f"a call to {call.model}" if call.model else "")
    check = CredentialCheck(
        ok=error is None,
        latency_ms=info.latency_ms,
        error=str(error) if error else "",
        error_type=error.error_type if error else "",
        tried=f"{tried}, {info.latency_ms} ms" if tried else "",
    )
    Credential.objects.filter(pk=credential.pk).update(
        check_status=CheckStatus.OK if check.ok else CheckStatus.FAILED,
        last_checked_at=timezone.now(),
        last_latency_ms=check.latency_ms,
        last_error=check.error,
        last_check_tried=escape_control(check.tried)[:300],
    )
    catalog.changed()  # an update sends no signal
    return check


_TYPE_HINTS = (
    ("rerank", "rerank"),
    ("embed", "text-embedding"),
    ("whisper", "speech2text"),
    ("transcribe", "speech2text"),
)


def _guess_type(remote: RemoteModel) -> str:
    if remote.model_type:
        return remote.model_type
    name = remote.name.lower()
    return next((kind for hint, kind in _TYPE_HINTS if hint in name), "llm")


def _details(ready: PreparedCall, remote: RemoteModel) -> RemoteModel:
    """A listed model with the details the server reports on request (its context window); a server that
    cannot tell keeps the listing as it was."""
    if remote.context_window is not None:
        return remote
    spec = ready.adapter.model_info_request(remote.name)
    if spec is None:
        return remote
    try:
        return ready.transport.call(spec, lambda body: ready.adapter.model_info_response(remote.name, body))
    except ModelDeskError as error:
        logger.info("no details for %s: %s", remote.name, error)
        return remote


def models_discover(*, credential: Credential, user: Any = None) -> DiscoverReport:
    """Create ``discovered`` models from the provider's model list; existing rows are left as they are.

    On providers where every credential is its own server (``per_server_models``) the new models belong to this
    credential; elsewhere to the provider. The report names the known models the provider no longer lists.
    """
    call = call_resolve(operation="list_models", credential=credential, model="", user=user)
    with recorded(call):
        ready = call_prepare(call)
        ready.adapter.require(MODELS)
        remote = ready.transport.call(ready.adapter.models_request(), ready.adapter.models_response)
        owner = credential if credential.provider.spec.per_server_models else None
        known = models_for_credential(credential, enabled=None)
        existing = {(m.name, m.model_type) for m in known}
        created = skipped = 0
        for item in remote:
            model_type = _guess_type(item)
            if model_type not in credential.provider.model_types or not item.name or model_name_problem(item.name):
                skipped += 1
                continue
            if (item.name, model_type) in existing:
                continue
            item = _details(ready, item)
            ProviderModel.objects.create(
                provider=credential.provider,
                credential=owner,
                name=item.name,
                display_name=item.display_name or item.name,
                model_type=model_type,
                context_window=item.context_window,
                max_tokens_param=item.max_tokens_param,
                origin=ModelOrigin.DISCOVERED,
            )
            existing.add((item.name, model_type))
            created += 1
    listed = {item.name for item in remote}
    missing = sorted({m.name for m in known if m.name not in listed and m.origin != ModelOrigin.CUSTOM})
    return DiscoverReport(
        created=created, existing=len(remote) - created - skipped, skipped=skipped, missing=tuple(missing)
    )
