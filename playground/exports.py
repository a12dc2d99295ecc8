"""A conversation exported as JSON (the LLM node's output shape) or as Markdown. Reads only.

The JSON is a list with one item per shown reply, oldest first, each shaped as the node's output::

    [{"content": reply, "history": [{"role", "content"}, ...], "model", "stopped", "created_at"}]

``history`` is the whole conversation before that reply: the conversation's system message (its current one,
variables filled in), every earlier user message and shown reply, then the user message answered. It is what a
run with history of every round would send, not necessarily what was sent (the rounds loaded may have been fewer).
Failed user messages (no reply) and superseded replies are left out of the JSON; the Markdown shows failures.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .models import Conversation, Message, Role
from .variables import VariableError, parse_variables, render


def _system_message(conversation: Conversation) -> str:
    settings = conversation.settings or {}
    system = str(settings.get("system") or "")
    try:
        return render(system, parse_variables(str(settings.get("variables") or "")), field="system")
    except VariableError:  # stored before variables filled the system message: kept as it was typed
        return system


def _shown(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.filter(superseded=False).order_by("created_at", "id"))


def conversation_export_json(*, conversation: Conversation) -> list[dict[str, Any]]:
    system = _system_message(conversation)
    history: list[dict[str, str]] = [{"role": "system", "content": system}] if system else []
    items: list[dict[str, Any]] = []
    question: Message | None = None
    for message in _shown(conversation):
        if message.role == Role.USER:
            question = None if message.error else message
        elif message.role == Role.ASSISTANT and question is not None:
            asked = [*history, {"role": "user", "content": question.content}]
            items.append(
                {
                    "content": message.content,
                    "history": asked,
                    "model": message.model,
                    "stopped": message.stopped,
                    "created_at": message.created_at.isoformat(),
                }
            )
            if message.content:  # an empty stopped reply is not sent back as history
                history = [*asked, {"role": "assistant", "content": message.content}]
            question = None
    return items


def conversation_export_markdown(*, conversation: Conversation) -> str:
    title = conversation.title or _("Untitled conversation")
    lines = [f"# {title}", ""]
    meta = " · ".join(part for part in (conversation.model, conversation.created_at.isoformat()) if part)
    lines += [f"_{meta}_", ""]
    system = _system_message(conversation)
    if system:
        lines += [f"## {_('System')}", "", system, ""]
    for message in _shown(conversation):
        if message.role == Role.USER:
            lines += [f"## {_('You')}", "", message.content, ""]
            if message.error:
                lines += [f"> **{_('Failed:')}** {message.error}", ""]
        else:
            heading = _("Assistant") + (f" ({message.model})" if message.model else "")
            lines += [f"## {heading}", "", message.content, ""]
            if message.stopped:
                lines += [f"_{_('Stopped before the reply was complete.')}_", ""]
    return "\n".join(lines).rstrip() + "\n"
