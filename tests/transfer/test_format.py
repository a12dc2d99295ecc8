"""The configuration file's shape: which fields travel, and which JSON values each accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers.models import ProviderModel
from transfer.format import (
    FORMAT,
    MODEL_DATA,
    MODEL_KEY,
    VERSION,
    ConfigFileError,
    document_check,
    document_parse,
    document_render,
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
