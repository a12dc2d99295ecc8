"""The configuration file's shape: which fields travel, and which JSON values each accepts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from providers.models import ProviderModel
from transfer.format import (
    FORMAT,
    MODEL_DATA,
    MODEL_KEY,
    REQUIRED,
    VERSION,
    ConfigFileError,
    document_check,
    document_parse,
    document_render,
    json_value,
    model_values,
)

HOUSE_LLM: dict[str, Any] = {
    "provider": "openai_compatible",
    "name": "house-llm",
    "model_type": "llm",
    "display_name": "House LLM",
    "context_window": 32000,
    "max_output_tokens": 4096,
    **{f"supports_{what}": False for what in ("vision", "tool_call", "json_mode", "streaming")},
    **{f"{p}_{b}": None for p in ProviderModel.PARAMETERS for b in ("min", "max", "default")},
    "enabled": True,
    "origin": "custom",
}


def document(**changes: Any) -> dict[str, Any]:
    empty = {"providers": [], "models": [HOUSE_LLM], "credentials": [], "defaults": [], "secrets": None}
    return {"format": FORMAT, "version": VERSION, **empty, **changes}


def test_a_model_record_carries_every_field_an_admin_can_set():
    """A new column on ProviderModel that the file leaves out would be lost in a move without any test failing."""
    columns = {f.name for f in ProviderModel._meta.concrete_fields} - {"id", "created_at", "updated_at"}
    assert {*MODEL_KEY, *MODEL_DATA} == columns


def test_only_the_fields_models_gained_after_the_first_files_of_version_1_may_be_left_out():
    """``HOUSE_LLM`` is a record as those files hold it."""
    assert REQUIRED["models"] == set(HOUSE_LLM)
    assert {*MODEL_KEY, *MODEL_DATA} - REQUIRED["models"] == {
        "credential",
        "accepts_temperature",
        "accepts_top_p",
        "temperature_or_top_p",
        "max_tokens_param",
        "supports_reasoning",
        "input_price",
        "output_price",
        "cached_input_price",
        "price_currency",
        "retires_on",
    }


def test_prices_and_dates_are_strings_in_the_file_and_decimals_and_dates_in_the_columns():
    row = HOUSE_LLM | {
        "input_price": "0.15",
        "output_price": "100",
        "cached_input_price": None,
        "retires_on": "2027-01-31",
    }
    values = model_values(row)
    assert (values["input_price"], values["output_price"], values["cached_input_price"]) == (
        Decimal("0.15"),
        Decimal("100"),
        None,
    )
    assert values["retires_on"] == date(2027, 1, 31) and "credential" not in values and "price_currency" not in values
    # As a column reads back: six decimal places.
    assert [json_value(Decimal("0.150000")), json_value(Decimal("100.000000")), json_value(Decimal("0E-6"))] == [
        "0.15",
        "100",
        "0",
    ]
    assert json_value(date(2027, 1, 31)) == "2027-01-31"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("input_price", "-1"),
        ("input_price", "1e3"),
        ("input_price", " 1"),
        ("input_price", "1234567"),
        ("cached_input_price", "0.1234567"),
        ("input_price", "NaN"),
        ("retires_on", "20270131"),
        ("retires_on", "2027-02-30"),
        ("price_currency", "usd"),
        ("price_currency", "US"),
        ("max_tokens_param", "max_output_tokens"),
    ],
)
def test_a_value_the_columns_cannot_hold_is_named_with_its_field(field, value):
    with pytest.raises(ValidationError) as refused:
        model_values(HOUSE_LLM | {field: value})
    assert list(refused.value.message_dict) == [field]
    assert repr(value) in refused.value.message_dict[field][0]


def test_a_rendered_document_reads_back_as_itself():
    data = document()
    assert document_check(document_parse(document_render(data), source="-")) == data


@pytest.mark.parametrize("version", [True, 1.0, "1", 2, None])
def test_only_the_integer_version_is_read(version):
    """``true == 1`` in Python, but a file saying ``"version": true`` was not written by this ModelDesk."""
    with pytest.raises(ConfigFileError, match=f"^Unsupported version {version!r}: this ModelDesk reads version 1"):
        document_check(document(version=version))


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_that_is_not_finite_is_refused(number):
    """Python's json reads these; SQLite would store NaN as null and infinity as itself, which no form accepts."""
    text = json.dumps(document()).replace('"temperature_max": null', f'"temperature_max": {number}')
    with pytest.raises(ConfigFileError, match=r"models\[0\]: wrong type for temperature_max\.$"):
        document_check(document_parse(text, source="-"))


def test_a_boolean_is_not_a_number_nor_a_number_a_boolean():
    row = HOUSE_LLM | {"context_window": True, "enabled": 1}
    with pytest.raises(ConfigFileError, match=r"models\[0\]: wrong type for context_window, enabled\.$"):
        document_check(document(models=[row]))


def test_every_problem_in_the_records_is_named_on_one_line():
    rows = [HOUSE_LLM | {"extra": 1}, {k: v for k, v in HOUSE_LLM.items() if k != "origin"}, "not a row"]
    with pytest.raises(ConfigFileError) as refused:
        document_check(document(models=rows, defaults={}, surprise=1))
    assert str(refused.value) == (
        "The file cannot be imported: unknown key 'surprise'; models[0]: unknown field(s) 'extra'; "
        "models[1]: missing origin; models[2] must be an object; 'defaults' must be a list."
    )


def test_invalid_json_is_named_by_its_position_never_its_content():
    with pytest.raises(ConfigFileError, match=r"^config\.json is not valid JSON: .* at line 1 column 13\.$") as refused:
        document_parse('{"api_key": sk-secret}', source="config.json")
    assert "sk-secret" not in str(refused.value)
