"""export_config and import_config: moving providers, models, credentials and default models between databases."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from calls.models import DefaultModel
from calls.services import default_model_set
from credentials.models import Credential
from credentials.selectors import credential_needs_reentry
from credentials.services import credential_secret_values
from providers.models import Provider, ProviderModel
from transfer.format import MODEL_DATA, MODEL_KEY, REQUIRED
from transfer.management.commands import export_config, import_config

PASSPHRASE = "correct horse battery staple"
MODEL_FIELDS = [
    "credential__name" if f.name == "credential" else f.name
    for f in ProviderModel._meta.concrete_fields
    if f.name not in {"id", "provider", "created_at", "updated_at"}
]
# What a model record carries that the first files of version 1 did not: its optional fields (the literal list is
# tests/transfer/test_format.py's expectation).
NEW_MODEL_FIELDS = tuple(sorted({*MODEL_KEY, *MODEL_DATA} - REQUIRED["models"]))


@pytest.fixture
def configured(make_credential: Any, canary: str) -> None:
    """Admin state worth moving: overrides, a disabled model, custom and discovered models, four credentials."""
    Provider.objects.filter(slug="openai").update(base_url="https://gateway.example.com/v1")
    Provider.objects.filter(slug="anthropic").update(enabled=False)
    ProviderModel.objects.filter(provider__slug="openai", name="gpt-4o").update(enabled=False)
    compatible, ollama = Provider.objects.get(slug="openai_compatible"), Provider.objects.get(slug="ollama")
    ProviderModel.objects.create(
        provider=compatible,
        name="house-llm",
        model_type="llm",
        display_name="House LLM",
        context_window=32000,
        max_output_tokens=4096,
        supports_tool_call=True,
        temperature_min=0,
        temperature_max=1.5,
        temperature_default=0.7,
        max_tokens_min=1,
        max_tokens_max=4096,
        origin="custom",
    )
    embed = ProviderModel.objects.create(
        provider=ollama, name="nomic-embed-text", model_type="text-embedding", origin="discovered"
    )
    main = make_credential("main", "openai", api_key=canary, organization="org-1")
    make_credential("house", "openai_compatible", base_url="https://llm.internal.example/v1", api_key=canary + "-2")
    local = make_credential("local", "ollama", base_url="http://ollama:11434")
    make_credential("spare", "anthropic", api_key=canary + "-3")
    Credential.objects.filter(name="spare").update(enabled=False)
    default_model_set(model=ProviderModel.objects.get(provider__slug="openai", name="gpt-4o-mini"), credential=main)
    default_model_set(model=embed, credential=local)


@pytest.fixture
def servers(configured: None, make_credential: Any) -> None:
    """Two Ollama servers each serving a model of the name a provider-wide model has too, one of them with prices,
    rules and a retirement date; a price override on a predefined model; the LLM default on a server's own model."""
    ollama, local = Provider.objects.get(slug="ollama"), Credential.objects.get(name="local")
    gpu = make_credential("gpu", "ollama", base_url="http://gpu:11434")
    qwen = {"provider": ollama, "name": "qwen3:8b", "model_type": "llm"}
    ProviderModel.objects.create(**qwen, origin="custom")
    ProviderModel.objects.create(**qwen, credential=local, origin="discovered")
    own = ProviderModel.objects.create(
        **qwen,
        credential=gpu,
        context_window=40960,
        max_output_tokens=8192,
        temperature_min=0,
        temperature_max=2,
        max_tokens_max=8192,
        accepts_top_p=False,
        temperature_or_top_p=True,
        max_tokens_param="max_tokens",
        supports_reasoning=True,
        input_price=Decimal("0.15"),
        output_price=Decimal("0.6"),
        cached_input_price=Decimal("0.075"),
        price_currency="CNY",
        retires_on=date(2027, 1, 31),
        origin="discovered",
    )
    ProviderModel.objects.filter(provider__slug="openai", name="gpt-4o-mini").update(
        input_price=Decimal("0.2"), output_price=Decimal("0.8"), price_currency="USD"
    )
    default_model_set(model=own, credential=gpu)


