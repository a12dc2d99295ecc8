"""Commands for terminals, cron and CI: check_credentials, sync_models, set_default_model, chat."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from calls.models import DefaultModel
from providers.models import ProviderModel


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_check_credentials_passes_then_fails_when_the_provider_is_down(point_at, fake_provider):
    point_at("openai_compatible", name="fake")
    out = run("check_credentials")
    assert "fake" in out and "ok" in out and "NAME" in out
    fake_provider.stop()
    with pytest.raises(CommandError, match="1 of 1 credential\\(s\\) failed: fake"):
        call_command("check_credentials", stdout=StringIO())


def test_check_credentials_json_and_unknown_names(point_at):
    point_at("openai_compatible", name="fake")
    rows = json.loads(run("check_credentials", "fake", "--json"))
    assert rows[0]["status"] == "ok" and rows[0]["provider"] == "openai_compatible"
    with pytest.raises(CommandError, match="Unknown credential\\(s\\): ghost"):
        call_command("check_credentials", "ghost", stdout=StringIO())


def test_sync_models_and_set_default_model(point_at):
    credential = point_at("openai_compatible", name="fake")
    report = json.loads(run("sync_models", "fake", "--json"))
    assert report["created"] == 5
    assert "0 new models" in run("sync_models", "fake")
    out = run("set_default_model", "llm", "openai_compatible/echo-1", "--credential", "fake")
    assert "Default llm model: openai_compatible/echo-1 via fake." in out
    default = DefaultModel.objects.get(model_type="llm")
    assert (default.model.name, default.credential) == ("echo-1", credential)


@pytest.mark.parametrize(
    "args, reason",
    [
        (["llm", "nonsense", "--credential", "fake"], "PROVIDER/MODEL"),
        (["llm", "openai_compatible/nope", "--credential", "fake"], "No llm model 'nope'"),
        (["llm", "openai/gpt-4o", "--credential", "fake"], "belongs to"),
        (["llm", "openai_compatible/echo-1", "--credential", "ghost"], "Unknown credential"),
    ],
)
def test_set_default_model_rejects_bad_input(point_at, args, reason):
    credential = point_at("openai_compatible", name="fake")
    ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm")
    with pytest.raises(CommandError, match=reason):
        call_command("set_default_model", *args, stdout=StringIO())
    assert not DefaultModel.objects.exists()


def test_chat_json_prints_the_playground_output(point_at, admin_user):
    point_at("openai_compatible", name="fake")
    first = json.loads(
        run(
            "chat",
            "--credential",
            "fake",
            "--model",
            "echo-1",
            "--json",
            "你好，我叫{{name}}",
            "--var",
            "name=IOLinker",
            "--system",
            "You are a helpful assistant",
        )
    )
    assert first[0]["content"] == "Echo: 你好，我叫IOLinker"
    from playground.models import Conversation

    conversation = str(Conversation.objects.get().pk)
    second = json.loads(
        run(
            "chat",
            "--credential",
            "fake",
            "--model",
            "echo-1",
            "--json",
            "--history",
            "1",
            "--conversation",
            conversation,
            "--system",
            "You are a helpful assistant",
            "请问我是谁",
        )
    )
    assert [m["role"] for m in second[0]["history"]] == ["system", "user", "assistant", "user"]


def test_chat_streams_and_reports_failures_in_one_line(point_at, admin_user):
    point_at("openai_compatible", name="fake")
    assert run("chat", "--credential", "fake", "--model", "echo-1", "--stream", "hi").strip() == "Echo: hi"
    with pytest.raises(CommandError) as info:
        call_command("chat", "--credential", "fake", "--model", "echo-fault-401", "hi", stdout=StringIO())
    assert "Authentication failed" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(CommandError, match="Unknown variable"):
        call_command("chat", "--credential", "fake", "--model", "echo-1", "hi {{x}}", stdout=StringIO())


def test_chat_repl_keeps_history(point_at, admin_user, monkeypatch):
    point_at("openai_compatible", name="fake")
    lines = iter(["first", "", "second"])

    def fake_input(prompt=""):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    out = run("chat", "--credential", "fake", "--model", "echo-1", "--json")
    decoder, outputs, index = json.JSONDecoder(), [], 0
    while index < len(out.strip()):
        document, index = decoder.raw_decode(out, index)
        outputs.append(document)
        index = len(out) - len(out[index:].lstrip())
    assert [o[0]["content"] for o in outputs] == ["Echo: first", "Echo: second"]
    assert outputs[-1][0]["history_rounds_loaded"] == 1


def test_issue_acceptance_flow_from_a_terminal(catalog, fake_provider, admin_user):
    """create_credential (no key), chat --json, check_credentials 0; stop the fake; check_credentials 1."""
    run(
        "create_credential",
        "--provider",
        "openai_compatible",
        "--name",
        "fake",
        "--set",
        f"base_url={fake_provider.url}/v1",
    )
    output = json.loads(run("chat", "--credential", "fake", "--model", "echo-1", "--json", "hi"))
    assert isinstance(output, list) and len(output) == 1
    assert output[0]["content"] == "Echo: hi" and output[0]["history"] == [{"role": "user", "content": "hi"}]
    assert "ok" in run("check_credentials")
    fake_provider.stop()
    with pytest.raises(CommandError, match="failed: fake"):
        call_command("check_credentials", stdout=StringIO())


def test_chat_runs_without_any_superuser_as_a_service_user_that_cannot_log_in(point_at, django_user_model):
    """A fresh install driven from cron or CI has no admin yet; chat still works and keeps its conversation."""
    point_at("openai_compatible", name="fake")
    assert not django_user_model.objects.exists()
    output = json.loads(run("chat", "--credential", "fake", "--model", "echo-1", "--json", "hi"))
    assert output[0]["content"] == "Echo: hi"
    from playground.models import Conversation

    owner = Conversation.objects.get().user
    assert owner.username == "modeldesk-cli" and not owner.has_usable_password() and not owner.is_staff
    run("chat", "--credential", "fake", "--model", "echo-1", "again")
    assert django_user_model.objects.count() == 1


def test_chat_names_an_unknown_user(point_at):
    point_at("openai_compatible", name="fake")
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run("chat", "--credential", "fake", "--model", "echo-1", "--user", "nobody", "hi")
