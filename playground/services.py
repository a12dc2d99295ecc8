"""Playground runs: build the messages (system, loaded history, the new user message), call the provider
through ``calls.services``, store the turn, and shape the output exactly as the LLM node's JSON:
``[{"content": ..., "history": [{"role", "content"}, ...], ...}]``, plus ``reasoning`` when the model reasoned
and ``finish_reason`` (``"length"``: cut at the token limit). ``usage`` gets ``"estimated": true`` when the
provider reported none and ModelDesk counted it.

An attached image is sent with the new message and stored with it (``playground.images``); the stored text gets
a note (``[image: cat.png]``), and history sent back later is text only. A reply's reasoning is shown and
returned but not stored, and never sent back.

The stream endpoint's events, each one JSON object (``playground_stream``):

- ``start``: ``{"conversation": id}``, once, before anything is called;
- ``reasoning``: ``{"reasoning": text}``, a piece of the model's thinking (reasoning models, before the answer);
- ``delta``: ``{"content": text}``, a piece of the answer;
- then one of ``done``: ``{"conversation", "output"}`` or ``error``: ``{"conversation", "error", "output"}``;
- or ``stopped``: ``{"conversation", "ids"}``, when a newer turn of the conversation took over (``inflight``):
  the part received is kept as a stopped reply;
- ``tick``: ``{}``, when the provider sent a keep-alive or was silent for ``STREAM_TICK_SECONDS``; the endpoint
  writes an SSE comment, which is how it learns that a reader went away while the model is silent.

A reader that goes away mid-stream (Stop, a closed tab, Ctrl-C) gets no last event: the part of the reply
received so far is stored as the reply, marked ``stopped``, and the user's message is not marked failed.

Every turn stores its settings with the conversation (``RunRequest.settings``): reopening it restores them.
A turn may also answer a stored user message again (``RunRequest.resend``: regenerate, or edit and resend):
its earlier replies are kept, marked ``superseded``, once the new one is stored.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from celery import group
from django.conf import settings
from django.db import DatabaseError, transaction

from calls import aio
from calls import services as provider_services
from calls.rules import ChatRules, chat_rules, rules_problems
from calls.snippets import CodeSnippets, call_snippets
from core.errors import InternalError, ModelDeskError
from core.writes import insert, write_retrying
from credentials.models import Credential
from wire.redaction import storable
from wire.types import ChatDelta, ChatParams, ResponseFormat, TextPart, Thinking, Usage
from wire.types import Message as ChatMessage

from .background import title_model_available
from .images import Attachment, image_rows
from .inflight import turn_claim, turn_current, turn_release
from .later import run_later
from .models import TITLE_LENGTH, Conversation, Message, MessageImage, Role, with_image_notes
from .outputs import cost_json, usage_json
from .selectors import estimate_tokens, fit_rounds, history_rounds, message_replies
from .tasks import compare_one_task, conversation_title_task

logger = logging.getLogger(__name__)
FAIL, DEFAULT, ERROR_OUTPUT = "fail", "default", "error_output"
# While the model is silent, a keep-alive goes to the page this often: writing it is how a Stop is noticed.
STREAM_TICK_SECONDS = 0.25


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
    stop: tuple[str, ...] = ()
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_format: ResponseFormat | None = None
    thinking: Thinking | None = None
    images: tuple[Attachment, ...] = ()  # sent with the message and stored with it; later history has their notes
    max_attempts: int | None = None
    error_mode: str = FAIL
    default_value: str = ""
    conversation: Conversation | None = None
    # The turn's settings as the form has them (``PlaygroundForm.settings``), stored with the conversation;
    # None leaves the stored ones as they are (scripts and ``manage.py chat``).
    settings: Mapping[str, Any] | None = None
    # A stored user message of ``conversation`` to answer again instead of a new one (regenerate); with ``edit``,
    # its text becomes ``message`` first, and the messages after it are deleted (edit and resend).
    resend: Message | None = None
    edit: bool = False
    # Keep the exact request and response of the call with the reply (the inspector), redacted.
    capture: bool = False
    # Name a new conversation with a model after its first reply (``_title_later``): a second model call, which
    # the page asks for and a script only when it says so.
    title: bool = True

    @property
    def stored_message(self) -> str:
        """The message as it is stored and sent back in later history: its text and a note for each image."""
        return with_image_notes(self.message, [a.label for a in self.images])

    def user_message(self) -> ChatMessage:
        """The new message as the model gets it: text, or text and images."""
        if not self.images:
            return ChatMessage("user", self.message)
        return ChatMessage("user", (TextPart(self.message), *(a.image for a in self.images)))

    def sampling(self) -> provider_services.Sampling:
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "stop": self.stop,
            "seed": self.seed,
            "presence_penalty": self.presence_penalty,
            "frequency_penalty": self.frequency_penalty,
            "response_format": self.response_format,
            "thinking": self.thinking,
        }


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
    reply: Message | None = None  # the stored reply, once there is one
    token: str = ""  # a streaming turn's hold on its conversation (``inflight``)
    # A run's conversation and user message not written yet (``turn_plan``): they are, with the reply or the
    # error, in the turn's closing write (``_persist``).
    pending: bool = False

    def ids(self) -> dict[str, int | None]:
        """The stored messages' ids, for the page's per-message actions."""
        return {"user": self.user_message.pk, "assistant": self.reply.pk if self.reply is not None else None}


def run_problems(request: RunRequest) -> list[tuple[str, str]]:
    """Every rule of the model the request breaks, as (field, message) pairs: ``calls.rules.rules_problems``.

    The fields are the parameters' names, and ``images`` for an image a model cannot see.
    """
    params = ChatParams(
        model=request.model,
        messages=(request.user_message(),),
        temperature=request.temperature,
        top_p=request.top_p,
        max_tokens=request.max_tokens,
        stop=tuple(request.stop),
        seed=request.seed,
        presence_penalty=request.presence_penalty,
        frequency_penalty=request.frequency_penalty,
        response_format=request.response_format,
        thinking=request.thinking,
    )
    return rules_problems(chat_rules(credential=request.credential, model=request.model), params)


def _reply_reserve(rules: ChatRules, max_tokens: int | None) -> int:
    """The tokens to keep free for the reply: the limit the request will be sent with (as ``rules_apply`` sets it)."""
    row = rules.row
    if max_tokens:
        return max_tokens
    if row is not None and row.max_tokens_default:
        return row.max_tokens_default
    if row is None or row.origin != "predefined":
        return settings.CHAT_DEFAULT_MAX_TOKENS
    return 0


def _context_budget(request: RunRequest, new_text: str) -> int:
    """Tokens left for history: the model's context window (this server's own row first), else
    ``CHAT_DEFAULT_CONTEXT_WINDOW``, less the reply's limit and the new text."""
    rules = chat_rules(credential=request.credential, model=request.model)
    window = rules.context_window or settings.CHAT_DEFAULT_CONTEXT_WINDOW
    return window - _reply_reserve(rules, request.max_tokens) - estimate_tokens(new_text)


