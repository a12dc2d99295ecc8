"""The credential and model pickers: the pages render a first page of options however many there are, and the
search endpoints (``/playground/api/credentials/``, ``/playground/api/models/``) page and search the rest."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credentials.models import Credential
from credentials.services import credential_save
from playground.models import Conversation
from playground.selectors import PICKER_PAGE
from providers.models import Provider, ProviderModel

CREDENTIALS, MODELS = "/playground/api/credentials/", "/playground/api/models/"


def _grow(total: int) -> None:
    """``total`` credentials and provider-wide llm models on the OpenAI-compatible provider, names numbered."""
    provider = Provider.objects.get(slug="openai_compatible")
    have = Credential.objects.filter(name__startswith="cred-").count()
    for i in range(have, total):
        credential_save(
            provider=provider,
            name=f"cred-{i:04d}",
            values={"base_url": "http://127.0.0.1:9/v1", "api_key": f"sk-test-{i:012d}"},
        )
    have = ProviderModel.objects.filter(name__startswith="model-").count()
    ProviderModel.objects.bulk_create(
        ProviderModel(provider=provider, name=f"model-{i:04d}", display_name=f"Model {i}", model_type="llm")
        for i in range(have, total)
    )


def _select(html: str, name: str) -> list[str]:
    """The option values of the select named ``name``."""
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"', match.group(0))


def _datalist(html: str, list_id: str) -> list[str]:
    match = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', html, re.S)
    assert match, f"no datalist {list_id}"
    return re.findall(r'<option value="([^"]*)"', match.group(1))


def _get(client: Any, url: str, **params: Any) -> tuple[Any, int]:
    client.get(url, params)  # sessions, permissions and caches warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    return response, len(ctx.captured_queries)


def _reopened(user: Any, name: str, model: str) -> Conversation:
    return Conversation.objects.create(user=user, credential=Credential.objects.get(name=name), model=model)


# ------------------------------------------------------------------------------------------------- the pages --


def test_the_playground_reads_as_much_and_renders_a_first_page_however_many_credentials_and_models(
    player_client, player, catalog
):
    """10 or 300 credentials and models: the same queries, at most a first page of each select, and the search
    shown only when there are more."""
    _grow(10)
    small, small_queries = _get(player_client, "/playground/")
    small_html = small.content.decode()
    assert len(_select(small_html, "credential")) == 11 and len(_select(small_html, "model")) == 11
    assert 'aria-label="Search credentials"' in small_html
    assert "data-searchable" not in small_html and small_html.count("data-picker-combo hidden>") == 2

    _grow(300)
    large, large_queries = _get(player_client, "/playground/")
    large_html = large.content.decode()
    assert large_queries == small_queries
    assert len(_select(large_html, "credential")) == PICKER_PAGE + 1  # and "Choose a credential"
    assert len(_select(large_html, "model")) == PICKER_PAGE + 1
    assert large_html.count("data-searchable") == 2 and large_html.count("data-picker-combo>") == 2
    assert len(large_html) < len(small_html) + 12_000  # 40 more options of each, never 290
    assert 'data-next="50"' in large_html


def test_a_reopened_conversation_past_the_first_page_keeps_its_credential_and_model(player_client, player, catalog):
    """The conversation's credential and model are rendered, chosen, wherever they are in the order, with the
    same queries as one on the first page."""
    _grow(10)
    early = _reopened(player, "cred-0003", "model-0004")
    _, early_queries = _get(player_client, early.get_absolute_url())
    _grow(300)
    late = _reopened(player, "cred-0299", "model-0299")
    response, late_queries = _get(player_client, late.get_absolute_url())
    html = response.content.decode()
    credential = Credential.objects.get(name="cred-0299")
    assert late_queries == early_queries
    assert f'<option value="{credential.pk}" selected>' in html
    assert '<option value="model-0299" selected>' in html
    assert len(_select(html, "credential")) == PICKER_PAGE + 2 and len(_select(html, "model")) == PICKER_PAGE + 2
    assert response.context["form"].initial["model_name"] == ""  # a listed model is chosen, not typed


def test_a_model_the_credential_does_not_list_stays_typed(player_client, player, catalog):
    _grow(60)
    conversation = _reopened(player, "cred-0001", "my-finetune")
    form = player_client.get(conversation.get_absolute_url()).context["form"]
    assert form.initial["model_name"] == "my-finetune" and form.initial["model"] == ""


def test_the_compare_page_reads_as_much_and_renders_a_first_page_however_many(player_client, catalog):
    _grow(10)
    small, small_queries = _get(player_client, "/playground/compare/")
    _grow(300)
    large, large_queries = _get(player_client, "/playground/compare/")
    html = large.content.decode()
    assert large_queries == small_queries
    for slot in range(1, 5):
        assert len(_select(html, f"credential_{slot}")) == PICKER_PAGE + 1
        assert f'<datalist id="pg-compare-models-{slot}"></datalist>' in html
    assert len(_datalist(html, "pg-compare-models")) == PICKER_PAGE
    assert len(html) < len(small.content) + 40_000


def test_a_compare_slot_past_the_first_page_stays_chosen_when_the_form_comes_back(player_client, catalog):
    _grow(80)
    late = Credential.objects.get(name="cred-0079")
    page = player_client.post("/playground/compare/", {"credential_1": str(late.pk), "message": "hi"})
    assert page.status_code == 400  # model_1 is missing
    html = page.content.decode()
    assert f'<option value="{late.pk}" selected>' in _select_html(html, "credential_1")
    assert str(late.pk) not in _select_html(html, "credential_2")


def _select_html(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert match
    return match.group(0)


# ------------------------------------------------------------------------------------- the credentials search --


def test_the_credentials_search_pages_by_name_in_any_case(player_client, catalog):
    _grow(120)
    first = player_client.get(CREDENTIALS, {"q": "CRED-00", "limit": "40"}).json()
    assert [c["name"] for c in first["credentials"]] == [f"cred-{i:04d}" for i in range(40)]
    assert first["next"] == "40"
    second = player_client.get(CREDENTIALS, {"q": "cred-00", "limit": "40", "cursor": first["next"]}).json()
    assert [c["name"] for c in second["credentials"]] == [f"cred-{i:04d}" for i in range(40, 80)]
    last = player_client.get(CREDENTIALS, {"q": "cred-00", "limit": "40", "cursor": "80"}).json()
    assert [c["name"] for c in last["credentials"]] == [f"cred-{i:04d}" for i in range(80, 100)]
    assert last["next"] is None
    item = first["credentials"][0]
    assert item == {
        "id": str(Credential.objects.get(name="cred-0000").pk),
        "name": "cred-0000",
        "label": "cred-0000 (unchecked)",
        "provider": str(Provider.objects.get(slug="openai_compatible")),
        "healthy": True,
    }
    assert player_client.get(CREDENTIALS).json()["next"] == str(PICKER_PAGE)
    assert player_client.get(CREDENTIALS, {"q": "nothing-like-it"}).json() == {"credentials": [], "next": None}


def test_the_credentials_search_lists_working_ones_first(player_client, catalog):
    _grow(4)
    Credential.objects.filter(name="cred-0000").update(check_status="failed")
    Credential.objects.filter(name="cred-0002").update(check_status="ok")
    names = [c["name"] for c in player_client.get(CREDENTIALS, {"q": "cred"}).json()["credentials"]]
    assert names == ["cred-0002", "cred-0001", "cred-0003", "cred-0000"]


def test_the_credentials_search_offers_only_credentials_that_can_chat(player_client, catalog, make_credential):
    """Disabled ones, and those of a disabled provider or of a provider without llm models, are not offered."""
    _grow(3)
    Credential.objects.filter(name="cred-0001").update(enabled=False)
    make_credential("embed-only", "jina", api_key="jina-test-000000000")
    off = make_credential("off-provider", "deepseek", api_key="sk-test-000000000000")
    Provider.objects.filter(pk=off.provider_id).update(enabled=False)
    names = {c["name"] for c in player_client.get(CREDENTIALS).json()["credentials"]}
    assert names == {"cred-0000", "cred-0002"}


def test_the_search_endpoints_read_as_much_however_many_there_are(player_client, catalog):
    _grow(10)
    credential = Credential.objects.get(name="cred-0000")
    small = [_get(player_client, CREDENTIALS, q="cred")[1], _get(player_client, MODELS, credential=credential.pk)[1]]
    _grow(300)
    large = [_get(player_client, CREDENTIALS, q="cred")[1], _get(player_client, MODELS, credential=credential.pk)[1]]
    assert small == large


# ------------------------------------------------------------------------------------------ the models search --


def test_the_models_search_matches_names_and_display_names_exact_name_first(player_client, catalog):
    _grow(3)
    provider = Provider.objects.get(slug="openai_compatible")
    for name, display in [("qwen-max", "Qwen Max"), ("my-qwen", ""), ("qwen", ""), ("other", "Qwen tuned")]:
        ProviderModel.objects.create(provider=provider, name=name, display_name=display, model_type="llm")
    credential = Credential.objects.get(name="cred-0000")
    found = player_client.get(MODELS, {"credential": credential.pk, "q": "QWEN"}).json()
    assert [m["name"] for m in found["models"]] == ["qwen", "qwen-max", "my-qwen", "other"]
    assert found["models"][1]["display_name"] == "Qwen Max" and "temperature" in found["models"][1]


def test_the_models_search_pages(player_client, catalog):
    _grow(130)
    credential = Credential.objects.get(name="cred-0000")
    first = player_client.get(MODELS, {"credential": credential.pk}).json()
    assert len(first["models"]) == PICKER_PAGE and first["next"] == str(PICKER_PAGE)
    rest = player_client.get(MODELS, {"credential": credential.pk, "cursor": "100", "limit": "100"}).json()
    assert [m["name"] for m in rest["models"]] == [f"model-{i:04d}" for i in range(100, 130)]
    assert rest["next"] is None


def test_the_models_of_a_credential_that_cannot_chat_are_refused(player_client, catalog):
    _grow(2)
    Credential.objects.filter(name="cred-0001").update(enabled=False)
    disabled = Credential.objects.get(name="cred-0001")
    response = player_client.get(MODELS, {"credential": disabled.pk})
    assert response.status_code == 400
    assert response.json() == {"error": {"type": "bad_request", "message": "Unknown credential."}}
    assert player_client.get(MODELS).status_code == 400


# ---------------------------------------------------------------------------------------- bad input, access --


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"cursor": "-1"}, "cursor"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "9" * 40}, "cursor"),
        ({"cursor": "٣"}, "cursor"),  # a digit, but not an ASCII one
        ({"q": "x" * 201}, "q"),
        ({"q": "cred\x00"}, "q"),
    ],
)
@pytest.mark.parametrize("url", [CREDENTIALS, MODELS])
def test_bad_search_parameters_are_a_json_400_naming_them(player_client, catalog, url, params, field):
    _grow(1)
    credential = Credential.objects.get()
    response = player_client.get(url, {"credential": str(credential.pk), **params})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_bad_search_parameters_are_explained_in_chinese(player_client, catalog):
    response = player_client.get(CREDENTIALS, {"limit": "0"}, headers={"accept-language": "zh-hans"})
    message = response.json()["errors"]["limit"][0]
    assert "limit" in message and re.search(r"[\u4e00-\u9fff]", message), message


@pytest.mark.parametrize("url", [CREDENTIALS, MODELS])
def test_the_search_endpoints_need_a_login_and_the_permission(client, django_user_model, catalog, url):
    assert client.get(url).status_code == 302
    client.force_login(django_user_model.objects.create_user(username="nobody", password="pw-nobody-123"))
    response = client.get(url)
    assert response.status_code == 403 and response.json()["error"]["type"] == "permission"


def test_the_picker_select_writes_what_djangos_select_would(player, catalog):
    """Its options are written without a template each; the markup is Django's, escaping included."""
    from django import forms

    from playground.forms import PlaygroundForm

    _grow(3)
    Credential.objects.filter(name="cred-0001").update(name='cred-<b>"x"</b>')
    form = PlaygroundForm(user=player, initial={"model": "model-0002"})
    for name, attrs in (("credential", {"id": "id_credential", "required": True}), ("model", {"id": "id_model"})):
        widget, value = form.fields[name].widget, form[name].value()
        django_markup = forms.Select.render(widget, name, value, attrs)
        ours = str(form[name])
        assert [line.strip() for line in ours.splitlines() if line.strip()] == [
            line.strip() for line in django_markup.splitlines() if line.strip()
        ]
    assert "cred-&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in str(form["credential"])
    assert '<option value="model-0002" selected>Model 2</option>' in str(form["model"])
