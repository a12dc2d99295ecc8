"""Reads for the playground: a user's conversations and the rounds of history to load."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from calls.usage import estimate_tokens

from .models import Conversation, Message, Role

Round = tuple[Message, Message]


def conversation_list(*, user: Any, limit: int = 50) -> QuerySet[Conversation]:
    return Conversation.objects.filter(user=user)[:limit]


def parse_uuid(raw: Any) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None


def conversation_get(*, user: Any, conversation_id: Any) -> Conversation | None:
    """The user's own conversation, or None: other users' conversations do not exist for them."""
    pk = parse_uuid(conversation_id)
    return Conversation.objects.filter(user=user, pk=pk).first() if pk else None


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.all()


def history_rounds(*, conversation: Conversation, rounds: int, window_minutes: int | None = None) -> list[Round]:
    """The last ``rounds`` user/assistant pairs, oldest first, in one query whatever the history's length.

    Failed user messages (no reply) are skipped; ``window_minutes`` keeps only rounds asked within that window.
    """
    messages = conversation.messages.filter(role__in=[Role.USER, Role.ASSISTANT], error="")
    if window_minutes:
        messages = messages.filter(created_at__gte=timezone.now() - timedelta(minutes=window_minutes))
    recent = list(messages.order_by("-created_at", "-id")[: rounds * 2 + 1])[::-1]
    pairs: list[Round] = []
    index = 0
    while index < len(recent) - 1:
        first, second = recent[index], recent[index + 1]
        if first.role == Role.USER and second.role == Role.ASSISTANT:
            pairs.append((first, second))
            index += 2
        else:
            index += 1
    return pairs[-rounds:] if rounds else []


def fit_rounds(rounds: list[Round], *, budget: int | None) -> list[Round]:
    """Drop the oldest rounds until the rest fit in ``budget`` tokens (None: no limit)."""
    if budget is None:
        return rounds
    kept = list(rounds)
    while kept and sum(estimate_tokens(u.content) + estimate_tokens(a.content) for u, a in kept) > budget:
        kept.pop(0)
    return kept