def _resend_prepare(request: RunRequest) -> None:
    """An edited message takes its new text, loses its error, and the messages after it go."""
    message = request.resend
    if message is None or not request.edit:
        return
    message.conversation.messages.filter(pk__gt=message.pk).delete()
    message.content, message.error = request.stored_message, ""
    message.tokens = estimate_tokens(message.content)
    message.save(update_fields=["content", "error", "tokens"])


def turn_start(request: RunRequest, *, streaming: bool = False) -> Turn:
    """Create or continue the conversation, load history, and store the user's message before calling
    (or, resending a stored message, prepare it: ``_resend_prepare``). A ``streaming`` turn first takes the
    conversation over from one still streaming (``inflight.turn_claim``), so that its messages come after.

    The writes are one transaction, tried again while the database is locked (``core.writes``)."""
    token = turn_claim(request.conversation) if streaming else ""
    try:
        return write_retrying(lambda: _turn_write(request, token))
    except BaseException:
        if token and request.conversation is not None:
            turn_release(request.conversation, token)  # the next turn must not wait for this one
        raise


@transaction.atomic
def _turn_write(request: RunRequest, token: str) -> Turn:
    _resend_prepare(request)
    conversation = request.conversation or Conversation(
        user=request.user, title=request.message[:TITLE_LENGTH], streaming=token
    )
    conversation.credential, conversation.model = request.credential, request.model
    if request.settings is not None:
        conversation.settings = dict(request.settings)
    if conversation._state.adding:
        insert(conversation)
    else:  # ``streaming`` is the turns' own to write (``inflight``)
        conversation.save(update_fields=["credential", "model", "settings", "updated_at"])
    messages, rounds_loaded = _sent_messages(request, conversation)
    user_message = request.resend
    if user_message is None:
        content = request.stored_message
        user_message = Message(
            conversation=conversation, role=Role.USER, content=content, tokens=estimate_tokens(content)
        )
        insert(user_message)
        MessageImage.objects.bulk_create(image_rows(user_message, request.images))
    return Turn(request, conversation, user_message, messages, rounds_loaded, token=token)


