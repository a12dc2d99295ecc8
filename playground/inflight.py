"""One streaming turn per conversation, across threads and processes (the database is what they share).

The page sends one request at a time, and a Stop ends it at once on the page. The server learns of the Stop only
when it next writes to the page, and while the model is silent that is at the next keep-alive
(``services.STREAM_TICK_SECONDS``), a moment later. A turn sent in that moment would be stored before the stopped
one's part, and the transcript would show them out of order. So the streaming turn keeps a token in
``Conversation.streaming``:

- a new streaming turn of a conversation that has one writes ``"earlier>new"`` and waits, up to
  ``HANDOVER_SECONDS``, for the earlier turn to hand over (``turn_claim``);
- the earlier turn checks its token between deltas and at each keep-alive (``turn_current``); finding it taken,
  it stops as if its reader had gone, stores the part received, and hands over (``turn_release``);
- a turn that ends on its own releases its token the same way, and the new turn goes on at once.

A turn that died without releasing (a killed process) delays the next one by ``HANDOVER_SECONDS``, once.
"""

from __future__ import annotations

import time
import uuid

from .models import Conversation

HANDOVER_SECONDS = 3.0
POLL_SECONDS = 0.05
SEPARATOR = ">"


def turn_claim(conversation: Conversation | None) -> str:
    """This turn's token, written into ``conversation`` once any earlier streaming turn has handed over; for a
    new conversation (None) only the token, which its first save writes."""
    token = uuid.uuid4().hex
    if conversation is not None:
        rows = Conversation.objects.filter(pk=conversation.pk)
        earlier = rows.values_list("streaming", flat=True).first() or ""
        if earlier:
            asked = earlier.rsplit(SEPARATOR, 1)[-1] + SEPARATOR + token
            rows.filter(streaming=earlier).update(streaming=asked)
            deadline = time.monotonic() + HANDOVER_SECONDS
            while rows.filter(streaming=asked).exists() and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
        rows.update(streaming=token)
        conversation.streaming = token
    return token


def turn_current(conversation: Conversation, token: str) -> bool:
    """Whether this turn still holds the conversation (no newer turn asked it to hand over)."""
    return Conversation.objects.filter(pk=conversation.pk, streaming=token).exists()


def turn_release(conversation: Conversation, token: str) -> None:
    """This turn is over: clear its token, or pass it to the turn waiting for it."""
    rows = Conversation.objects.filter(pk=conversation.pk)
    value = rows.values_list("streaming", flat=True).first() or ""
    if value == token:
        rows.filter(streaming=token).update(streaming="")
    elif value.startswith(token + SEPARATOR):
        rows.filter(streaming=value).update(streaming=value.split(SEPARATOR, 1)[1])
