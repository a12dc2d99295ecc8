"""Playground runs with a reasoning model, the newer chat parameters, images and history trimmed to fit."""

from __future__ import annotations

import pytest

from calls import services as calls_services
from calls.resolve import CallInfo
from playground import services
from playground.images import image_from_bytes, image_from_url
from playground.models import Message, Role
from playground.services import RunRequest, playground_run, playground_stream, run_problems
from tests.playground.images import PNG
from wire.types import ResponseFormat, Thinking, Usage

REASONING = "The user wants an echo."  # what the fake provider's DeepSeek flavour thinks


@pytest.fixture
def deepseek(point_at):
    return point_at("deepseek")


def request_for(user, credential, message="hi", model="echo-1", **options) -> RunRequest:
    return RunRequest(user=user, credential=credential, model=model, system="", message=message, **options)


def test_the_stream_sends_reasoning_as_its_own_events_before_the_answer(player, deepseek):
    """``reasoning`` events carry the thinking, ``delta`` events only the answer; ``done`` has both, apart."""
    events = list(playground_stream(request_for(player, deepseek, model="deepseek-echo")))
    kinds = [kind for kind, _data in events]
    assert "reasoning" in kinds and kinds.index("reasoning") < kinds.index("delta")
    assert "".join(data["reasoning"] for kind, data in events if kind == "reasoning") == REASONING
    assert all(set(data) == {"content"} for kind, data in events if kind == "delta")
    answer = "".join(data["content"] for kind, data in events if kind == "delta")
    assert answer == "Echo: hi" and REASONING not in answer
    output = events[-1][1]["output"][0]
    assert output["reasoning"] == REASONING and output["content"] == answer and output["finish_reason"] == "stop"


def test_reasoning_is_neither_stored_nor_sent_back(player, deepseek):
    first = playground_run(request_for(player, deepseek, model="deepseek-echo"))
    assert Message.objects.get(role=Role.ASSISTANT).content == "Echo: hi"
    again = request_for(player, deepseek, "again", model="deepseek-echo", conversation=first.conversation, history=True)
    history = playground_run(again).output[0]["history"]
    assert [m["content"] for m in history] == ["hi", "Echo: hi", "again"]


def test_a_reply_without_reasoning_sends_no_reasoning_events(player, llm):
    assert "reasoning" not in [kind for kind, _data in playground_stream(request_for(player, llm))]


def _fake_chat(captured, *, content="cut sh", finish="length", usage=None):
    def chat(**kwargs):
        captured.update(kwargs)
        info = CallInfo(provider="openai_compatible", model=kwargs["model"], latency_ms=5, attempts=1, usage=usage)
        return calls_services.ChatOutcome(content=content, reasoning="", finish_reason=finish, info=info)

    return chat


def test_estimated_usage_and_a_cut_reply_are_marked_in_the_json(player, llm, monkeypatch):
    """``usage.estimated`` appears only when ModelDesk counted the tokens; ``finish_reason`` passes through."""
    captured: dict = {}
    usage = Usage(input_tokens=3, output_tokens=2, estimated=True)
    monkeypatch.setattr(services.provider_services, "chat", _fake_chat(captured, usage=usage))
    output = playground_run(request_for(player, llm)).output[0]
    assert output["usage"] == {"input_tokens": 3, "output_tokens": 2, "estimated": True}
    assert output["finish_reason"] == "length"
    monkeypatch.setattr(services.provider_services, "chat", _fake_chat(captured, usage=Usage(1, 1)))
    assert "estimated" not in playground_run(request_for(player, llm)).output[0]["usage"]


def test_every_parameter_reaches_the_call(player, llm, monkeypatch):
    captured: dict = {}
    monkeypatch.setattr(services.provider_services, "chat", _fake_chat(captured, usage=Usage()))
    schema = ResponseFormat(type="json_schema", schema={"type": "object"})
    playground_run(
        request_for(
            player,
            llm,
            max_tokens=50,
            stop=("END",),
            seed=7,
            presence_penalty=0.5,
            frequency_penalty=-0.5,
            response_format=schema,
            thinking=Thinking(effort="low"),
        )
    )
    assert {k: captured[k] for k in ("max_tokens", "stop", "seed", "presence_penalty", "frequency_penalty")} == {
        "max_tokens": 50,
        "stop": ("END",),
        "seed": 7,
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
    }
    assert captured["response_format"] is schema and captured["thinking"] == Thinking(effort="low")