def turn_plan(request: RunRequest) -> Turn:
    """A run's turn with nothing written yet: history is read now, and the conversation and the user's message
    are written with the reply (or the error) in one transaction after the call (``_persist``), instead of one
    before it and one after. A resent message, or a streamed turn, which other requests may need to see while
    it runs, is stored first (``turn_start``)."""
    if request.resend is not None:
        return turn_start(request)
    conversation = request.conversation or Conversation(user=request.user, title=request.message[:TITLE_LENGTH])
    conversation.credential, conversation.model = request.credential, request.model
    if request.settings is not None:
        conversation.settings = dict(request.settings)
    messages, rounds_loaded = _sent_messages(request, request.conversation)
    content = request.stored_message
    user_message = Message(conversation=conversation, role=Role.USER, content=content, tokens=estimate_tokens(content))
    return Turn(request, conversation, user_message, messages, rounds_loaded, pending=True)


def _persist(turn: Turn) -> bool:
    """Write a planned turn's conversation and user message (inside the closing write's transaction, which may
    be tried again: each try writes them afresh). Whether there was anything to write."""
    if not turn.pending:
        return False
    conversation, request = turn.conversation, turn.request
    if request.conversation is None:
        insert(conversation)
    else:
        conversation.save(update_fields=["credential", "model", "settings", "updated_at"])
    turn.user_message.pk = None
    insert(turn.user_message)
    MessageImage.objects.bulk_create(image_rows(turn.user_message, request.images))
    return True


def _sent_messages(request: RunRequest, conversation: Conversation | None) -> tuple[list[ChatMessage], int]:
    """What the model is sent: the system message, the history rounds that fit, the new message."""
    rounds = []
    if request.history and conversation is not None and conversation.pk:
        rounds = history_rounds(
            conversation=conversation,
            rounds=request.rounds,
            window_minutes=request.window_minutes,
            before=request.resend,
        )
        rounds = fit_rounds(rounds, budget=_context_budget(request, request.system + request.message))
    messages = [ChatMessage("system", request.system)] if request.system else []
    for user_turn, reply in rounds:
        messages += [ChatMessage("user", user_turn.content), ChatMessage("assistant", reply.content)]
    messages.append(request.user_message())
    return messages, len(rounds)


