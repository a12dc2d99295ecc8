"""``manage.py chat``: reasoning kept off stdout, the JSON output's shape, and the newer flags."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from playground import services
from playground.models import Message
from providers.models import ProviderModel
from tests.playground.images import PNG

REASONING = "The user wants an echo."


def chat(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("chat", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def fake(point_at, admin_user, llm):
    """``--credential fake``: the llm fixture's credential (echo-1, no vision, no JSON mode, no reasoning)."""
    llm.name = "fake"
    llm.save(update_fields=["name"])
    return llm


@pytest.fixture
def deepseek(point_at, admin_user):
    return point_at("deepseek", name="deep")


def test_json_output_has_reasoning_and_finish_reason(deepseek):
    out, err = chat("--credential", "deep", "--model", "deepseek-echo", "--json", "hi")
    (output,) = json.loads(out)
    assert output["reasoning"] == REASONING and output["content"] == "Echo: hi"
    assert output["finish_reason"] == "stop" and err == ""


def test_json_output_without_reasoning_has_no_reasoning_key(fake):
    (output,) = json.loads(chat("--credential", "fake", "--model", "echo-1", "--json", "hi")[0])
    assert "reasoning" not in output and output["finish_reason"] == "stop"


@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_goes_to_stderr_and_the_answer_alone_to_stdout(deepseek, stream):
    args = ["--credential", "deep", "--model", "deepseek-echo", "hi"] + (["--stream"] if stream else [])
    out, err = chat(*args)
    assert out.strip() == "Echo: hi"
    assert REASONING in err and "Echo" not in err
    assert "\x1b[" not in err  # not a terminal: no colour codes


def _fake_chat(captured, finish="stop"):
    from calls.resolve import CallInfo
    from calls.services import ChatOutcome

    def fake(**kwargs):
        captured.update(kwargs)
        info = CallInfo(provider="openai_compatible", model=kwargs["model"], latency_ms=1, attempts=1)
        return ChatOutcome(content="Echo: partial", reasoning="", finish_reason=finish, info=info)

    return fake


def test_flags_map_to_the_sampling_parameters(fake, monkeypatch):
    ProviderModel.objects.filter(name="echo-1").update(supports_json_mode=True, supports_reasoning=True)
    captured: dict = {}
    monkeypatch.setattr(services.provider_services, "chat", _fake_chat(captured))
    chat(
        "--credential", "fake", "--model", "echo-1", "--max-tokens", "20", "--stop", "END", "--stop", "###",
        "--seed", "3", "--json-mode", "--thinking", "low", "hi",
    )  # fmt: skip
    assert captured["max_tokens"] == 20 and captured["stop"] == ("END", "###") and captured["seed"] == 3
    assert captured["response_format"].type == "json_object"
    assert captured["thinking"].effort == "low" and captured["thinking"].enabled
    chat("--credential", "fake", "--model", "echo-1", "--thinking", "off", "hi")
    assert captured["thinking"].enabled is False


def test_a_cut_reply_says_so_on_stderr(fake, monkeypatch):
    monkeypatch.setattr(services.provider_services, "chat", _fake_chat({}, finish="length"))
    out, err = chat("--credential", "fake", "--model", "echo-1", "--max-tokens", "2", "hi")
    assert out.strip() == "Echo: partial" and "cut at the token limit" in err


def test_max_tokens_reaches_the_fake_provider(fake):
    (output,) = json.loads(chat("--credential", "fake", "--model", "echo-1", "--max-tokens", "5", "--json", "hi")[0])
    assert output["content"].startswith("Echo")


def test_an_image_file_is_attached_and_stored_as_a_note(fake, tmp_path):
    ProviderModel.objects.filter(name="echo-1").update(supports_vision=True)
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    (output,) = json.loads(chat("--credential", "fake", "--model", "echo-1", "--image", str(path), "--json", "see")[0])
    assert "see" in output["content"]
    assert Message.objects.get(role="user").content == "see\n\n[image: cat.png]"


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda d: d / "cat.bmp", "not a PNG, JPEG, WebP or GIF image"),
        (lambda d: d / "missing.png", "no such file"),
        (lambda d: d / "big.png", "larger than 5 MB"),
        (lambda d: d / "fake.png", "not a valid image/png image"),
    ],
)
def test_bad_images_are_one_line_errors(fake, tmp_path, make, fragment):
    ProviderModel.objects.filter(name="echo-1").update(supports_vision=True)
    (tmp_path / "cat.bmp").write_bytes(b"BM" + b"\0" * 10)
    (tmp_path / "big.png").write_bytes(PNG + b"\0" * (5 * 1024 * 1024))
    (tmp_path / "fake.png").write_bytes(b"GIF89a")
    with pytest.raises(CommandError) as info:
        chat("--credential", "fake", "--model", "echo-1", "--image", str(make(tmp_path)), "hi")
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("--image: ")
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--image", "https://example.com/cat.png"], "echo-1 is not a vision model"),
        (["--json-mode"], "echo-1 does not support JSON mode"),
        (["--thinking", "high"], "echo-1 is not a reasoning model"),
        (["--max-tokens", "5000"], "echo-1 accepts max_tokens from 1 to 1024"),
    ],
)
def test_the_models_rules_refuse_before_anything_is_stored(fake, args, fragment):
    with pytest.raises(CommandError, match=fragment):
        chat("--credential", "fake", "--model", "echo-1", *args, "hi")
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--stop", "a", "--stop", "b", "--stop", "c", "--stop", "d", "--stop", "e"], "at most 4"),
        (["--stop", "x" * 101], "1 to 100 characters"),
        (["--max-tokens", "0"], "--max-tokens must be at least 1"),
        (["--seed", "-1"], "--seed must be 0 or more"),
    ],
)
def test_bad_flags_are_one_line_errors(fake, args, fragment):
    with pytest.raises(CommandError, match=fragment):
        chat("--credential", "fake", "--model", "echo-1", *args, "hi")


@pytest.mark.parametrize("stream", [[], ["--stream"]])
def test_a_minimax_reply_keeps_its_thinking_out_of_the_content(point_at, admin_user, stream):
    """MiniMax M2.x puts ``<think>…</think>`` in the content unless asked for ``reasoning_split``
    (https://platform.minimax.io/docs/api-reference/text-openai-api, checked 2026-12-02); ModelDesk always asks."""
    point_at("minimax", name="mm")
    out, _err = chat("--credential", "mm", "--model", "MiniMax-M2.7-think", "--json", *stream, "hi")
    (output,) = json.loads(out)
    assert "<think>" not in output["content"] and output["content"].endswith("Echo: hi")
    assert output["reasoning"]


@pytest.mark.parametrize("stream", [[], ["--stream"]])
def test_a_self_hosted_models_inline_think_block_is_split_out(point_at, admin_user, stream):
    """Many self-hosted reasoning models (Qwen3, DeepSeek-R1 distills) open the content with a <think> block."""
    point_at("openai_compatible", name="box")
    out, _err = chat("--credential", "box", "--model", "qwen3-think", "--json", *stream, "hi")
    (output,) = json.loads(out)
    assert "<think>" not in output["content"] and "</think>" not in output["content"]
    assert output["content"].endswith("Echo: hi") and output["reasoning"]
