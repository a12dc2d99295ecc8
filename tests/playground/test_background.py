"""Background work: conversation titles, compare runs, periodic health checks and model sync (eager)."""

from __future__ import annotations

import pytest

from calls.models import CallLog
from calls.services import default_model_set
from calls.tasks import credentials_health_check_task, models_sync_all_task
from playground.background import title_clean
from playground.models import Conversation
from playground.services import RunRequest, compare_run, playground_run
from providers.models import ProviderModel


def test_first_reply_gets_a_title_from_the_conversations_own_model(
    player, llm, point_at, django_capture_on_commit_callbacks
):
    """The title call goes to the conversation's credential and model, not to the default llm model elsewhere."""
    elsewhere = point_at("openai_compatible", name="elsewhere")
    default_model_set(model=ProviderModel.objects.get(name="echo-1"), credential=elsewhere)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = playground_run(
            RunRequest(user=player, credential=llm, model="echo-typed", system="", message="我想学做饭")
        )
    assert len(callbacks) == 1
    title = Conversation.objects.get(pk=result.conversation.pk).title
    assert title == "Echo: 我想学做饭"  # the fake echoes the exchange's first line: no "User:" label any more
    assert list(CallLog.objects.values_list("credential_id", "model")) == [(llm.pk, "echo-typed")] * 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        playground_run(
            RunRequest(
                user=player,
                credential=llm,
                model="echo-1",
                system="",
                message="again",
                conversation=result.conversation,
            )
        )
    assert callbacks == []  # only a new conversation's first reply is titled


def test_a_setting_may_name_the_title_model(player, llm, point_at, settings, django_capture_on_commit_callbacks):
    titler = point_at("openai_compatible", name="titler")
    settings.PLAYGROUND_TITLE_MODEL = "titler/echo-titles"
    with django_capture_on_commit_callbacks(execute=True):
        playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="name me"))
    title_call = CallLog.objects.order_by("created_at", "pk").last()
    assert (title_call.credential_id, title_call.model) == (titler.pk, "echo-titles")


def test_titles_switched_off_keep_the_first_message(player, llm, settings, django_capture_on_commit_callbacks):
    settings.PLAYGROUND_TITLES = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = playground_run(
            RunRequest(user=player, credential=llm, model="echo-1", system="", message="hello there")
        )
    assert callbacks == [] and CallLog.objects.count() == 1
    assert Conversation.objects.get(pk=result.conversation.pk).title == "hello there"


def test_a_failing_title_model_leaves_the_first_message(player, llm, settings, django_capture_on_commit_callbacks):
    settings.PLAYGROUND_TITLE_MODEL = "no-such-credential/x"
    with django_capture_on_commit_callbacks(execute=True):
        result = playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="hello"))
    assert Conversation.objects.get(pk=result.conversation.pk).title == "hello"


@pytest.mark.parametrize(
    "answer, title",
    [
        ('User: "Cooking basics".', "Cooking basics"),
        ("Assistant: 标题：学做饭。", "学做饭"),
        ("**Title:** Rust tips\nand more text", "Rust tips"),
        ("\n\n「周末计划」\n", "周末计划"),
        ("Why is the sky blue?", "Why is the sky blue?"),
        ("x" * 100, "x" * 60),
    ],
)
def test_titles_are_cleaned_of_labels_quotes_and_cut(answer, title):
    assert title_clean(answer) == title


def test_a_conversation_renamed_before_its_title_task_keeps_its_name(player, llm):
    """With a broker the title task runs later: a name the user gave meanwhile is not replaced."""
    from playground.background import conversation_title_generate

    result = playground_run(RunRequest(user=player, credential=llm, model="echo-1", system="", message="first"))
    Conversation.objects.filter(pk=result.conversation.pk).update(title="Mine")
    assert conversation_title_generate(conversation_id=str(result.conversation.pk)) is None
    assert Conversation.objects.get(pk=result.conversation.pk).title == "Mine"


def test_compare_runs_each_model_and_keeps_the_order(player, llm, point_at):
    claude = point_at("anthropic", path="")
    results = compare_run(
        user=player,
        targets=[(llm, "echo-1"), (claude, "claude-x"), (llm, "echo-fault-401")],
        system="Be brief.",
        message="compare me",
    )
    assert [r["model"] for r in results] == ["echo-1", "claude-x", "echo-fault-401"]
    assert results[0]["content"] == results[1]["content"] == "Echo: compare me"
    assert results[0]["latency_ms"] >= 0 and results[1]["usage"]["output_tokens"]
    assert results[2]["error"]["type"] == "authentication"
    assert CallLog.objects.count() == 3


def test_compare_page_shows_replies_side_by_side(player_client, llm):
    page = player_client.post(
        "/playground/compare/",
        {
            "message": "side by side",
            "credential_1": str(llm.pk),
            "model_1": "echo-1",
            "credential_2": str(llm.pk),
            "model_2": "echo-2",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and html.count("Echo: side by side") == 2


def test_compare_page_rejects_half_filled_rows(player_client, llm):
    page = player_client.post("/playground/compare/", {"message": "x", "credential_1": str(llm.pk)})
    assert page.status_code == 400 and "Fill in both, or neither." in page.content.decode()
    page = player_client.post("/playground/compare/", {"message": "x"})
    assert page.status_code == 400 and "Choose at least one credential and model" in page.content.decode()


def test_periodic_health_check_tests_every_enabled_credential(llm):
    assert credentials_health_check_task.delay().get() == {"queued": 1}
    llm.refresh_from_db()
    assert llm.check_status == "ok"


def test_periodic_model_sync_discovers_models(llm):
    assert models_sync_all_task.delay().get() == {"queued": 1}
    assert ProviderModel.objects.filter(provider=llm.provider, origin="discovered").count() == 4  # echo-1 existed


def test_compare_sends_the_token_limit_to_every_model(player_client, llm, monkeypatch):
    """The compare page's Max tokens goes with each column's call, and a cut reply says so."""
    from calls.resolve import CallInfo
    from calls.services import ChatOutcome
    from playground import background

    seen = []

    def chat(**kwargs):
        seen.append(kwargs["max_tokens"])
        info = CallInfo(provider="openai_compatible", model=kwargs["model"], latency_ms=1, attempts=1)
        return ChatOutcome(content="Echo: cu", reasoning="", finish_reason="length", info=info)

    monkeypatch.setattr(background.provider_services, "chat", chat)
    fields = {"message": "x", "credential_1": str(llm.pk), "model_1": "echo-1", "max_tokens": "2"}
    html = player_client.post("/playground/compare/", fields).content.decode()
    assert seen == [2] and "Cut at the token limit" in html
    bad = player_client.post("/playground/compare/", {**fields, "max_tokens": "0"})
    assert bad.status_code == 400 and not seen[1:]
