"""Playground runs: build the messages (system, loaded history, the new user message), call the provider
through ``providers.services``, store the turn, and shape the output exactly as the LLM node's JSON:
``[{"content": ..., "history": [{"role", "content"}, ...], ...}]``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from celery import group
from django.db import transaction

from calls import services as provider_services
from calls.recording import StreamCancelled
from core.errors import InternalError, ModelDeskError
from credentials.models import Credential
from providers.models import ProviderModel
from wire.redaction import storable
from wire.types import Message as ChatMessage

from .models import TITLE_LENGTH, Conversation, Message, Role
from .selectors import estimate_tokens, fit_rounds, history_rounds
from .tasks import compare_one_task, conversation_title_task

logger = logging.getLogger(__name__)
FAIL, DEFAULT, ERROR_OUTPUT = "fail", "default", "error_output"


@dataclass(frozen=True)
class RunRequest:
    user: Any
    credential: Credential
    model: str
    system: str
    message: str  # already rendered: variables resolved
    history: bool = False
    rounds: int = 1
    window_minutes: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_attempts: int | None = None
    error_mode: str = FAIL
    default_value: str = ""
    conversation: Conversation | None = None


@dataclass(frozen=True)
class RunResult:
    conversation: Conversation
    output: list[dict[str, Any]] | None
    error: dict[str, str] | None = None


@dataclass
class Turn:
    """One run in progress: the conversation, the stored user message and what is sent to the model."""

    request: RunRequest
    conversation: Conversation
    user_message: Message
    messages: list[ChatMessage]
    rounds_loaded: int


def _context_budget(request: RunRequest, new_text: str) -> int | None:
    model = (
        ProviderModel.objects.filter(provider_id=request.credential.provider_id, name=request.model, model_type="llm")
        .only("context_window", "max_tokens_default")
        .first()
    )
    if model is None or not model.context_window:
        return None
    reply = request.max_tokens or model.max_tokens_default or 0
    return model.context_window - reply - estimate_tokens(new_text)


def turn_start(request: RunRequest) -> Turn:
    """Create or continue the conversation, load history, and store the user's message before calling."""
    conversation = request.conversation or Conversation(user=request.user, title=request.message[:TITLE_LENGTH])
    conversation.credential, conversation.model = request.credential, request.model
    conversation.save()
    rounds = []
    if request.history:
        rounds = history_rounds(conversation=conversation, rounds=request.rounds, window_minutes=request.window_minutes)
        rounds = fit_rounds(rounds, budget=_context_budget(request, request.system + request.message))
    messages = [ChatMessage("system", request.system)] if request.system else []
    for user_turn, reply in rounds:
        messages += [ChatMessage("user", user_turn.content), ChatMessage("assistant", reply.content)]
    messages.append(ChatMessage("user", request.message))
    user_message = Message.objects.create(conversation=conversation, role=Role.USER, content=request.message)
    return Turn(request, conversation, user_message, messages, len(rounds))


def _output(
    turn: Turn,
    content: str,
    info: provider_services.CallInfo | None,
    outcome: provider_services.ChatOutcome | None = None,
) -> list[dict[str, Any]]:
    usage = info.usage if info else None
    extra: dict[str, Any] = {"reasoning": outcome.reasoning} if outcome is not None and outcome.reasoning else {}
    return [
        {
            "content": content,
            **extra,
            "history": [{"role": m.role, "content": m.content} for m in turn.messages],
            "usage": {
                "input_tokens": usage.input_tokens if usage else None,
                "output_tokens": usage.output_tokens if usage else None,
            },
            "model": turn.request.model,
            "provider": turn.request.credential.provider.slug,
            "latency_ms": info.latency_ms if info else None,
            "attempts": info.attempts if info else None,
            "history_rounds_loaded": turn.rounds_loaded,
            # "length" means the reply was cut at max tokens: a truncated reply must not look complete.
            "finish_reason": outcome.finish_reason if outcome is not None else None,
        }
    ]


