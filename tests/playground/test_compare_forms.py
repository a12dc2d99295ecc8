"""The compare page's input: each column's own temperature, top_p and max tokens, in the JSON columns of a live
compare and in the page's form (slot by slot), each bad value an error named after its column's field."""

from __future__ import annotations

import json
import math

import pytest

from calls.models import CallLog
from playground.compare_forms import CompareForm, CompareRequestError, compare_columns

pytestmark = pytest.mark.django_db


def _columns(*extra: dict, credential) -> dict:
    return {"columns": [{"credential": credential.name, "model": f"echo-{i}", **e} for i, e in enumerate(extra, 1)]}


def _sent(fake_provider) -> dict[str, dict]:
    bodies = (json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions"))
    return {body["model"]: body for body in bodies}


def test_each_json_column_keeps_its_own_parameters(llm):
    first, second = compare_columns(
        _columns({"temperature": 0.2, "top_p": 1, "max_tokens": 64}, {"temperature": 2}, credential=llm)
    )
    assert first.sampling == {"temperature": 0.2, "top_p": 1, "max_tokens": 64}
    assert second.sampling == {"temperature": 2}  # left out: the model's default


def test_a_null_parameter_is_the_models_default(llm):
    (column,) = compare_columns(_columns({"temperature": None, "top_p": None, "max_tokens": None}, credential=llm))
    assert column.sampling == {}


@pytest.mark.parametrize(
    "name, value",
    [
        ("temperature", -0.1),
        ("temperature", 2.01),
        ("temperature", "0.5"),
        ("temperature", True),
        ("temperature", math.nan),
        ("top_p", 1.5),
        ("top_p", -1),
        ("top_p", [0.5]),
        ("max_tokens", 0),
        ("max_tokens", 1_000_001),
        ("max_tokens", 12.5),
        ("max_tokens", False),
    ],
)
def test_a_bad_parameter_is_an_error_on_its_columns_field(llm, name, value):
    with pytest.raises(CompareRequestError) as caught:
        compare_columns(_columns({}, {name: value}, credential=llm))
    assert list(caught.value.errors) == [f"columns.1.{name}"]
    assert name in caught.value.errors[f"columns.1.{name}"][0]


def test_every_bad_parameter_of_every_column_is_named_at_once(llm):
    with pytest.raises(CompareRequestError) as caught:
        compare_columns(_columns({"temperature": 3, "top_p": 2}, {"max_tokens": -1}, credential=llm))
    assert set(caught.value.errors) == {"columns.0.temperature", "columns.0.top_p", "columns.1.max_tokens"}


@pytest.mark.django_db(transaction=True)
def test_the_stream_endpoint_sends_each_columns_parameters_to_its_model(player_client, llm, fake_provider):
    body = {"message": "hi", **_columns({"temperature": 0.3, "top_p": 0.9}, {"max_tokens": 7}, credential=llm)}
    response = player_client.post("/playground/api/compare/stream/", json.dumps(body), content_type="application/json")
    assert b"".join(response.streaming_content).decode().count("event: done") == 2
    sent = _sent(fake_provider)
    assert sent["echo-1"]["temperature"] == 0.3 and sent["echo-1"]["top_p"] == 0.9
    assert sent["echo-1"].get("max_tokens") != 7
    assert sent["echo-2"]["max_tokens"] == 7 and "temperature" not in sent["echo-2"]


def test_the_stream_endpoint_refuses_a_bad_parameter_before_any_call(player_client, llm):
    body = {"message": "hi", **_columns({}, {"top_p": 3}, credential=llm)}
    response = player_client.post("/playground/api/compare/stream/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"columns.1.top_p": ["top_p must be a number from 0 to 1."]}
    assert not CallLog.objects.exists()


def _slots(llm, **fields: str) -> dict[str, str]:
    return {
        "message": "x",
        "credential_1": str(llm.pk),
        "model_1": "echo-1",
        "credential_2": str(llm.pk),
        "model_2": "echo-2",
        **fields,
    }


def test_the_form_gives_each_slot_its_parameters_and_the_shared_max_tokens_fills_in(llm):
    """A form-encoded client's one ``max_tokens`` still applies, to the slots without their own."""
    form = CompareForm(_slots(llm, temperature_1="0.5", top_p_2="0.25", max_tokens_2="9", max_tokens="5"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["samplings"] == [
        {"temperature": 0.5, "top_p": None, "max_tokens": 5},
        {"temperature": None, "top_p": 0.25, "max_tokens": 9},
    ]
    assert [c.sampling["max_tokens"] for c in form.columns()] == [5, 9]


@pytest.mark.parametrize(
    "field, value", [("temperature_2", "2.5"), ("top_p_1", "-0.5"), ("max_tokens_2", "0"), ("temperature_1", "hot")]
)
def test_the_form_refuses_a_bad_slot_parameter_on_its_field(llm, field, value):
    form = CompareForm(_slots(llm, **{field: value}))
    assert not form.is_valid() and list(form.errors) == [field]


def test_the_page_without_scripts_sends_each_slots_parameters(player_client, llm, fake_provider):
    fields = _slots(llm, temperature_1="0.7", max_tokens_2="12")
    page = player_client.post("/playground/compare/", fields)
    assert page.status_code == 200 and page.content.decode().count("Echo: x") == 2
    sent = _sent(fake_provider)
    assert sent["echo-1"]["temperature"] == 0.7 and "temperature" not in sent["echo-2"]
    assert sent["echo-2"]["max_tokens"] == 12


def test_the_page_shows_a_bad_slot_parameter_next_to_its_field(player_client, llm):
    page = player_client.post("/playground/compare/", _slots(llm, temperature_2="9"))
    html = page.content.decode()
    assert page.status_code == 400
    assert 'data-errors-for="temperature_2"><ul class="errorlist"' in html
    assert '<details class="pg-compare-params" data-params-slot="2" open>' in html
    assert not CallLog.objects.exists()
