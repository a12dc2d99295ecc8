"""Writes on conversations that call no model: rename, delete, delete a message, choose a reply among alternatives.

The views find the user's own conversation or message first (``selectors.conversation_get`` and
``selectors.message_get``), so nothing here checks who asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import TITLE_LENGTH, Conversation, Message, Role
from .selectors import message_replies


@dataclass(frozen=True)
class Deleted:
    conversation: Conversation
    message_ids: tuple[int, ...]


def conversation_rename(*, conversation: Conversation, title: str) -> Conversation:
    """A title the user chose: stripped, cut to ``TITLE_LENGTH``; generated titles never replace it later."""
    conversation.title = " ".join(title.split())[:TITLE_LENGTH]
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    conversation.delete()  # its messages go with it


def message_question(*, message: Message) -> Message | None:
    """The user message a reply answers: the last user message before it."""
    if message.role == Role.USER:
        return message
    earlier = message.conversation.messages.filter(role=Role.USER, pk__lt=message.pk)
    return earlier.order_by("-pk").first()


@transaction.atomic
def message_delete(*, message: Message) -> Deleted:
    """Delete a user message with all its replies, or one reply.

    Deleting the shown reply shows the most recent alternative instead, when there is one.
    """
    conversation = message.conversation
    if message.role == Role.USER:
        doomed = [message, *message_replies(message=message)]
    else:
        doomed = [message]
        question = message_question(message=message)
        others = [r for r in message_replies(message=question) if r.pk != message.pk] if question else []
        if not message.superseded and others:
            Message.objects.filter(pk=others[-1].pk).update(superseded=False)
    ids = tuple(m.pk for m in doomed)
    Message.objects.filter(pk__in=ids).delete()
    conversation.save(update_fields=["updated_at"])
    return Deleted(conversation, ids)


@transaction.atomic
def message_reply_choose(*, message: Message) -> Message:
    """Show this reply instead of its alternatives (it is also the one sent back as history)."""
    question = message_question(message=message)
    siblings = message_replies(message=question) if question else [message]
    Message.objects.filter(pk__in=[r.pk for r in siblings if r.pk != message.pk]).update(superseded=True)
    Message.objects.filter(pk=message.pk).update(superseded=False)
    message.superseded = False
    return message