def test_an_image_is_sent_with_the_message_and_stored_as_a_note(player, llm, monkeypatch):
    """The model gets the image; the stored message, and history sent back later, keep text only."""
    from providers.models import ProviderModel

    ProviderModel.objects.filter(name="echo-1").update(supports_vision=True)
    sent: list = []
    real_chat = services.provider_services.chat

    def chat(**kwargs):
        sent.append(list(kwargs["messages"]))
        return real_chat(**kwargs)

    monkeypatch.setattr(services.provider_services, "chat", chat)
    image = image_from_bytes("photos/cat.png", PNG)
    result = playground_run(request_for(player, llm, "what is this?", images=(image,)))
    assert sent[0][-1].has_images and sent[0][-1].text == "what is this?"
    stored = Message.objects.get(role=Role.USER)
    assert stored.content == "what is this?\n\n[image: cat.png]"
    assert result.output[0]["history"][-1] == {"role": "user", "content": stored.content}
    assert result.output[0]["content"] == "[1 image] Echo: what is this?"  # the fake counts the image it got

    again = request_for(player, llm, "and now?", conversation=result.conversation, history=True)
    playground_run(again)
    assert [m.content for m in sent[1]] == [stored.content, result.output[0]["content"], "and now?"]
    assert not any(m.has_images for m in sent[1])


def test_an_image_url_keeps_only_its_file_name_in_the_note():
    attachment = image_from_url("https://images.example/a/b/dog.jpg?token=secret")
    assert attachment.image.url.endswith("token=secret") and attachment.note == "[image: dog.jpg]"


def test_rule_problems_name_their_field(player, llm):
    """``run_problems``: an image for a model without vision is an ``images`` problem, and so on."""
    image = image_from_bytes("cat.png", PNG)
    problems = dict(
        run_problems(
            request_for(
                player,
                llm,
                images=(image,),
                response_format=ResponseFormat(type="json_object"),
                thinking=Thinking(enabled=False),
                temperature=9,
            )
        )
    )
    assert "not a vision model" in problems["images"]
    assert "JSON mode" in problems["response_format"]
    assert "not a reasoning model" in problems["thinking"]
    assert "temperature" in problems


def _grow(user, credential, conversation, rounds, size):
    from playground.models import Conversation

    conversation = conversation or Conversation.objects.create(user=user, credential=credential, model="x")
    for i in range(rounds):
        Message.objects.create(conversation=conversation, role=Role.USER, content=f"{i}" + "q" * size)
        Message.objects.create(conversation=conversation, role=Role.ASSISTANT, content=f"{i}" + "a" * size)
    return conversation


def test_a_model_without_a_context_window_is_trimmed_to_the_default_one(player, llm, settings):
    """A typed model name has no row: history fits CHAT_DEFAULT_CONTEXT_WINDOW less the default reply limit."""
    settings.CHAT_DEFAULT_CONTEXT_WINDOW, settings.CHAT_DEFAULT_MAX_TOKENS = 2000, 500
    conversation = _grow(player, llm, None, 5, 1200)  # each round ~600 tokens
    output = playground_run(
        request_for(player, llm, model="typed-model", conversation=conversation, history=True, rounds=5)
    ).output[0]
    assert output["history_rounds_loaded"] == 2  # 2000 - 500 - 1 leaves room for two rounds of ~600


def test_a_servers_own_model_row_gives_the_context_window(player, llm, point_at, settings):
    """The credential's own row is read first: its small window trims history the provider's row would keep."""
    from providers.models import ProviderModel

    settings.CHAT_DEFAULT_CONTEXT_WINDOW = 100_000
    ProviderModel.objects.filter(name="echo-1").update(context_window=100_000)
    ProviderModel.objects.create(
        provider=llm.provider, credential=llm, name="echo-1", model_type="llm", context_window=1500
    )
    conversation = _grow(player, llm, None, 5, 1200)
    output = playground_run(
        request_for(player, llm, conversation=conversation, history=True, rounds=5, max_tokens=100)
    ).output[0]
    assert output["history_rounds_loaded"] == 2
