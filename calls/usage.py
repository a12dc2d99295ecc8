"""Token counts ModelDesk makes itself, when a provider reports none (many self-hosted servers ignore
``stream_options.include_usage``). They are estimates, marked as such, never passed off as the provider's."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from wire.types import Message, Usage

# Per message, chat templates add a few tokens of their own (role markers, separators).
MESSAGE_OVERHEAD_TOKENS = 4


# CJK and everything after it in Unicode (kana, hangul, emoji): about a token a character.
_WIDE = re.compile("[\u2e80-\U0010ffff]+")


def estimate_tokens(text: str) -> int:
    """A conservative count: a CJK character is about one token, other text about four characters a token.

    The wide characters are counted by the regular expression engine (in C), not a Python loop over every
    character: history trimming estimates whole conversations."""
    narrow = len(_WIDE.sub("", text))
    return (len(text) - narrow) + math.ceil(narrow / 4)


def usage_estimate(messages: Sequence[Message], reply: str) -> Usage:
    """Input from the messages sent, output from the reply (content and reasoning); marked ``estimated``."""
    sent = sum(estimate_tokens(m.text) + MESSAGE_OVERHEAD_TOKENS for m in messages)
    return Usage(input_tokens=sent, output_tokens=estimate_tokens(reply), estimated=True)


def usage_or_estimate(usage: Usage, messages: Sequence[Message], reply: str) -> Usage:
    """The provider's usage when it reported any, else an estimate."""
    return usage if not usage.empty else usage_estimate(messages, reply)
