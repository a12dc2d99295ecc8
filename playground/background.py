"""The playground's background work, run by its Celery tasks: naming a conversation, one column of a compare run.

Kept apart from ``services`` so that the services queue the tasks and the tasks call this, one way only.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from access.services import as_operator
from calls import services as provider_services
from calls.models import DefaultModel
from core.errors import ModelDeskError
from credentials.models import Credential
from wire.types import Message as ChatMessage

from .models import TITLE_LENGTH, Conversation

TITLE_PROMPT = (
    "You name conversations. The user sends the first message of a conversation, a line of three dashes, then "
    "the reply it got. Answer with the title only: at most eight words, in the conversation's language, with no "
    'label (not "Title:", "User:" or "Assistant:"), no quotes, no Markdown and no full stop.'
)
# What small models put before or around a title although asked not to.
# (\uff1a is the full-width colon, \u2018 and \u2019 the single quotes, \uff0e the full-width full stop.)
TITLE_LABEL = re.compile(
    r"^\s*(?:title|user|assistant|human|ai|标题|題目|用户|用戶|助手)\s*[:\uff1a]\s*", re.IGNORECASE
)
TITLE_TRIM = "\"'“”\u2018\u2019「」『』《》*#`_ \t。.\uff0e:\uff1a"


def title_clean(text: str) -> str:
    """A model's answer as a bare title: its first line with words in it, without labels, quotes, Markdown or
    a full stop, cut to ``TITLE_LENGTH``."""
    line = next((line for line in text.splitlines() if line.strip(TITLE_TRIM)), "")
    previous = None
    while previous != line:
        previous = line
        line = TITLE_LABEL.sub("", line.strip(TITLE_TRIM))
    return line[:TITLE_LENGTH].strip()


def title_model(conversation: Conversation) -> tuple[Credential | str | None, str | None] | None:
    """The credential and model to title ``conversation`` with: its own, unless ``PLAYGROUND_TITLE_MODEL`` names
    another ("credential-name/model"; "default": the default llm model). None: no model to ask."""
    setting = (settings.PLAYGROUND_TITLE_MODEL or "").strip()
    if setting == "default":
        return None, None
    if setting:
        credential, _slash, model = setting.partition("/")
        return (credential, model) if credential and model else None
    if conversation.credential is None or not conversation.model:
        return None
    return conversation.credential, conversation.model


def title_model_available(conversation: Conversation) -> bool:
    """Whether ``title_model`` names a model to ask; for the default llm model, whether one is set."""
    target = title_model(conversation)
    if target is None:
        return False
    if target == (None, None):
        return DefaultModel.objects.filter(model_type="llm").exists()
    return True


def conversation_title_generate(*, conversation_id: str) -> str | None:
    """Title a conversation from its first exchange, with its own model by default (``title_model``), so the
    exchange goes nowhere it has not been. None when there is nothing to title or no model answered."""
    conversation = Conversation.objects.select_related("credential__provider").filter(pk=conversation_id).first()
    if conversation is None or not settings.PLAYGROUND_TITLES:
        return None
    first = list(conversation.messages.filter(error="", superseded=False).order_by("created_at", "id")[:2])
    target = title_model(conversation)
    renamed = bool(first) and conversation.title != first[0].content[:TITLE_LENGTH]
    if len(first) < 2 or target is None or renamed:
        return None
    exchange = f"{first[0].content[:1000]}\n\n---\n\n{first[1].content[:1000]}"
    credential, model = target
    try:
        with as_operator():  # ModelDesk's own call: no grant needed, and not taken from the user's own quotas
            outcome = provider_services.chat(
                messages=[ChatMessage("system", TITLE_PROMPT), ChatMessage("user", exchange)],
                credential=credential,
                model=model,
                max_tokens=32,
                max_attempts=2,
                user=conversation.user,
            )
    except ModelDeskError:  # no such model, or it failed: the first message stays the title
        return None
    title = title_clean(outcome.content)
    if title:  # unless the user renamed it while the model was asked
        Conversation.objects.filter(pk=conversation.pk, title=conversation.title).update(title=title)
    return title or None


def compare_one(
    *,
    credential_id: str,
    model: str,
    system: str,
    message: str,
    user_id: int | None,
    sampling: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One column of a compare run: the reply or the error, with latency and tokens. Never a secret.

    ``sampling`` holds the column's ``calls.services.Sampling`` keywords (temperature, top_p, max_tokens)."""
    credential = Credential.objects.select_related("provider").filter(pk=credential_id).first()
    base: dict[str, Any] = {"credential": credential.name if credential else "", "model": model}
    if credential is None:
        return {**base, "error": {"type": "configuration", "message": "The credential no longer exists."}}
    messages = ([ChatMessage("system", system)] if system else []) + [ChatMessage("user", message)]
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        outcome = provider_services.chat(
            messages=messages, credential=credential, model=model, user=user, **(sampling or {})
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
