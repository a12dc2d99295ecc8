"""Writes to the provider catalog: loading it from code, setting default models."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import ConfigurationError, ModelDeskError
from core.validators import model_name_problem
from credentials.models import CheckStatus, Credential
from wire.adapters.base import EMBED, MODELS, RERANK, TRANSCRIBE
from wire.types import AudioFile, ChatDelta, ChatParams, Message, RemoteModel, RerankHit

from .calls import Call, CallInfo, call_prepare, call_resolve, recorded
from .catalog import CATALOG, PredefinedModel, ProviderSpec
from .models import DefaultModel, ModelOrigin, Provider, ProviderModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogLoadReport:
    providers_created: int
    providers_updated: int
    models_created: int
    models_updated: int

    @property
    def changed(self) -> bool:
        return any((self.providers_created, self.providers_updated, self.models_created, self.models_updated))


def _provider_fields(spec: ProviderSpec, position: int) -> dict[str, Any]:
    """The catalog-owned fields of a provider. ``enabled`` and ``base_url`` are the admin's and never listed."""
    return {
        "name_en": spec.name_en,
        "name_zh": spec.name_zh,
        "protocol": str(spec.protocol),
        "default_base_url": spec.default_base_url,
        "description_en": spec.description_en,
        "description_zh": spec.description_zh,
        "credential_schema": [f.as_dict() for f in spec.credential_fields],
        "model_types": [str(t) for t in spec.model_types],
        "custom_models": spec.custom_models,
        "parameter_defaults": {
            "temperature": [spec.temperature.minimum, spec.temperature.maximum, spec.temperature.default],
            "top_p": [spec.top_p.minimum, spec.top_p.maximum, spec.top_p.default],
        },
        "quirks": dict(spec.quirks),
        "position": position,
    }


def _model_fields(spec: ProviderSpec, model: PredefinedModel) -> dict[str, Any]:
    """The catalog-owned fields of a predefined model. ``enabled`` is the admin's and never listed."""
    fields: dict[str, Any] = {
        "display_name": model.display_name or model.name,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "supports_vision": model.vision,
        "supports_tool_call": model.tool_call,
        "supports_json_mode": model.json_mode,
        "supports_streaming": model.streaming,
        "origin": ModelOrigin.PREDEFINED,
    }
    if model.model_type == "llm":
        temperature = model.temperature or spec.temperature
        top_p = model.top_p or spec.top_p
        max_out = model.max_output_tokens
        fields.update(
            temperature_min=temperature.minimum,
            temperature_max=temperature.maximum,
            temperature_default=temperature.default,
            top_p_min=top_p.minimum,
            top_p_max=top_p.maximum,
            top_p_default=top_p.default,
            max_tokens_min=1 if max_out else None,
            max_tokens_max=max_out,
            max_tokens_default=min(max_out, 4096) if max_out else None,
        )
    return fields


def _sync(instance: Any, fields: dict[str, Any]) -> bool:
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    if changed:
        instance.save(update_fields=[*changed, *(["updated_at"] if hasattr(instance, "updated_at") else [])])
    return bool(changed)


@transaction.atomic
def catalog_load(*, catalog: tuple[ProviderSpec, ...] = CATALOG) -> CatalogLoadReport:
    """Copy the code catalog into the database. Idempotent: a second load changes nothing."""
    counts = {"providers_created": 0, "providers_updated": 0, "models_created": 0, "models_updated": 0}
    existing = {p.slug: p for p in Provider.objects.all()}
    for position, spec in enumerate(catalog):
        fields = _provider_fields(spec, position)
        provider = existing.get(spec.slug)
        if provider is None:
            provider = Provider.objects.create(slug=spec.slug, **fields)
            counts["providers_created"] += 1
        elif _sync(provider, fields):
            counts["providers_updated"] += 1
        models_by_key = {(m.name, m.model_type): m for m in provider.models.all()}
        for model in spec.models:
            fields = _model_fields(spec, model)
            row = models_by_key.get((model.name, str(model.model_type)))
            if row is None:
                ProviderModel.objects.create(
                    provider=provider, name=model.name, model_type=str(model.model_type), **fields
                )
                counts["models_created"] += 1
            elif _sync(row, fields):
                counts["models_updated"] += 1
    report = CatalogLoadReport(**counts)
    logger.debug("provider catalog loaded: %s", report)
    return report


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