def run_code(request: RunRequest, gateway_url: str = "") -> CodeSnippets:
    """ "View code" for the turn the form describes: the same messages and parameters, stored nowhere; with
    ``gateway_url``, also as a call to ModelDesk's /v1 there."""
    messages, _rounds = _sent_messages(request, request.conversation)
    return call_snippets(
        credential=request.credential,
        model=request.model,
        messages=messages,
        gateway_url=gateway_url,
        **request.sampling(),
    )


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
            # The new message with an image appears as it is stored: its text and the image's note.
            "history": [
                {"role": m.role, "content": m.content if isinstance(m.content, str) else turn.user_message.content}
                for m in turn.messages
            ],
            "usage": usage_json(
                usage.input_tokens if usage else None,
                usage.output_tokens if usage else None,
                estimated=bool(usage and usage.estimated),
            ),
            "model": turn.request.model,
            "provider": turn.request.credential.provider.slug,
            "latency_ms": info.latency_ms if info else None,
            "ttft_ms": info.ttft_ms if info else None,
            "attempts": info.attempts if info else None,
            # An estimate from the model's prices, as the call log has it; null when the model has none.
            "cost": cost_json(info.cost, info.currency) if info else None,
            "history_rounds_loaded": turn.rounds_loaded,
            # "length" means the reply was cut at max tokens: a truncated reply must not look complete.
            "finish_reason": outcome.finish_reason if outcome is not None else None,
            # Quotas past their warning share, in the request's language (``access``); only when there are some.
            **({"warnings": list(info.warnings)} if info and info.warnings else {}),
        }
    ]


def _reply_store(
    turn: Turn,
    content: str,
    info: provider_services.CallInfo | None,
    *,
    stopped: bool = False,
    exchange: dict[str, Any] | None = None,
    finish_reason: str | None = None,
) -> None:
    """Store the reply; a resent message's earlier replies become alternatives, and it is no longer failed."""
    persisted = _persist(turn)
    if turn.request.resend is not None:
        Message.objects.filter(pk__in=[r.pk for r in message_replies(message=turn.user_message)]).update(
            superseded=True
        )
        if turn.user_message.error:
            turn.user_message.error = ""
            turn.user_message.save(update_fields=["error"])
    usage = info.usage if info is not None else None
    turn.reply = Message(
        conversation=turn.conversation,
        role=Role.ASSISTANT,
        content=storable(content),
        stopped=stopped,
        model=turn.request.model,
        tokens_in=usage.input_tokens if usage else None,
        tokens_out=usage.output_tokens if usage else None,
        tokens=_answer_tokens(content, usage),
        latency_ms=info.latency_ms if info is not None else None,
        ttft_ms=info.ttft_ms if info is not None else None,
        tokens_estimated=bool(usage and usage.estimated),
        finish_reason=finish_reason or "",
        cost=info.cost if info is not None else None,
        currency=info.currency if info is not None else "",
        exchange=exchange,
    )
    insert(turn.reply)
    if turn.request.conversation is not None and not persisted:  # else written just now, with its new time
        turn.conversation.save(update_fields=["updated_at"])


def _answer_tokens(content: str, usage: Usage | None) -> int:
    """A reply's answer in tokens, as later history will cost it: the provider's output count less its reasoning
    (which is not sent back), where it reported one; else estimated."""
    if usage is not None and not usage.estimated and usage.output_tokens:
        answer = usage.output_tokens - (usage.reasoning_tokens or 0)
        if answer > 0:
            return answer
    return estimate_tokens(content)


def _stored(turn: Turn, write: Callable[[], None], what: str) -> None:
    """Run a turn's closing write (one transaction), tried again while the database is locked. If it still
    fails, the failure is logged and the turn goes on: the user gets the reply (or error) unstored, never a 500
    after a provider call that worked."""
    try:
        write_retrying(write)
        turn.pending = False  # committed (a planned turn's conversation and message with it)
    except DatabaseError:
        turn.reply = None  # not stored: no id to act on
        logger.exception("could not store %s of conversation %s; it is returned unstored", what, turn.conversation.pk)
        if turn.pending:  # at least the user's message, on its own, as a turn stored first would have it
            _persist_now(turn, "either")