def state() -> dict[str, list[Any]]:
    """What an admin configured, without ids and timestamps."""
    return {
        "providers": list(Provider.objects.order_by("slug").values_list("slug", "enabled", "base_url")),
        "models": list(
            ProviderModel.objects.order_by("provider__slug", "model_type", "name", "credential__name").values(
                "provider__slug", *MODEL_FIELDS
            )
        ),
        "credentials": list(Credential.objects.order_by("name").values("name", "provider__slug", "enabled", "config")),
        "defaults": list(
            DefaultModel.objects.order_by("model_type").values_list(
                "model_type", "model__provider__slug", "model__name", "model__credential__name", "credential__name"
            )
        ),
    }


def rows() -> list[list[dict[str, Any]]]:
    """Every column of every row, ids, timestamps and ciphertexts included."""
    return [
        list(model.objects.order_by("pk").values()) for model in (Provider, ProviderModel, Credential, DefaultModel)
    ]


def wipe() -> None:
    """Stand in for another, empty database."""
    for model in (DefaultModel, Credential, ProviderModel, Provider):
        model.objects.all().delete()


def run(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def export(tmp_path: Path, *args: str) -> tuple[Path, str, str]:
    path = tmp_path / "config.json"
    output = run("export_config", "--output", str(path), *args)
    return path, path.read_text(), output


def import_json(path: Path, *args: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run("import_config", str(path), "--json", *args))
    return result


def test_a_round_trip_into_an_empty_database_reproduces_the_configuration(configured, tmp_path):
    before = state()
    path, _, _ = export(tmp_path)
    wipe()
    report = import_json(path)
    assert state() == before
    assert report["credentials"]["created"] == 4 and report["defaults"]["created"] == 2
    assert report["models"]["created"] == 2 and report["models"]["updated"] == 1  # custom + discovered; gpt-4o off


def test_models_of_one_server_their_prices_rules_and_retirement_come_through_a_round_trip(servers, tmp_path):
    """Credentials are written before the models that belong to them; a default keeps its server's own model."""
    before = state()
    path, text, _ = export(tmp_path)
    wipe()
    report = import_json(path)
    assert state() == before
    assert report["models"]["created"] == 5 and report["models"]["updated"] == 2  # gpt-4o off, gpt-4o-mini's price
    records = [r for r in json.loads(text)["models"] if r["name"] == "qwen3:8b"]
    assert [r["credential"] for r in records] == [None, "gpu", "local"]
    assert {k: records[1][k] for k in NEW_MODEL_FIELDS} == {
        "credential": "gpu",
        "accepts_temperature": True,
        "accepts_top_p": False,
        "temperature_or_top_p": True,
        "max_tokens_param": "max_tokens",
        "supports_reasoning": True,
        "input_price": "0.15",
        "output_price": "0.6",
        "cached_input_price": "0.075",
        "price_currency": "CNY",
        "retires_on": "2027-01-31",
    }
    assert records[0]["input_price"] is None and records[0]["retires_on"] is None


def test_of_a_predefined_model_the_price_override_travels_but_not_the_catalogs_rules(servers, tmp_path):
    path, text, _ = export(tmp_path)
    data = json.loads(text)
    changes = {"input_price": "0.3", "accepts_temperature": False, "max_tokens_param": "max_completion_tokens"}
    for key, value in changes.items():
        _set(data, "models", key, value, provider="openai", name="gpt-4o-mini")
    path.write_text(json.dumps(data))
    report = import_json(path)
    assert report["models"] == {"created": 0, "updated": 1, "unchanged": len(data["models"]) - 1}
    model = ProviderModel.objects.get(provider__slug="openai", name="gpt-4o-mini")
    assert (model.input_price, model.accepts_temperature, model.max_tokens_param) == (Decimal("0.3"), True, "")


def test_a_file_without_the_fields_models_gained_in_version_1_still_imports(configured, tmp_path):
    """Files from before models could belong to one server or carry prices, API rules and a retirement date.

    A field the file leaves out takes the column's default on a new model and is left as it is on an existing one.
    """
    before = state()
    path, text, _ = export(tmp_path)
    data = json.loads(text)
    data["models"] = [{k: v for k, v in row.items() if k not in NEW_MODEL_FIELDS} for row in data["models"]]
    path.write_text(json.dumps(data))
    wipe()
    import_json(path)
    assert state() == before
    ProviderModel.objects.filter(name="house-llm").update(input_price=Decimal("1.5"), supports_reasoning=True)
    report = import_json(path)
    assert all(report[kind]["created"] == report[kind]["updated"] == 0 for kind in import_config.KINDS)
    house = ProviderModel.objects.get(name="house-llm")
    assert (house.input_price, house.supports_reasoning) == (Decimal("1.5"), True)


def test_without_secrets_the_file_holds_none_and_imported_credentials_need_reentry(configured, tmp_path, canary):
    path, text, _ = export(tmp_path)
    assert canary not in text
    assert json.loads(text)["secrets"] is None
    wipe()
    report = import_json(path)
    assert report["needs_reentry"] == ["main", "spare"]  # house's API key is optional
    credentials = {c.name: c for c in Credential.objects.select_related("provider")}
    assert credential_needs_reentry(credentials["main"]) and not credential_needs_reentry(credentials["local"])
    assert credentials["main"].secrets == {}


def test_secrets_come_through_with_the_right_passphrase_and_never_in_plaintext(
    configured, tmp_path, canary, monkeypatch, caplog
):
    monkeypatch.setenv("CONFIG_PASSPHRASE", PASSPHRASE)
    with caplog.at_level(logging.DEBUG):
        path, text, export_output = export(tmp_path, "--with-secrets", "--passphrase-env", "CONFIG_PASSPHRASE")
        wipe()
        report = import_json(path, "--passphrase-env", "CONFIG_PASSPHRASE")
    assert canary not in text + export_output + json.dumps(report) + caplog.text
    assert json.loads(text)["secrets"]["kdf"] == "scrypt"
    assert report["secrets"] == 3 and report["needs_reentry"] == []
    main = Credential.objects.select_related("provider").get(name="main")
    assert credential_secret_values(main) == {"api_key": canary}
    house = Credential.objects.select_related("provider").get(name="house")
    assert credential_secret_values(house) == {"api_key": canary + "-2"}


def _spoilable(text: str) -> dict[str, Any]:
    """The exported data plus valid changes, so that a partial import would show."""
    data: dict[str, Any] = json.loads(text)
    data["providers"] = [p | {"enabled": False} if p["slug"] == "deepseek" else p for p in data["providers"]]
    data["credentials"].append(
        {"name": "extra", "provider": "ollama", "enabled": True, "config": {"base_url": "http://other:11434"}}
    )
    return data


def _set(data: dict[str, Any], kind: str, key: str, value: Any, **match: Any) -> None:
    for row in data[kind]:
        if all(row[k] == v for k, v in match.items()):
            row[key] = value


BAD_FILES: dict[str, tuple[Callable[[dict[str, Any]], None] | None, str]] = {
    "malformed JSON": (None, "is not valid JSON"),
    "unknown provider": (
        lambda data: data["providers"].append({"slug": "nope", "enabled": True, "base_url": ""}),
        "provider 'nope': unknown provider",
    ),
    "default with a model of another provider": (
        lambda data: _set(data, "defaults", "credential", "spare", model_type="llm"),
        "belongs to anthropic, but the model is served by openai",
    ),
    "invalid base URL": (
        lambda data: _set(data, "providers", "base_url", "ftp://gateway", slug="openai"),
        "Enter an http:// or https:// URL",
    ),
    "name of another provider's credential": (
        lambda data: _set(data, "credentials", "provider", "anthropic", name="main"),
        "exists here for provider openai",
    ),
    "secret in plain config": (
        lambda data: _set(data, "credentials", "config", {"api_key": "x"}, name="main"),
        "must not be in plain 'config'",
    ),
    "wrong field type": (
        lambda data: _set(data, "models", "enabled", "yes", name="house-llm"),
        "wrong type for enabled",
    ),
    "other version": (lambda data: data.update(version=2), "Unsupported version 2"),
    "negative price": (
        lambda data: _set(data, "models", "input_price", "-0.5", name="house-llm"),
        "^The file cannot be imported: model 'openai_compatible/house-llm/llm': input_price: '-0.5' is not a price",
    ),
    "price of 7 decimal places": (
        lambda data: _set(data, "models", "output_price", "0.1234567", name="house-llm"),
        "output_price: '0.1234567' is not a price: a decimal string of at most 6 digits before the point and 6 after",
    ),
    "price as a JSON number": (
        lambda data: _set(data, "models", "input_price", 0.15, name="house-llm"),
        r"models\[\d+\]: wrong type for input_price",
    ),
    "impossible date": (
        lambda data: _set(data, "models", "retires_on", "2027-02-30", name="house-llm"),
        "retires_on: '2027-02-30' is not a date as YYYY-MM-DD",
    ),
    "lower-case currency": (
        lambda data: _set(data, "models", "price_currency", "usd", name="house-llm"),
        "price_currency: 'usd' is not a currency: blank or three capital letters",
    ),
    "unknown token limit field": (
        lambda data: _set(data, "models", "max_tokens_param", "max_output_tokens", name="house-llm"),
        "max_tokens_param: 'max_output_tokens' is not one of '', 'max_tokens', 'max_completion_tokens'",
    ),
    "model of an unknown credential": (
        lambda data: _set(data, "models", "credential", "nowhere", name="house-llm"),
        "model 'openai_compatible/house-llm/llm' of credential 'nowhere': unknown credential 'nowhere', not in the "
        "file or in this database",
    ),
    "model of another provider's credential": (
        lambda data: _set(data, "models", "credential", "main", name="house-llm"),
        "credential 'main' belongs to openai, but the model is served by openai_compatible",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_one_line_and_changes_nothing(configured, tmp_path, case):
    path, text, _ = export(tmp_path)
    spoil, reason = BAD_FILES[case]
    data = _spoilable(text)
    if spoil is not None:
        spoil(data)
    path.write_text(json.dumps(data) if spoil else json.dumps(data)[:-20])
    before = rows()
    with pytest.raises(CommandError, match=reason) as refused:
        run("import_config", str(path))
    assert "\n" not in str(refused.value)
    assert rows() == before


def test_a_wrong_passphrase_changes_nothing_even_in_an_empty_database(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("OTHER_PASSPHRASE", PASSPHRASE + "!")
    path, text, _ = export(tmp_path, "--with-secrets", "--passphrase-env", "CONFIG_PASSPHRASE")
    path.write_text(json.dumps(_spoilable(text)))
    before = rows()
    with pytest.raises(CommandError, match=r"^Wrong passphrase, or the secrets were altered\.$"):
        run("import_config", str(path), "--passphrase-env", "OTHER_PASSPHRASE")
    assert rows() == before
    wipe()
    with pytest.raises(CommandError, match="Wrong passphrase"):
        run("import_config", str(path), "--passphrase-env", "OTHER_PASSPHRASE")
    assert not Provider.objects.exists()


def test_altered_secrets_are_refused(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("CONFIG_PASSPHRASE", PASSPHRASE)
    path, text, _ = export(tmp_path, "--with-secrets", "--passphrase-env", "CONFIG_PASSPHRASE")
    data = json.loads(text)
    data["secrets"]["nonce"] = "AAAAAAAAAAAAAAAA"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="Wrong passphrase, or the secrets were altered"):
        run("import_config", str(path), "--passphrase-env", "CONFIG_PASSPHRASE")


def test_a_second_import_changes_nothing(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("CONFIG_PASSPHRASE", PASSPHRASE)
    path, _, _ = export(tmp_path, "--with-secrets", "--passphrase-env", "CONFIG_PASSPHRASE")
    into_origin = import_json(path, "--passphrase-env", "CONFIG_PASSPHRASE")
    wipe()
    first = import_json(path, "--passphrase-env", "CONFIG_PASSPHRASE")
    after_first = rows()
    second = import_json(path, "--passphrase-env", "CONFIG_PASSPHRASE")
    assert rows() == after_first
    assert first["credentials"]["created"] == 4 and first["secrets"] == 3
    for report in (into_origin, second):
        assert report["secrets"] == 0
        assert all(report[kind]["created"] == report[kind]["updated"] == 0 for kind in import_config.KINDS)


def test_an_import_without_secrets_keeps_the_secrets_a_credential_has(configured, tmp_path, canary):
    path, text, _ = export(tmp_path)
    data = json.loads(text)
    _set(data, "credentials", "config", {"organization": "org-2"}, name="main")
    path.write_text(json.dumps(data))
    report = import_json(path)
    assert report["credentials"] == {"created": 0, "updated": 1, "unchanged": 3}
    main = Credential.objects.select_related("provider").get(name="main")
    assert main.config == {"organization": "org-2"}
    assert credential_secret_values(main) == {"api_key": canary}


def test_a_dry_run_reports_and_writes_nothing(configured, tmp_path):
    path, text, _ = export(tmp_path)
    path.write_text(json.dumps(_spoilable(text)))
    before = rows()
    report = import_json(path, "--dry-run")
    assert report["dry_run"] and report["providers"]["updated"] == 1 and report["credentials"]["created"] == 1
    assert rows() == before
    wipe()
    output = run("import_config", str(path), "--dry-run")
    assert "Dry run: nothing was written." in output and "loaded the provider catalog first" in output
    assert not Provider.objects.exists()


def test_a_file_with_secrets_imports_without_them_only_on_request(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("CONFIG_PASSPHRASE", PASSPHRASE)
    path, _, _ = export(tmp_path, "--with-secrets", "--passphrase-env", "CONFIG_PASSPHRASE")
    wipe()
    monkeypatch.setattr("sys.stdin", StringIO(""))  # no terminal to prompt on
    with pytest.raises(CommandError, match="--passphrase-env, or pass --without-secrets"):
        run("import_config", str(path))
    assert not Provider.objects.exists()
    report = import_json(path, "--without-secrets")
    assert report["secrets"] == 0 and "main" in report["needs_reentry"]


def test_a_credential_needing_reentry_is_exported_without_secrets_and_named(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("CONFIG_PASSPHRASE", PASSPHRASE)
    Credential.objects.filter(name="main").update(secrets={"api_key": "v1:00000000:tampered"})
    path, _, output = export(tmp_path, "--with-secrets", "--passphrase-env", "CONFIG_PASSPHRASE")
    assert "Exported without secrets, as they need re-entry: main." in output
    wipe()
    report = import_json(path, "--passphrase-env", "CONFIG_PASSPHRASE")
    assert report["secrets"] == 2 and report["needs_reentry"] == ["main"]


def test_the_passphrase_is_never_read_from_the_command_line(db):
    for command in (export_config.Command(), import_config.Command()):
        usage = command.create_parser("manage.py", "x").format_help()
        assert set(re.findall(r"--pass[\w-]*", usage)) == {"--passphrase-env"}
    # Nor as an abbreviation of --passphrase-env, which would take the passphrase for a variable name.
    with pytest.raises(CommandError, match="unrecognized arguments: --passphrase …") as refused:
        run("export_config", "--with-secrets", f"--passphrase={PASSPHRASE}")
    assert PASSPHRASE not in str(refused.value)


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_export_passphrase_is_asked_twice(configured, monkeypatch, tmp_path):
    answers = iter([PASSPHRASE, PASSPHRASE + "?", PASSPHRASE, PASSPHRASE])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="The passphrases do not match"):
        export(tmp_path, "--with-secrets")
    path, _, _ = export(tmp_path, "--with-secrets")
    monkeypatch.setenv("CONFIG_PASSPHRASE", PASSPHRASE)
    assert import_json(path, "--passphrase-env", "CONFIG_PASSPHRASE", "--dry-run")["dry_run"]


def test_a_short_or_missing_passphrase_is_refused(catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("SHORT_PASSPHRASE", "eleven-char")
    path = tmp_path / "config.json"
    with pytest.raises(CommandError, match="at least 12 characters"):
        run("export_config", "--with-secrets", "--passphrase-env", "SHORT_PASSPHRASE", "--output", str(path))
    monkeypatch.setattr("sys.stdin", StringIO(""))
    with pytest.raises(CommandError, match="--with-secrets needs a passphrase"):
        run("export_config", "--with-secrets", "--output", str(path))
    with pytest.raises(CommandError, match="named by --passphrase-env is not set"):
        run("export_config", "--with-secrets", "--passphrase-env", "UNSET_PASSPHRASE", "--output", str(path))
    assert not path.exists()


def test_standard_output_carries_only_the_json(configured):
    out, err = StringIO(), StringIO()
    call_command("export_config", stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert data["format"] == "modeldesk-config" and data["version"] == 1
    assert {c["name"] for c in data["credentials"]} == {"house", "local", "main", "spare"}
    assert "Exported" in err.getvalue()


def test_a_file_cannot_switch_on_a_provider_removed_from_the_catalog(configured, tmp_path):
    """The row stays (and stays disabled) after its catalog entry is gone; an import must not enable it again."""
    path, _, _ = export(tmp_path)
    data = json.loads(path.read_text())
    Provider.objects.create(slug="gone-vendor", enabled=False)
    data["providers"].append({"slug": "gone-vendor", "enabled": True, "base_url": ""})
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="removed from this ModelDesk's catalog"):
        run("import_config", str(path))
    assert Provider.objects.get(slug="gone-vendor").enabled is False
