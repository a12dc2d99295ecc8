"""Thinking on the OpenAI wire format: the request fields that control it, and inline ``<think>`` replies.

Control. Providers that speak the OpenAI format ask for thinking in different body fields; each provider names
its way in ``Quirks.thinking_style`` (one of ``STYLES``) and ``thinking_fields`` builds the fields from the call's
``Thinking``. Checked 2026-12-02:

- ``reasoning_effort``: OpenAI (https://platform.openai.com/docs/api-reference/chat/create), Gemini's
  OpenAI-compatible endpoint (https://ai.google.dev/gemini-api/docs/openai), Azure OpenAI reasoning deployments.
  ``enabled=False`` sends ``"none"`` (Gemini turns thinking off with it; newer OpenAI models accept it).
- ``enable_thinking``: Qwen on Model Studio, with ``thinking_budget`` for a cap
  (https://www.alibabacloud.com/help/en/model-studio/deep-thinking).
- ``thinking_type``: ``thinking: {"type": "enabled" | "disabled"}``: Zhipu (https://docs.z.ai/guides/capabilities/
  thinking-mode), Doubao on Volcengine Ark (its catalog entry cites the source), Kimi
  (https://platform.kimi.ai/docs/api/models-overview).
- ``thinking_type_effort``: the same, plus ``reasoning_effort`` for the effort: DeepSeek
  (https://api-docs.deepseek.com/guides/thinking_mode).
- ``reasoning_split``: MiniMax; ``reasoning_split: true`` on every chat, so thinking arrives in
  ``reasoning_details`` instead of inline in ``content`` (https://platform.minimax.io/docs/api-reference/
  text-openai-api).

Replies. Many servers (MiniMax without the split, self-hosted reasoning models without a reasoning parser) put
the thinking at the start of ``content`` as ``<think>…</think>``. ``ThinkSplitter`` moves it to the reasoning,
for whole replies and for streams, whose chunks can split a tag anywhere.
"""

from __future__ import annotations

from typing import Any

from wire.types import Thinking

REASONING_EFFORT = "reasoning_effort"
ENABLE_THINKING = "enable_thinking"
THINKING_TYPE = "thinking_type"
THINKING_TYPE_EFFORT = "thinking_type_effort"
REASONING_SPLIT = "reasoning_split"
STYLES = frozenset({REASONING_EFFORT, ENABLE_THINKING, THINKING_TYPE, THINKING_TYPE_EFFORT, REASONING_SPLIT})

OPEN, CLOSE = "<think>", "</think>"


def thinking_fields(style: str, thinking: Thinking | None) -> dict[str, Any]:
    """The body fields that ask for ``thinking`` in this provider's style; none when the call asks for nothing."""
    if style == REASONING_SPLIT:  # always: it changes where thinking arrives, not whether the model thinks
        return {"reasoning_split": True}
    if thinking is None or not style:
        return {}
    if style == REASONING_EFFORT:
        effort = thinking.effort if thinking.enabled else "none"
        return {"reasoning_effort": effort} if effort else {}
    if style == ENABLE_THINKING:
        fields: dict[str, Any] = {"enable_thinking": thinking.enabled}
        if thinking.enabled and thinking.budget_tokens:
            fields["thinking_budget"] = thinking.budget_tokens
        return fields
    fields = {"thinking": {"type": "enabled" if thinking.enabled else "disabled"}}
    if style == THINKING_TYPE_EFFORT and thinking.enabled and thinking.effort:
        fields["reasoning_effort"] = thinking.effort
    return fields


class ThinkSplitter:
    """Splits a reply that starts with ``<think>…</think>`` into reasoning and content, fed piece by piece.

    ``feed`` returns the ``(reasoning, content)`` that can be told apart so far; ``finish`` returns what was held
    back. The rules, the same for any chunking: whitespace before ``<think>`` is dropped; the reasoning is the text
    between the tags as sent; whitespace right after ``</think>`` is dropped; a reply whose first other characters
    are not ``<think>`` passes through unchanged (held back only until that is clear: at most seven characters,
    plus leading whitespace); a ``<think>`` that never closes makes the rest reasoning.
    """

    def __init__(self) -> None:
        self.state = "start"  # start -> think -> after -> text, or start -> text
        self.held = ""

    def feed(self, text: str) -> tuple[str, str]:
        reasoning, content = "", ""
        while text:
            if self.state == "start":
                text = self._start(text)
            elif self.state == "think":
                piece, text = self._think(text)
                reasoning += piece
            elif self.state == "after":
                text = text.lstrip()
                self.state = "after" if not text else "text"
            else:
                content += text
                text = ""
        return reasoning, content

    def finish(self) -> tuple[str, str]:
        """What was held back; the splitter then passes any later text through."""
        held, state = self.held, self.state
        self.held, self.state = "", "text"
        return (held, "") if state == "think" else ("", held if state == "start" else "")

    def _start(self, text: str) -> str:
        buffer = self.held + text
        head = buffer.lstrip()
        if not head or OPEN.startswith(head):
            self.held = buffer
            return ""
        if head.startswith(OPEN):
            self.held, self.state = "", "think"
            return head[len(OPEN) :]
        self.state = "text"  # not a think block: everything held is content
        self.held = ""
        return buffer

    def _think(self, text: str) -> tuple[str, str]:
        buffer = self.held + text
        end = buffer.find(CLOSE)
        if end >= 0:
            self.held, self.state = "", "after"
            return buffer[:end], buffer[end + len(CLOSE) :]
        keep = _partial_suffix(buffer, CLOSE)
        self.held = buffer[len(buffer) - keep :] if keep else ""
        return buffer[: len(buffer) - keep], ""


def _partial_suffix(text: str, tag: str) -> int:
    """The length of the longest end of ``text`` that could be the start of ``tag``."""
    for size in range(min(len(text), len(tag) - 1), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def split_think(text: str) -> tuple[str, str]:
    """``(reasoning, content)`` of a whole reply, by the rules of ``ThinkSplitter``."""
    splitter = ThinkSplitter()
    reasoning, content = splitter.feed(text)
    rest_reasoning, rest_content = splitter.finish()
    return reasoning + rest_reasoning, content + rest_content