# --- Calls -----------------------------------------------------------------------------------------------------
# Every call to a model goes through these functions: they resolve the credential and model, decrypt the
# secret at call time, send through the adapter with retries, and record a CallLog row.


@dataclass(frozen=True)
class ChatOutcome:
    content: str
    reasoning: str
    finish_reason: str | None
    info: CallInfo


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


@dataclass(frozen=True)
class DiscoverReport:
    created: int
    existing: int
    skipped: int


Who = Credential | str | None


def _chat_params(
    messages: Sequence[Message], model: str, temperature: float | None, top_p: float | None, max_tokens: int | None
) -> ChatParams:
    return ChatParams(
        model=model, messages=tuple(messages), temperature=temperature, top_p=top_p, max_tokens=max_tokens
    )


def chat(
    *,
    messages: Sequence[Message],
    credential: Who = None,
    model: str | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    user: Any = None,
) -> ChatOutcome:
    call = call_resolve(operation="chat", credential=credential, model=model, user=user)
    with recorded(call):
        call_prepare(call, max_attempts=max_attempts, deadline=deadline)
        assert call.adapter and call.transport
        params = _chat_params(messages, call.model, temperature, top_p, max_tokens)
        result = call.transport.call(call.adapter.chat_request(params, stream=False), call.adapter.chat_response)
        call.usage = result.usage
    return ChatOutcome(
        content=result.content, reasoning=result.reasoning, finish_reason=result.finish_reason, info=call.info()
    )


class ChatStream:
    """Iterate for deltas as they arrive; ``outcome`` is set once the stream has ended well.

    The call is recorded after the last delta has been handed over, so logging never delays the reply.
    """

    def __init__(self, call: Call, params: ChatParams) -> None:
        self.call = call
        self.params = params
        self.outcome: ChatOutcome | None = None

    def _deltas(self) -> Iterator[ChatDelta]:
        adapter, transport = self.call.adapter, self.call.transport
        assert adapter and transport
        if adapter.streams:
            yield from transport.chat_stream(adapter, adapter.chat_request(self.params, stream=True))
            return
        result = transport.call(adapter.chat_request(self.params, stream=False), adapter.chat_response)
        transport.stats.first_token_at = transport.clock()
        yield ChatDelta(content=result.content, reasoning=result.reasoning, usage=result.usage, finish_reason="stop")

    def __iter__(self) -> Iterator[ChatDelta]:
        call = self.call
        assert call.adapter and call.transport
        content: list[str] = []
        reasoning: list[str] = []
        finish: str | None = None
        with recorded(call):
            for delta in self._deltas():
                call.usage = call.usage.merge(delta.usage)
                finish = delta.finish_reason or finish
                if delta.content or delta.reasoning:
                    content.append(delta.content)
                    reasoning.append(delta.reasoning)
                    yield delta
        self.outcome = ChatOutcome(
            content="".join(content), reasoning="".join(reasoning), finish_reason=finish, info=call.info()
        )


def chat_stream(
    *,
    messages: Sequence[Message],
    credential: Who = None,
    model: str | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    max_tokens: int | None = None,
    max_attempts: int | None = None,
    deadline: float | None = None,
    user: Any = None,
) -> ChatStream:
    """Resolve and prepare now (so configuration errors raise here); the request starts on iteration."""
    call = call_resolve(operation="chat_stream", credential=credential, model=model, user=user)
    with recorded(call, success=False):
        call_prepare(call, max_attempts=max_attempts, deadline=deadline)
    return ChatStream(call, _chat_params(messages, call.model, temperature, top_p, max_tokens))


def embed(*, inputs: list[str], credential: Who = None, model: str | None = None, user: Any = None) -> EmbedOutcome:
    call = call_resolve(operation="embed", credential=credential, model=model, user=user)
    with recorded(call):
        call_prepare(call)
        assert call.adapter and call.transport
        call.adapter.require(EMBED)
        result = call.transport.call(call.adapter.embed_request(call.model, inputs), call.adapter.embed_response)
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
) -> RerankOutcome:
    call = call_resolve(operation="rerank", credential=credential, model=model, user=user)
    with recorded(call):
        call_prepare(call)
        assert call.adapter and call.transport
        adapter = call.adapter
        adapter.require(RERANK)
        spec = adapter.rerank_request(call.model, query, documents, top_n)
        result = call.transport.call(spec, lambda body: adapter.rerank_response(body, documents))
        call.usage = result.usage
    return RerankOutcome(hits=result.hits, info=call.info())