def _persist_now(turn: Turn, when: str) -> None:
    """A planned turn's conversation and user message in a transaction of their own (``_persist``), tried again
    while the database is locked; a failure is logged, and the turn stays pending."""
    try:
        write_retrying(lambda: _persist_alone(turn))
        turn.pending = False
    except DatabaseError:
        logger.exception("could not store the message of conversation %s %s", turn.conversation.pk, when)


@transaction.atomic
def _persist_alone(turn: Turn) -> None:
    _persist(turn)


def turn_succeed(turn: Turn, outcome: provider_services.ChatOutcome) -> RunResult:
    def write() -> None:
        with transaction.atomic():
            _reply_store(
                turn, outcome.content, outcome.info, exchange=outcome.exchange, finish_reason=outcome.finish_reason
            )

    _stored(turn, write, "the reply")
    return RunResult(turn.conversation, _output(turn, outcome.content, outcome.info, outcome))


def turn_stop(
    turn: Turn,
    content: str,
    info: provider_services.CallInfo | None,
    exchange: dict[str, Any] | None,
) -> None:
    """The reader went away: keep what was received as the reply, marked stopped, with the tokens seen."""

    def write() -> None:
        with transaction.atomic():
            _reply_store(turn, content, info, stopped=True, exchange=exchange)

    _stored(turn, write, "a stopped reply")


def turn_fail(turn: Turn, error: ModelDeskError, exchange: dict[str, Any] | None = None) -> RunResult:
    """Keep the user's message with its error; answer according to the error mode.

    A resent message that still has a reply keeps it and is not marked failed: the error is only returned.
    """
    error_type = error.error_type

    def write() -> None:
        with transaction.atomic():
            resent_with_reply = turn.request.resend is not None and any(
                not reply.superseded for reply in message_replies(message=turn.user_message)
            )
            if not resent_with_reply:
                turn.user_message.error = storable(str(error))
                turn.user_message.exchange = exchange  # a failed call's request and answer: the ones worth reading
            if not _persist(turn):
                if not resent_with_reply:
                    turn.user_message.save(update_fields=["error", "exchange"])
                turn.conversation.save(update_fields=["updated_at"])

    _stored(turn, write, "an error")
    provider = turn.request.credential.provider.display_name
    details = {"type": error_type, "message": error.user_message(provider_name=provider)}
    mode = turn.request.error_mode
    if mode == DEFAULT:
        return RunResult(turn.conversation, _output(turn, turn.request.default_value, None), details)
    if mode == ERROR_OUTPUT:
        content = json.dumps({"error_type": error_type, "message": str(error)}, ensure_ascii=False)
        return RunResult(turn.conversation, _output(turn, content, None), details)
    return RunResult(turn.conversation, None, details)


def _title_later(turn: Turn) -> None:
    """After a new conversation's first reply, have a model name it (``background.conversation_title_generate``)
    after the response (``later``), unless the request did not ask (``RunRequest.title``), ``PLAYGROUND_TITLES``
    is off or there is no model to ask: then its first message stays its title."""
    new = turn.request.conversation is None
    if new and turn.request.title and settings.PLAYGROUND_TITLES and title_model_available(turn.conversation):
        run_later(conversation_title_task, str(turn.conversation.pk))


def compare_run(
    *,
    user: Any,
    targets: list[tuple[Credential, str]],
    system: str,
    message: str,
    max_tokens: int | None = None,
    samplings: Sequence[Mapping[str, Any]] | None = None,
    timeout: float = 300,
) -> list[dict[str, Any]]:
    """The same prompt to up to four models at once, as a Celery group; results in the order asked.

    ``samplings`` are the targets' own parameters (``calls.services.Sampling`` keywords, JSON numbers), in the
    targets' order; without them every target gets ``max_tokens``."""
    own = list(samplings) if samplings is not None else [{"max_tokens": max_tokens}] * len(targets)
    job = group(
        compare_one_task.s(str(c.pk), model, system, message, user.pk if user else None, sampling=dict(sampling))
        for (c, model), sampling in zip(targets, own, strict=True)
    )
    results: list[dict[str, Any]] = job.apply_async().get(timeout=timeout)
    return results


