"""Reads for the playground: a user's conversations, their messages, the rounds of history to load, how healthy
each credential is (the credential picker's order and preselection), and the pages of credentials and models the
pickers show and search."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from calls.usage import estimate_tokens
from credentials.models import CheckStatus, Credential
from credentials.selectors import NEEDS_REENTRY, credential_status

from .models import Conversation, Message, MessageImage, Role

Round = tuple[Message, Message]
SEARCH_MAX_CHARS = 200
# The credential picker's order: working ones first; failing and unreadable ones last, never preselected.
HEALTH_ORDER = {CheckStatus.OK: 0, CheckStatus.UNCHECKED: 1, CheckStatus.FAILED: 2, NEEDS_REENTRY: 3}


def conversation_list(*, user: Any, query: str = "", limit: int = 50) -> QuerySet[Conversation]:
    """The user's conversations, most recent first; ``query`` keeps those whose title or any message has it."""
    conversations = Conversation.objects.filter(user=user)
    query = query.strip()[:SEARCH_MAX_CHARS]
    if query:
        in_messages = Message.objects.filter(conversation=OuterRef("pk"), content__icontains=query)
        conversations = conversations.filter(Q(title__icontains=query) | Exists(in_messages))
    return conversations[:limit]


def conversation_latest(*, user: Any) -> Conversation | None:
    """The user's most recently used conversation: "New conversation" starts from its settings."""
    return Conversation.objects.filter(user=user).select_related("credential__provider").first()


def credential_health(credential: Credential) -> int:
    """``HEALTH_ORDER``'s rank of the credential's status: below 2 is healthy (ok, or not checked yet)."""
    return HEALTH_ORDER.get(credential_status(credential), 1)


def credential_healthy(credential: Credential) -> bool:
    return credential_health(credential) < HEALTH_ORDER[CheckStatus.FAILED]


def credentials_by_health(credentials: Any) -> list[Credential]:
    """The credentials, healthy first (their order kept within each status)."""
    return sorted(credentials, key=credential_health)


def first_healthy(credentials: Any) -> Credential | None:
    return next((c for c in credentials_by_health(credentials) if credential_healthy(c)), None)


# A picker (the credential and model selects) renders this many options, and a search answers this many at most.
PICKER_PAGE = 50
PICKER_LIMIT_MAX = 100


@dataclass(frozen=True)
class Page:
    """One page of a picker's options; ``next`` is the offset of the following page, None after the last."""

    items: list[Any]
    next: int | None


def _page(ordered: QuerySet[Any], offset: int, limit: int) -> Page:
    """One query: a row more than the page tells whether another page follows (no count)."""
    rows = list(ordered[offset : offset + limit + 1])
    return Page(items=rows[:limit], next=offset + limit if len(rows) > limit else None)


def credential_page(credentials: Any, *, query: str = "", offset: int = 0, limit: int = PICKER_PAGE) -> Page:
    """A page of ``credentials`` whose name contains ``query`` (in any case), working ones first.

    The database orders them by their last check (ok, unchecked, then failed) and name; an unreadable secret
    shows only once a credential is read, so those that need re-entry go last within their page
    (``credentials_by_health``).
    """
    health = Case(
        *(When(check_status=status, then=Value(HEALTH_ORDER[status])) for status in CheckStatus.values),
        default=Value(HEALTH_ORDER[CheckStatus.UNCHECKED]),
        output_field=IntegerField(),
    )
    ranked = credentials.annotate(health=health).order_by("health", "name", "pk")
    if query:
        ranked = ranked.filter(name__icontains=query)
    page = _page(ranked, offset, limit)
    return Page(items=credentials_by_health(page.items), next=page.next)


def model_page(models: Any, *, query: str = "", offset: int = 0, limit: int = PICKER_PAGE) -> Page:
    """A page of ``models`` by name; with ``query``, those whose name or display name contains it (in any case),
    the exact name first, then names that start with it."""
    if not query:
        return _page(models.order_by("name", "pk"), offset, limit)
    match = Case(
        When(name__iexact=query, then=Value(0)),
        When(name__istartswith=query, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    found = models.filter(Q(name__icontains=query) | Q(display_name__icontains=query))
    return _page(found.annotate(match=match).order_by("match", "name", "pk"), offset, limit)


def parse_uuid(raw: Any) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None


def conversation_get(*, user: Any, conversation_id: Any) -> Conversation | None:
    """The user's own conversation, or None: other users' conversations do not exist for them."""
    pk = parse_uuid(conversation_id)
    return Conversation.objects.filter(user=user, pk=pk).first() if pk else None


def conversation_messages(*, conversation: Conversation, superseded: bool = False) -> QuerySet[Message]:
    """The transcript: without the replies a regeneration replaced, unless ``superseded``."""
    images = Prefetch("images", queryset=MessageImage.objects.defer("data"))  # the page links to the bytes
    messages = conversation.messages.prefetch_related(images)
    return messages if superseded else messages.filter(superseded=False)


def message_image_get(*, user: Any, image_id: int) -> MessageImage | None:
    """An image of a message of one of the user's own conversations, or None."""
    return MessageImage.objects.filter(pk=image_id, message__conversation__user=user).first()


def message_get(*, user: Any, message_id: Any) -> Message | None:
    """A message of one of the user's own conversations, or None."""
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        return None
    return Message.objects.filter(pk=pk, conversation__user=user).select_related("conversation").first()


def message_replies(*, message: Message) -> list[Message]:
    """A user message's replies, superseded ones included, oldest first: those up to the next user message."""
    later = message.conversation.messages.filter(pk__gt=message.pk).order_by("pk")
    next_user = later.filter(role=Role.USER).values_list("pk", flat=True).first()
    replies = later.filter(role=Role.ASSISTANT)
    return list(replies.filter(pk__lt=next_user) if next_user else replies)


def last_user_message(*, conversation: Conversation) -> Message | None:
    return conversation.messages.filter(role=Role.USER).order_by("-pk").first()


def history_rounds(
    *, conversation: Conversation, rounds: int, window_minutes: int | None = None, before: Message | None = None
) -> list[Round]:
    """The last ``rounds`` user/assistant pairs, oldest first, in one query whatever the history's length.

    Failed user messages (no reply), superseded replies and empty stopped ones are skipped; ``window_minutes``
    keeps only rounds asked within that window; ``before`` only the messages before that one (a resent message).
    """
    messages = conversation.messages.filter(role__in=[Role.USER, Role.ASSISTANT], error="", superseded=False)
    messages = messages.exclude(role=Role.ASSISTANT, content="")
    if before is not None:
        messages = messages.filter(pk__lt=before.pk)
    if window_minutes:
        messages = messages.filter(created_at__gte=timezone.now() - timedelta(minutes=window_minutes))
    messages = messages.defer("exchange")  # the inspector's record is not history, and may be large
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


def message_tokens(message: Message) -> int:
    """A message's size in tokens: as stored when it was written, else estimated now (rows from before that)."""
    return message.tokens if message.tokens is not None else estimate_tokens(message.content)


def fit_rounds(rounds: list[Round], *, budget: int | None) -> list[Round]:
    """Drop the oldest rounds until the rest fit in ``budget`` tokens (None: no limit), with a running total:
    each round is counted once, however many are dropped."""
    if budget is None:
        return rounds
    sizes = [message_tokens(user) + message_tokens(reply) for user, reply in rounds]
    total, start = sum(sizes), 0
    while start < len(rounds) and total > budget:
        total -= sizes[start]
        start += 1
    return rounds[start:]