def transcribe(
    *, audio: AudioFile, language: str | None = None, credential: Who = None, model: str | None = None, user: Any = None
) -> TranscribeOutcome:
    call = call_resolve(operation="transcribe", credential=credential, model=model, user=user)
    with recorded(call):
        call_prepare(call)
        assert call.adapter and call.transport
        call.adapter.require(TRANSCRIBE)
        spec = call.adapter.transcribe_request(call.model, audio, language)
        result = call.transport.call(spec, call.adapter.transcribe_response)
        call.usage = result.usage
    return TranscribeOutcome(text=result.text, info=call.info())


def list_remote_models(*, credential: Credential | str, user: Any = None) -> list[RemoteModel]:
    call = call_resolve(operation="list_models", credential=credential, model="", user=user)
    with recorded(call):
        call_prepare(call)
        assert call.adapter and call.transport
        call.adapter.require(MODELS)
        return call.transport.call(call.adapter.models_request(), call.adapter.models_response)


def _cheapest_check(call: Call) -> None:
    """The provider's cheapest real call: its model list, else a one-token chat, rerank or embedding."""
    adapter, transport = call.adapter, call.transport
    assert adapter and transport
    if MODELS in adapter.operations:
        transport.call(adapter.models_request(), adapter.models_response)
        return
    provider = call.provider
    model_type = next(t for t in ("llm", "rerank", "text-embedding") if t in provider.model_types)
    model = provider.models.filter(model_type=model_type, enabled=True).values_list("name", flat=True).first()
    if model is None:
        raise ConfigurationError(f"{provider.display_name} has no enabled {model_type} model to test with.")
    call.model = model
    if model_type == "llm":
        params = ChatParams(model=model, messages=(Message("user", "ping"),), max_tokens=1)
        transport.call(adapter.chat_request(params, stream=False), adapter.chat_response)
    elif model_type == "rerank":
        transport.call(
            adapter.rerank_request(model, "ping", ["ping"], 1), lambda b: adapter.rerank_response(b, ["ping"])
        )
    else:
        transport.call(adapter.embed_request(model, ["ping"]), adapter.embed_response)


def test_credential(*, credential: Credential, user: Any = None) -> CredentialCheck:
    """Run the same code path as real calls and store the result on the credential."""
    call = Call(operation="test_credential", credential=credential, model="", user=user)
    error: ModelDeskError | None = None
    try:
        with recorded(call):
            call_prepare(call, max_attempts=settings.CREDENTIAL_TEST_MAX_ATTEMPTS)
            _cheapest_check(call)
    except ModelDeskError as exc:
        error = exc
    info = call.info()
    check = CredentialCheck(
        ok=error is None,
        latency_ms=info.latency_ms,
        error=str(error) if error else "",
        error_type=error.error_type if error else "",
    )
    Credential.objects.filter(pk=credential.pk).update(
        check_status=CheckStatus.OK if check.ok else CheckStatus.FAILED,
        last_checked_at=timezone.now(),
        last_latency_ms=check.latency_ms,
        last_error=check.error,
    )
    return check


test_credential.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite the name


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


def models_discover(*, credential: Credential, user: Any = None) -> DiscoverReport:
    """Create ``discovered`` models from the provider's model list; existing rows are left as they are."""
    remote = list_remote_models(credential=credential, user=user)
    provider = credential.provider
    existing = set(provider.models.values_list("name", "model_type"))
    created = skipped = 0
    for item in remote:
        model_type = _guess_type(item)
        if model_type not in provider.model_types or not item.name or model_name_problem(item.name):
            skipped += 1
            continue
        if (item.name, model_type) in existing:
            continue
        ProviderModel.objects.create(
            provider=provider,
            name=item.name,
            display_name=item.display_name or item.name,
            model_type=model_type,
            context_window=item.context_window,
            origin=ModelOrigin.DISCOVERED,
        )
        existing.add((item.name, model_type))
        created += 1
    return DiscoverReport(created=created, existing=len(remote) - created - skipped, skipped=skipped)