def _call_options(request: RunRequest) -> dict[str, Any]:
    return {
        "credential": request.credential,
        "model": request.model,
        **request.sampling(),
        "max_attempts": request.max_attempts,
        "user": request.user,
        "capture": request.capture,
    }


def _typed(exc: Exception) -> ModelDeskError:
    """Any failure as a typed error; an unexpected one is logged (redacted) with its traceback."""
    if isinstance(exc, ModelDeskError):
        return exc
    logger.exception("unexpected error in a playground run")
    return InternalError(exc)


def playground_run(request: RunRequest) -> RunResult:
    turn = turn_plan(request)
    try:
        outcome = provider_services.chat(messages=turn.messages, **_call_options(request))
    except Exception as exc:  # the user's message is always kept, with its error
        return _turn_failed(turn, exc)
    return _turn_done(turn, outcome)


def _turn_failed(turn: Turn, exc: Exception, exchange: dict[str, Any] | None = None) -> RunResult:
    error = _typed(exc)
    return turn_fail(turn, error, exchange if exchange is not None else error.exchange)


def _turn_done(turn: Turn, outcome: provider_services.ChatOutcome) -> RunResult:
    result = turn_succeed(turn, outcome)  # a reply that could not be stored is still returned
    _title_later(turn)
    return result


# --- The asynchronous path (``playground.fast``): the same turn, its provider call awaited between two steps ----
# that use the database. Each step is synchronous; the fast path runs each in one thread hop.
@dataclass
class Begun:
    """A turn whose user message is stored and whose call is ready to send; or, when the call could not even be
    prepared (a refused grant, a broken rule), the turn's ``result`` already."""

    turn: Turn
    call: aio.ChatCall | aio.ChatStreamAsync | None
    result: RunResult | None = None


def run_begin(request: RunRequest, *, streaming: bool = False) -> Begun:
    """``playground_run``'s (or ``playground_stream``'s) first step: plan the turn, prepare the call.

    A run's writes wait for its reply (``turn_plan``). A stream's wait for its provider request to be sent
    (``stream_store``, awaited beside it by the fast path) when it is a new message in a conversation no other
    turn is streaming in; else the stream is stored first (``turn_start``): a resent message, or a handover to
    wait for (``inflight``)."""
    held = request.conversation is not None and bool(request.conversation.streaming)
    first = streaming and (request.resend is not None or held)
    turn = turn_start(request, streaming=True) if first else turn_plan(request)
    begin = aio.stream_begin if streaming else aio.chat_begin
    try:
        return Begun(turn, begin(messages=turn.messages, **_call_options(request)))
    except Exception as exc:  # stored with its error at once
        result = _turn_failed(turn, exc)
        if turn.token:  # a stored stream's hold on its conversation
            turn_release(turn.conversation, turn.token)
        return Begun(turn, None, result)


def stream_store(begun: Begun) -> None:
    """A planned stream's first writes: take the conversation (``inflight.turn_claim``), store it and the user's
    message. A write that fails is logged, and tried again with the reply (``_stored``)."""
    turn = begun.turn
    if not turn.pending:
        return
    turn.token = turn_claim(turn.request.conversation)
    if turn.request.conversation is None:
        turn.conversation.streaming = turn.token
    _persist_now(turn, "yet")


def run_end(begun: Begun) -> RunResult:
    """The last step of a run whose call was sent: record it, store the reply (or the error)."""
    assert isinstance(begun.call, aio.ChatCall)
    try:
        outcome = begun.call.finish()
    except Exception as exc:
        return _turn_failed(begun.turn, exc)
    return _turn_done(begun.turn, outcome)


