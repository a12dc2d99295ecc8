"""History trimming in linear time: each message's size in tokens is stored when it is written (the provider's
count of a reply's answer where it reported one), and the oldest rounds are dropped with a running total."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calls.usage import estimate_tokens
from playground import selectors
from playground.models import Message, Role
from playground.selectors import fit_rounds
from playground.services import RunRequest, playground_run


def _reference(text: str) -> int:
    """The estimate as first written, one character at a time: the fast one must agree with it exactly."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + math.ceil((len(text) - wide) / 4)


@given(st.text())
def test_the_fast_estimate_agrees_with_the_character_by_character_one(text):
    assert estimate_tokens(text) == _reference(text)


def _round(tokens_user: int | None, tokens_reply: int | None, text: str = "x" * 40) -> tuple[Message, Message]:
    return (
        Message(role=Role.USER, content=text, tokens=tokens_user),
        Message(role=Role.ASSISTANT, content=text, tokens=tokens_reply),
    )


def test_the_oldest_rounds_go_first_until_the_rest_fit():
    rounds = [_round(10, 20), _round(5, 5), _round(1, 2)]
    assert fit_rounds(rounds, budget=13) == rounds[1:]
    assert fit_rounds(rounds, budget=3) == rounds[2:]
    assert fit_rounds(rounds, budget=2) == []
    assert fit_rounds(rounds, budget=None) == rounds
    assert fit_rounds([_round(None, None)], budget=19) == []  # no stored count: 10 + 10 estimated


def test_each_message_is_estimated_at_most_once_however_many_rounds_are_dropped(monkeypatch):
    calls = []

    def counting(text: str) -> int:
        calls.append(text)
        return estimate_tokens(text)

    monkeypatch.setattr(selectors, "estimate_tokens", counting)
    rounds = [_round(None, None, "y" * 4000) for _ in range(200)]
    kept = fit_rounds(rounds, budget=8000)
    assert len(kept) == 4 and len(calls) == 400


@pytest.mark.django_db
def test_messages_keep_their_size_when_written(player, llm):
    result = playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="你好 there"))
    question, reply = Message.objects.filter(conversation=result.conversation).order_by("pk")
    assert question.tokens == estimate_tokens("你好 there")
    assert reply.tokens == reply.tokens_out  # the fake reports usage: its count, not an estimate


def test_a_replys_size_is_its_answer_without_the_reasoning_which_is_not_sent_back():
    from playground.services import _answer_tokens
    from wire.types import Usage

    assert _answer_tokens("four", Usage(output_tokens=100, reasoning_tokens=70)) == 30
    assert _answer_tokens("four", Usage(output_tokens=9, estimated=True)) == estimate_tokens("four")
    assert _answer_tokens("four", None) == estimate_tokens("four")
