"""The service layer: call log, default models, re-entry, admin actions, and no secret anywhere."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command

from calls import services
from calls.models import CallLog
from core.errors import DefaultModelNotConfigured, ModelDeskError, ProviderError
from credentials.models import Credential
from providers.models import ProviderModel
from wire.types import Message

HI = [Message("user", "hi")]


def test_chat_records_a_call_log_row(point_at, admin_user):
    credential = point_at("openai_compatible")
    outcome = services.chat(credential=credential.name, model="echo-1", messages=HI, user=admin_user)
    row = CallLog.objects.get()
    assert (row.status, row.operation, row.model, row.user) == ("ok", "chat", "echo-1", admin_user)
    assert (row.provider.slug, row.credential_id) == ("openai_compatible", credential.pk)
    assert row.tokens_in == outcome.info.usage.input_tokens and row.tokens_out == outcome.info.usage.output_tokens
    assert row.attempts == 1 and row.latency_ms >= 0 and row.error_type == ""


def test_streaming_call_log_has_time_to_first_token(point_at):
    stream = services.chat_stream(credential=point_at("anthropic", ""), model="claude-x", messages=HI)
    assert "".join(d.content for d in stream) == "Echo: hi"
    row = CallLog.objects.get()
    assert row.operation == "chat_stream" and row.ttft_ms is not None and row.tokens_out


def test_failed_call_is_logged_with_its_error_type(point_at):
    with pytest.raises(ProviderError):
        services.chat(credential=point_at("openai_compatible"), model="echo-fault-401", messages=HI)
    row = CallLog.objects.get()
    assert (row.status, row.error_type) == ("error", "authentication")
    assert "echo-fault-401" in row.message


def test_default_model_is_used_when_none_is_named(point_at):
    credential = point_at("openai_compatible")
    model = ProviderModel.objects.create(provider=credential.provider, name="echo-2", model_type="llm")
    with pytest.raises(DefaultModelNotConfigured):
        services.chat(messages=HI)
    services.default_model_set(model=model, credential=credential)
    assert services.chat(messages=HI).info.model == "echo-2"


def test_credential_needing_reentry_makes_no_call(point_at, fake_provider):
    credential = point_at("openai_compatible")
    Credential.objects.filter(pk=credential.pk).update(secrets={"api_key": credential.secrets["api_key"][:-3] + "AAA"})
    credential = Credential.objects.select_related("provider").get(pk=credential.pk)
    with pytest.raises(ModelDeskError, match="needs re-entry"):
        services.chat(credential=credential, model="echo-1", messages=HI)
    assert fake_provider.requests == []
    assert CallLog.objects.get().error_type == "needs_reentry"


def test_unknown_credential_name_is_a_clear_error(db):
    with pytest.raises(ModelDeskError, match="No enabled credential is named 'ghost'"):
        services.chat(credential="ghost", model="m", messages=HI)


SWEEP = [
    None,
    "401",
    "403",
    "404",
    "429",
    "500",
    "context",
    "malformed",
    "html",
    "cut",
    "stall",
    "echo-key",
    "redirect",
    "midstream-error",
]


@pytest.mark.parametrize("fault", SWEEP)
@pytest.mark.parametrize("streaming", [False, True], ids=["chat", "stream"])
def test_canary_secret_appears_nowhere(point_at, canary, caplog, fault, streaming):
    """Not in DEBUG logs (ours, httpx, httpcore), exception text, or call log rows: success or any fault."""
    credential = point_at("openai_compatible")
    model = f"echo-fault-{fault}" if fault else "echo-1"
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for logger_name in ("httpx", "httpcore", "calls", "credentials"):
            logging.getLogger(logger_name).setLevel(logging.DEBUG)
        try:
            options = {"credential": credential, "model": model, "messages": HI, "max_attempts": 1, "deadline": 0.5}
            if streaming:
                texts.append("".join(d.content for d in services.chat_stream(**options)))
            else:
                texts.append(services.chat(**options).content)
        except ModelDeskError as error:
            texts += [str(error), repr(error), repr(error.args), str(error.__cause__), str(error.__context__)]
    logged = caplog.text + "".join(r.getMessage() + str(r.args) for r in caplog.records)
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"httpcore", "calls"} <= loggers or fault in {"stall", "cut"}  # DEBUG logs were captured
    rows = list(CallLog.objects.values_list("message", "error_type", "model"))
    assert rows, "the call was not recorded"
    for text in [*texts, logged, repr(rows)]:
        assert canary not in text
    if fault == "echo-key":
        assert "[REDACTED]" in texts[0]


def test_test_credential_stores_the_result(point_at, fake_provider):
    credential = point_at("openai_compatible")
    check = services.credential_test(credential=credential)
    credential.refresh_from_db()
    assert check.ok and (credential.check_status, credential.last_error) == ("ok", "")
    assert credential.last_checked_at is not None and credential.last_latency_ms is not None
    assert any(r.path.endswith("/models") for r in fake_provider.requests)


def test_test_credential_reports_a_dead_endpoint(point_at, fake_provider):
    credential = point_at("openai_compatible", path="/v1", name="dead")
    fake_provider.stop()
    check = services.credential_test(credential=credential)
    credential.refresh_from_db()
    assert not check.ok and credential.check_status == "failed"
    assert "Provider unavailable" in credential.last_error


def test_admin_test_connection_and_fetch_models(admin_client, point_at):
    credential = point_at("openai_compatible")
    url = "/admin/credentials/credential/"
    response = admin_client.post(url, {"action": "test_connection", "_selected_action": [credential.pk]}, follow=True)
    assert "ok in" in response.content.decode()
    response = admin_client.post(url, {"action": "fetch_models", "_selected_action": [credential.pk]}, follow=True)
    assert "new models" in response.content.decode()
    names = set(ProviderModel.objects.filter(provider=credential.provider).values_list("name", "model_type"))
    assert {
        ("echo-1", "llm"),
        ("embed-1", "text-embedding"),
        ("rerank-1", "rerank"),
        ("whisper-1", "speech2text"),
    } <= names
    assert ProviderModel.objects.filter(origin="discovered").count() == len(names)
    listing = admin_client.get(url).content.decode()
    assert "md-status-ok" in listing


def test_saving_a_credential_runs_its_connection_test(
    settings, catalog, canary, fake_provider, django_capture_on_commit_callbacks
):
    from credentials.services import credential_save
    from providers.models import Provider

    settings.CREDENTIAL_TEST_ON_SAVE = True
    with django_capture_on_commit_callbacks(execute=True):
        credential = credential_save(
            provider=Provider.objects.get(slug="openai_compatible"),
            name="auto",
            values={"base_url": fake_provider.url + "/v1", "api_key": canary},
        )
    credential.refresh_from_db()
    assert credential.check_status == "ok"


def test_call_log_admin_is_read_only_and_filterable(admin_client, point_at):
    services.chat(credential=point_at("openai_compatible"), model="echo-1", messages=HI)
    response = admin_client.get("/admin/calls/calllog/?status__exact=ok")
    assert response.status_code == 200 and "echo-1" in response.content.decode()
    assert admin_client.get("/admin/calls/calllog/add/").status_code == 403


def test_load_providers_command_still_idempotent_with_call_logs(point_at):
    services.chat(credential=point_at("openai_compatible"), model="echo-1", messages=HI)
    call_command("load_providers", verbosity=0)
    assert CallLog.objects.count() == 1


def test_change_page_button_tests_the_connection(admin_client, point_at):
    credential = point_at("openai_compatible")
    page = admin_client.get(f"/admin/credentials/credential/{credential.pk}/change/").content.decode()
    assert f"/admin/credentials/credential/{credential.pk}/test/" in page
    assert admin_client.get(f"/admin/credentials/credential/{credential.pk}/test/").status_code == 403
    response = admin_client.post(f"/admin/credentials/credential/{credential.pk}/test/", follow=True)
    assert "ok in" in response.content.decode()
    credential.refresh_from_db()
    assert credential.check_status == "ok"