def stream_end(begun: Begun, *, stopped: bool = False) -> RunResult | None:
    """The last step of a streamed turn: record the call; store the reply, the part received (``stopped``: the
    reader left, or a newer turn took over; None is returned) or the error; release the conversation."""
    stream = begun.call
    assert isinstance(stream, aio.ChatStreamAsync)
    turn = begun.turn
    try:
        stream.finish()
        if stream.error is not None:
            return _turn_failed(turn, stream.error, stream.exchange)
        if stopped or stream.outcome is None:
            turn_stop(turn, stream.received, stream.call.info(), stream.exchange)
            return None
        return _turn_done(turn, stream.outcome)
    finally:
        turn_release(turn.conversation, turn.token)


def playground_stream(request: RunRequest) -> Generator[tuple[str, dict[str, Any]], None, None]:
    """Events for the streaming endpoint (this module's docstring): ``start``, ``reasoning`` and ``delta``
    pieces, then ``done`` or ``error``; closed early, the part received is kept as a stopped reply."""
    turn = turn_start(request, streaming=True)
    try:
        yield from _stream_turn(turn)
    finally:
        turn_release(turn.conversation, turn.token)


class _Handover(Exception):
    """A newer turn of the conversation asked this one to stop (``inflight``)."""


def _stream_turn(turn: Turn) -> Generator[tuple[str, dict[str, Any]], None, None]:
    request = turn.request
    received: list[str] = []
    stream: provider_services.ChatStream | None = None
    deltas: Generator[ChatDelta, None, None] | None = None
    checked = time.monotonic()
    try:
        yield "start", {"conversation": str(turn.conversation.pk)}
        stream = provider_services.chat_stream(
            messages=turn.messages, tick_seconds=STREAM_TICK_SECONDS, **_call_options(request)
        )
        deltas = iter(stream)
        for delta in deltas:
            if delta.is_tick:
                yield "tick", {}
            if delta.reasoning:
                yield "reasoning", {"reasoning": delta.reasoning}
            if delta.content:
                received.append(delta.content)
                yield "delta", {"content": delta.content}
            if time.monotonic() - checked >= STREAM_TICK_SECONDS:
                checked = time.monotonic()
                if not turn_current(turn.conversation, turn.token):
                    raise _Handover
        if stream.outcome is None:
            raise RuntimeError("the stream ended without an outcome")
        result = turn_succeed(turn, stream.outcome)
    except (GeneratorExit, _Handover) as end:  # the reader went away (Stop, closed tab, Ctrl-C), or a newer turn came
        if deltas is not None:
            deltas.close()  # closes the upstream response at once; the call is recorded as cancelled
        info, exchange = (stream.call.info(), stream.exchange) if stream is not None else (None, None)
        turn_stop(turn, "".join(received), info, exchange)
        if isinstance(end, GeneratorExit):
            raise
        yield end_event(turn, None)
        return
    except Exception as exc:  # the stream always ends with an event, and the message keeps its error
        yield end_event(turn, turn_fail(turn, _typed(exc), stream.exchange if stream is not None else None))
        return
    yield end_event(turn, result)
    _title_later(turn)  # after the reader has the reply: an eager title call must not delay it


def end_event(turn: Turn, result: RunResult | None) -> tuple[str, dict[str, Any]]:
    """A streamed turn's last event: ``done`` or ``error`` with the output, or ``stopped`` (no result)."""
    conversation = str(turn.conversation.pk)
    if result is None:
        return "stopped", {"conversation": conversation, "ids": turn.ids()}
    if result.error is not None:
        return "error", {
            "conversation": conversation,
            "error": result.error,
            "output": result.output,
            "ids": turn.ids(),
        }
    return "done", {"conversation": conversation, "output": result.output, "ids": turn.ids()}
