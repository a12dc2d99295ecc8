"""The playground's background work, run by its Celery tasks: naming a conversation, one column of a compare run.

Kept apart from ``services`` so that the services queue the tasks and the tasks call this, one way only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from calls import services as provider_services
from core.errors import ModelDeskError
from credentials.models import Credential
from wire.types import Message as ChatMessage

from .models import TITLE_LENGTH, Conversation

TITLE_PROMPT = (
    "Name this conversation. Answer with a title of at most eight words, in the conversation's language, "
    "without quotes and without a full stop."
)


def conversation_title_generate(*, conversation_id: str) -> str | None:
    """Title a conversation from its first exchange with the default llm model; None when none is set."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return None
    first = list(conversation.messages.filter(error="").order_by("created_at", "id")[:2])
    if len(first) < 2:
        return None
    exchange = f"User: {first[0].content[:1000]}\nAssistant: {first[1].content[:1000]}"
    try:
        outcome = provider_services.chat(
            messages=[ChatMessage("system", TITLE_PROMPT), ChatMessage("user", exchange)],
            max_tokens=32,
            max_attempts=2,
            user=conversation.user,
        )
    except ModelDeskError:  # no default model, or it failed: the first message stays the title
        return None
    title = (
        outcome.content.strip().strip("\"'“”「」。.").splitlines()[0][:TITLE_LENGTH] if outcome.content.strip() else ""
    )
    if title:
        Conversation.objects.filter(pk=conversation.pk).update(title=title)
    return title or None


def compare_one(
    *, credential_id: str, model: str, system: str, message: str, user_id: int | None, max_tokens: int | None = None
) -> dict[str, Any]:
    """One column of a compare run: the reply or the error, with latency and tokens. Never a secret."""
    credential = Credential.objects.select_related("provider").filter(pk=credential_id).first()
    base: dict[str, Any] = {"credential": credential.name if credential else "", "model": model}
    if credential is None:
        return {**base, "error": {"type": "configuration", "message": "The credential no longer exists."}}
    messages = ([ChatMessage("system", system)] if system else []) + [ChatMessage("user", message)]
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        outcome = provider_services.chat(
            messages=messages, credential=credential, model=model, user=user, max_tokens=max_tokens
        )
    except ModelDeskError as error:
        return {
            **base,
            "provider": credential.provider.slug,
            "error": {"type": error.error_type, "message": str(error)},
        }
    info = outcome.info
    return {
        **base,
        "provider": info.provider,
        "content": outcome.content,
        "latency_ms": info.latency_ms,
        "usage": {"input_tokens": info.usage.input_tokens, "output_tokens": info.usage.output_tokens},
        "finish_reason": outcome.finish_reason,
        "error": None,
    }