@transaction.atomic
def turn_succeed(turn: Turn, outcome: provider_services.ChatOutcome) -> RunResult:
    info = outcome.info
    Message.objects.create(
        conversation=turn.conversation,
        role=Role.ASSISTANT,
        content=storable(outcome.content),
        model=turn.request.model,
        tokens_in=info.usage.input_tokens,
        tokens_out=info.usage.output_tokens,
        latency_ms=info.latency_ms,
    )
    turn.conversation.save(update_fields=["updated_at"])
    return RunResult(turn.conversation, _output(turn, outcome.content, info, outcome))


def turn_fail(turn: Turn, error: ModelDeskError) -> RunResult:
    """Keep the user's message with its error; answer according to the error mode."""
    error_type = error.error_type
    turn.user_message.error = storable(str(error))
    turn.user_message.save(update_fields=["error"])
    turn.conversation.save(update_fields=["updated_at"])
    details = {"type": error_type, "message": str(error)}
    mode = turn.request.error_mode
    if mode == DEFAULT:
        return RunResult(turn.conversation, _output(turn, turn.request.default_value, None), details)
    if mode == ERROR_OUTPUT:
        content = json.dumps({"error_type": error_type, "message": str(error)}, ensure_ascii=False)
        return RunResult(turn.conversation, _output(turn, content, None), details)
    return RunResult(turn.conversation, None, details)


def _title_later(turn: Turn) -> None:
    """After a new conversation's first reply, have the default llm model name it (as Dify does)."""
    if turn.request.conversation is None:
        conversation_id = str(turn.conversation.pk)
        transaction.on_commit(lambda: conversation_title_task.delay(conversation_id))


def compare_run(
    *, user: Any, targets: list[tuple[Credential, str]], system: str, message: str, timeout: float = 300
) -> list[dict[str, Any]]:
    """The same prompt to up to four models at once, as a Celery group; results in the order asked."""
    job = group(
        compare_one_task.s(str(c.pk), model, system, message, user.pk if user else None) for c, model in targets
    )
    results: list[dict[str, Any]] = job.apply_async().get(timeout=timeout)
    return results


def _call_options(request: RunRequest) -> dict[str, Any]:
    return {
        "credential": request.credential,
        "model": request.model,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "max_attempts": request.max_attempts,
        "user": request.user,
    }


def _typed(exc: Exception) -> ModelDeskError:
    """Any failure as a typed error; an unexpected one is logged (redacted) with its traceback."""
    if isinstance(exc, ModelDeskError):
        return exc
    logger.exception("unexpected error in a playground run")
    return InternalError(exc)


def playground_run(request: RunRequest) -> RunResult:
    turn = turn_start(request)
    try:
        outcome = provider_services.chat(messages=turn.messages, **_call_options(request))
        result = turn_succeed(turn, outcome)
    except Exception as exc:  # the user's message is always kept, with its error
        return turn_fail(turn, _typed(exc))
    _title_later(turn)
    return result


def playground_stream(request: RunRequest) -> Generator[tuple[str, dict[str, Any]], None, None]:
    """Events for the streaming endpoint: ``start``, then ``delta`` pieces, then ``done`` or ``error``."""
    turn = turn_start(request)
    yield "start", {"conversation": str(turn.conversation.pk)}
    try:
        stream = provider_services.chat_stream(messages=turn.messages, **_call_options(request))
        for delta in stream:
            if delta.content:
                yield "delta", {"content": delta.content}
        if stream.outcome is None:
            raise RuntimeError("the stream ended without an outcome")
        result = turn_succeed(turn, stream.outcome)
    except GeneratorExit:  # the reader went away (closed tab, Ctrl-C): the message keeps why it has no reply
        turn_fail(turn, StreamCancelled())
        raise
    except Exception as exc:  # the stream always ends with an event, and the message keeps its error
        result = turn_fail(turn, _typed(exc))
        yield "error", {"conversation": str(result.conversation.pk), "error": result.error, "output": result.output}
        return
    yield "done", {"conversation": str(result.conversation.pk), "output": result.output}
    _title_later(turn)  # after the reader has the reply: an eager title call must not delay it
