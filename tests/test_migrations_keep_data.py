"""Migrating an existing database to the new layout keeps every row, and every secret still decrypts.

"Today's layout" is the database before the restructuring: ``providers 0002_calllog``, ``credentials
0002_initial`` and ``playground 0001_initial``, without the ``calls`` app. The tests build it with Django's
``MigrationExecutor``, fill it through the historical models of that state, migrate to whatever leaf nodes
exist now (``providers 0004``, which drops the catalog copies from ``Provider``, included once it is there),
and read every row back through the current models. Each test leaves the database at the latest schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from credentials.crypto import encrypt, generate_key, parse_key_ring

TODAY = [("providers", "0002_calllog"), ("credentials", "0002_initial"), ("playground", "0001_initial")]
RESTRUCTURED_APPS = ("calls", "providers", "credentials", "playground")
LATER_APPS = ("gateway", "access")  # built on the restructured layout: taken back to zero before today's layout
BEFORE_MASKS = ("credentials", "0003_last_check_tried")  # the last migration before masks were stored
# The binding today's code computes (``Credential.secret_binding``), frozen here: a restructuring that changed
# it would make every stored secret undecryptable, and this test must notice.
TODAYS_BINDING = "credentials.credential:{pk}:{field}"
# The Provider columns that only copy the code catalog: a migration may drop them, and nothing else.
CATALOG_COPIES = {
    "name_en",
    "name_zh",
    "protocol",
    "default_base_url",
    "description_en",
    "description_zh",
    "credential_schema",
    "model_types",
    "custom_models",
    "parameter_defaults",
    "quirks",
}
ADMIN_OWNED = {"slug", "enabled", "base_url", "position"}
# Today's model -> the model that reads its rows now.
TABLES = {
    ("auth", "User"): ("auth", "User"),
    ("providers", "Provider"): ("providers", "Provider"),
    ("providers", "ProviderModel"): ("providers", "ProviderModel"),
    ("credentials", "Credential"): ("credentials", "Credential"),
    ("providers", "DefaultModel"): ("calls", "DefaultModel"),
    ("providers", "CallLog"): ("calls", "CallLog"),
    ("playground", "Conversation"): ("playground", "Conversation"),
    ("playground", "Message"): ("playground", "Message"),
}

Rows = dict[tuple[str, str], dict[Any, dict[str, Any]]]


# ---------------------------------------------------------------------------------------------------------
# Moving between layouts


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    """A migration executor; whatever the test did, the database ends at the latest schema."""
    executor = MigrationExecutor(connection)
    try:
        yield executor
    finally:
        migrate_to_latest(executor)


def migrate_to_latest(executor: MigrationExecutor) -> None:
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()


def migrate_to_today(executor: MigrationExecutor) -> Any:
    """Today's layout in the database; returns the app registry of its historical models."""
    executor.loader.build_graph()
    executor.migrate([*((app, None) for app in LATER_APPS), ("calls", None), *TODAY])
    executor.loader.build_graph()
    skipped = RESTRUCTURED_APPS + LATER_APPS
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in skipped]
    return executor.loader.project_state([*TODAY, *others]).apps


def table_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def has_provider_migration_after_0003(executor: MigrationExecutor) -> bool:
    return any(app == "providers" and name[:4] > "0003" for app, name in executor.loader.graph.nodes)


# ---------------------------------------------------------------------------------------------------------
# Today's rows, written through today's historical models


def schema_field(name: str, label: str, *, secret: bool = False, required: bool = False, kind: str = "text") -> dict:
    """One entry of today's ``Provider.credential_schema`` (help texts left out)."""
    return {
        "name": name,
        "label_en": label,
        "label_zh": label,
        "secret": secret,
        "required": required,
        "kind": kind,
        "default": "",
        "help_en": "",
        "help_zh": "",
        "choices": [],
    }


# What today's ``load_providers`` wrote into these two rows, frozen here: the catalog code has moved on since.
TODAYS_CATALOG_COLUMNS = {
    "openai": {
        "name_en": "OpenAI",
        "name_zh": "OpenAI",
        "protocol": "openai_compatible",
        "default_base_url": "https://api.openai.com/v1",
        "description_en": "GPT, o-series, embedding and Whisper models from OpenAI.",
        "description_zh": "OpenAI 官方接口：GPT、o 系列、向量与 Whisper 语音识别模型。",
        "credential_schema": [
            schema_field("api_key", "API key", secret=True, required=True),
            schema_field("base_url", "Base URL", kind="url"),
            schema_field("organization", "Organization ID"),
            schema_field("project", "Project ID"),
        ],
        "model_types": ["llm", "text-embedding", "speech2text"],
        "parameter_defaults": {"temperature": [0.0, 2.0, 1.0], "top_p": [0.0, 1.0, 1.0]},
        "quirks": {"max_tokens_param": "max_completion_tokens"},
        "position": 0,
    },
    "huggingface": {
        "name_en": "Hugging Face",
        "name_zh": "Hugging Face",
        "protocol": "openai_compatible",
        "default_base_url": "https://router.huggingface.co/v1",
        "description_en": "Open models on Hugging Face Inference Providers.",
        "description_zh": "通过 Hugging Face Inference Providers 调用开源模型。",
        "credential_schema": [
            schema_field("api_key", "Access token", secret=True, required=True),
            schema_field("base_url", "Base URL", kind="url"),
        ],
        "model_types": ["llm"],
        "custom_models": True,
        "parameter_defaults": {"temperature": [0.0, 2.0, 1.0], "top_p": [0.0, 1.0, 1.0]},
        "position": 13,
    },
}
GPT_4O_MINI = {
    "name": "gpt-4o-mini",
    "display_name": "gpt-4o-mini",
    "model_type": "llm",
    "context_window": 128000,
    "max_output_tokens": 16384,
    "supports_vision": True,
    "supports_tool_call": True,
    "supports_json_mode": True,
    "temperature_min": 0.0,
    "temperature_max": 2.0,
    "temperature_default": 1.0,
    "top_p_min": 0.0,
    "top_p_max": 1.0,
    "top_p_default": 1.0,
    "max_tokens_min": 1,
    "max_tokens_max": 16384,
    "max_tokens_default": 4096,
    "origin": "predefined",
}
EMBEDDING_3_SMALL = {
    "name": "text-embedding-3-small",
    "display_name": "text-embedding-3-small",
    "model_type": "text-embedding",
    "context_window": 8191,
    "supports_streaming": False,
    "origin": "predefined",
}


def credential_with_secret(apps: Any, provider: Any, name: str, api_key: str, **config: str) -> Any:
    """A credential whose api_key is encrypted, as today's code does, bound to the row's id and field."""
    pk = uuid.uuid4()
    secrets = {"api_key": encrypt(api_key, binding=TODAYS_BINDING.format(pk=pk, field="api_key"))}
    Credential = apps.get_model("credentials", "Credential")
    return Credential.objects.create(id=pk, provider=provider, name=name, config=config, secrets=secrets)


def plant(apps: Any) -> dict[str, str]:
    """Rows in every table the restructuring touches. Returns each credential's name and planted api_key."""
    Provider = apps.get_model("providers", "Provider")
    openai = Provider.objects.create(
        slug="openai", base_url="https://llm-gateway.example.com/v1", **TODAYS_CATALOG_COLUMNS["openai"]
    )
    hf = Provider.objects.create(slug="huggingface", enabled=False, **TODAYS_CATALOG_COLUMNS["huggingface"])
    chat = openai.models.create(**GPT_4O_MINI)
    embedding = openai.models.create(**EMBEDDING_3_SMALL, enabled=False)
    custom = hf.models.create(name="meta-llama/Llama-3.1-8B-Instruct", model_type="llm", context_window=8192)
    openai.models.create(name="gpt-4o-2024-08-06", model_type="llm", origin="discovered")
    keys = {"team-openai": "sk-proj-" + uuid.uuid4().hex, "hf-research": "hf_" + uuid.uuid4().hex}
    team = credential_with_secret(apps, openai, "team-openai", keys["team-openai"], organization="org-123")
    research = credential_with_secret(apps, hf, "hf-research", keys["hf-research"])
    DefaultModel = apps.get_model("providers", "DefaultModel")
    DefaultModel.objects.create(model_type="llm", model=chat, credential=team)
    DefaultModel.objects.create(model_type="text-embedding", model=embedding, credential=team)
    user = apps.get_model("auth", "User").objects.create(username="ada", password="!", is_staff=True)
    CallLog = apps.get_model("providers", "CallLog")
    CallLog.objects.create(
        user=user,
        provider=openai,
        credential=team,
        model=chat.name,
        operation="chat",
        status="ok",
        latency_ms=420,
        ttft_ms=180,
        tokens_in=12,
        tokens_out=7,
    )
    CallLog.objects.create(
        provider=openai,
        credential=team,
        model=chat.name,
        operation="chat_stream",
        status="error",
        error_type="rate_limited",
        message="The provider asks to wait.",
        attempts=3,
        latency_ms=1500,
    )
    CallLog.objects.create(
        provider=hf, credential=research, model=custom.name, operation="test_credential", status="ok", latency_ms=95
    )
    CallLog.objects.create(
        provider=openai, credential=None, operation="list_models", status="error", error_type="authentication"
    )
    conversation = apps.get_model("playground", "Conversation").objects.create(
        user=user, title="Who am I?", credential=team, model=chat.name
    )
    apps.get_model("playground", "Conversation").objects.create(user=user, title="Empty")
    for role, content in [("system", "You are terse."), ("user", "你好，我叫IOLinker"), ("assistant", "Echo: 你好")]:
        conversation.messages.create(role=role, content=content, model=chat.name, tokens_in=5, latency_ms=8)
    conversation.messages.create(role="user", content="请问我是谁", error="Rate limited.")
    return keys


def rows(apps: Any, labels: Any) -> Rows:
    """Every row of every table, by primary key, with every column's value."""
    return {
        label: {row["pk"]: row for row in apps.get_model(*label).objects.values("pk", *attnames(apps, label))}
        for label in labels
    }


def attnames(apps: Any, label: tuple[str, str]) -> list[str]:
    return [field.attname for field in apps.get_model(*label)._meta.concrete_fields]


# ---------------------------------------------------------------------------------------------------------
# The checks


def assert_same_rows(before: Rows, after: Rows) -> None:
    """Same tables, same primary keys, and every column that still exists has its value."""
    for today, now in TABLES.items():
        assert after[now].keys() == before[today].keys(), f"{today} -> {now}: rows lost or added"
        assert before[today], f"{today}: nothing planted"
        for pk, old in before[today].items():
            new = after[now][pk]
            kept = {name: old[name] for name in old if name in new}
            assert {name: new[name] for name in kept} == kept, f"{now} row {pk} changed"


def assert_only_catalog_copies_dropped(before: Rows, after: Rows) -> None:
    for today, now in TABLES.items():
        dropped = next(iter(before[today].values())).keys() - next(iter(after[now].values())).keys()
        allowed = CATALOG_COPIES if now == ("providers", "Provider") else set()
        assert dropped <= allowed, f"{now} lost columns that are not catalog copies: {sorted(dropped - allowed)}"


def assert_schema_matches_models() -> None:
    """The moved tables carry the calls app's names, and each table has exactly its model's columns."""
    tables = set(connection.introspection.table_names())
    assert {"calls_calllog", "calls_defaultmodel"} <= tables
    assert not {"providers_calllog", "providers_defaultmodel"} & tables
    for label in TABLES.values():
        model = current_apps.get_model(*label)
        columns = {field.column for field in model._meta.concrete_fields}
        assert table_columns(model._meta.db_table) == columns, f"{label}: columns differ from the model"


def assert_secrets_decrypt(keys: dict[str, str]) -> None:
    from credentials.models import Credential
    from credentials.selectors import NEEDS_REENTRY, credential_secret_states, credential_status, stored_mask
    from credentials.services import credential_secret_values

    for credential in Credential.objects.select_related("provider"):
        assert credential_secret_values(credential) == {"api_key": keys[credential.name]}
        assert credential_status(credential) != NEEDS_REENTRY
        assert [state.mask[-4:] for state in credential_secret_states(credential)] == [keys[credential.name][-4:]]
        assert stored_mask(credential, "api_key") == "••••" + keys[credential.name][-4:], "the migration's mask"


def assert_call_layer_reads_the_moved_rows() -> None:
    """Default models resolve through calls, the admin's base URL is used, and new rows get fresh keys."""
    from calls.models import CallLog
    from calls.resolve import base_url_for, call_resolve
    from calls.selectors import default_model_get
    from providers.models import Provider

    default = default_model_get(model_type="llm")
    assert (default.credential.name, default.model.provider.slug) == ("team-openai", "openai")
    call = call_resolve(operation="chat", credential=None, model=None)
    assert (call.credential.name, call.model) == ("team-openai", default.model.name)
    assert base_url_for(call.credential) == "https://llm-gateway.example.com/v1"
    assert Provider.objects.get(slug="huggingface").enabled is False
    old = set(CallLog.objects.values_list("pk", flat=True))
    new = CallLog.objects.create(provider=call.provider, operation="chat", status="ok")
    assert new.pk not in old and new.pk > max(old)


def migrate_to_before_masks(executor: MigrationExecutor) -> Any:
    """Every app at its latest migration but credentials, one before its masks; returns that state's apps."""
    executor.loader.build_graph()
    executor.migrate([*((app, None) for app in LATER_APPS), BEFORE_MASKS])
    executor.loader.build_graph()
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ("credentials", *LATER_APPS)]
    return executor.loader.project_state([BEFORE_MASKS, *others]).apps


def seal(pk: uuid.UUID, plaintext: str, *, field: str = "api_key", ring: Any = None) -> str:
    return encrypt(plaintext, binding=TODAYS_BINDING.format(pk=pk, field=field), ring=ring)


def plant_for_masks(apps: Any) -> dict[str, dict[str, str]]:
    """Credentials of every kind the masks migration meets, by name: their stored values, before it runs."""
    from providers.services import catalog_load

    catalog_load()  # the providers tables are at their latest schema: today's code fills them
    Credential = apps.get_model("credentials", "Credential")
    openai = apps.get_model("providers", "Provider").objects.get(slug="openai")
    gone = parse_key_ring(generate_key())
    kinds = {
        "readable": lambda pk: {"api_key": seal(pk, "sk-proj-readable-value-7a7a")},
        "short": lambda pk: {"api_key": seal(pk, "sk-8a8a")},
        "tampered": lambda pk: {"api_key": seal(pk, "sk-proj-tampered-value-9a9a")[:-3] + "AAA"},
        "key-gone": lambda pk: {"api_key": seal(pk, "sk-proj-old-key-value-6a6a", ring=gone)},
        "garbage": lambda pk: {"api_key": "not a stored value"},
        "moved": lambda pk: {"api_key": seal(pk, "sk-proj-moved-value-5a5a", field="other")},
        "half": lambda pk: {"api_key": seal(pk, "sk-proj-half-value-4a4a"), "spare": "v1:x"},
        "empty": lambda pk: {},
    }
    planted = {}
    for name, make in kinds.items():
        pk = uuid.uuid4()
        planted[name] = make(pk)
        Credential.objects.create(id=pk, provider=openai, name=name, secrets=planted[name])
    return planted


# ---------------------------------------------------------------------------------------------------------
# The tests


@pytest.mark.django_db(transaction=True)
def test_migrating_todays_database_keeps_every_row_and_every_secret(executor):
    """Migrating an existing database to the new layout keeps every row, and every secret still decrypts."""
    today = migrate_to_today(executor)
    keys = plant(today)
    before = rows(today, TABLES)

    migrate_to_latest(executor)

    after = rows(current_apps, TABLES.values())
    assert_same_rows(before, after)
    assert_only_catalog_copies_dropped(before, after)
    assert_schema_matches_models()
    if has_provider_migration_after_0003(executor):
        assert table_columns("providers_provider") == {"id", *ADMIN_OWNED}
    assert_secrets_decrypt(keys)
    assert_call_layer_reads_the_moved_rows()


@pytest.mark.django_db(transaction=True)
def test_the_move_reverses_and_reapplies_without_losing_a_row(executor):
    """Migrating the calls app to zero restores today's layout with every row; migrating forward again keeps them.

    Reversing ``providers 0004`` brings the catalog columns back empty (the catalog fills them on the next
    ``load_providers``), so only the columns that exist in both layouts are compared.
    """
    today = migrate_to_today(executor)
    keys = plant(today)
    before = rows(today, TABLES)
    migrate_to_latest(executor)

    today = migrate_to_today(executor)
    back = rows(today, TABLES)
    for label in TABLES:
        assert back[label].keys() == before[label].keys(), f"{label}: rows lost on the way back"
    assert {row["base_url"] for row in back[("providers", "Provider")].values()} == {
        "https://llm-gateway.example.com/v1",
        "",
    }

    migrate_to_latest(executor)
    assert_same_rows(before, rows(current_apps, TABLES.values()))
    assert_secrets_decrypt(keys)


@pytest.mark.django_db(transaction=True)
def test_the_restructured_apps_migrate_down_to_nothing_and_up_again(executor):
    """Every migration of the restructured apps reverses: down to no table at all, then up from nothing.

    Providers, credentials, calls and playground go to zero; Django's own apps stay where they are.
    """
    executor.loader.build_graph()
    executor.migrate([(app, None) for app in RESTRUCTURED_APPS])
    tables = set(connection.introspection.table_names())
    assert not {table for table in tables if table.split("_")[0] in RESTRUCTURED_APPS}

    migrate_to_latest(executor)
    assert_schema_matches_models()


@pytest.mark.django_db(transaction=True)
def test_the_masks_migration_stores_the_mask_of_every_secret_it_can_decrypt_and_skips_the_rest(executor, monkeypatch):
    """Each readable secret gets its mask, decrypted once with the configured keys; a value that cannot be
    decrypted (altered, under a key no longer configured, not in our format, bound elsewhere) gets none, and the
    migration goes on. The list then shows every row right, decrypting only the rows without a mask."""
    planted = plant_for_masks(migrate_to_before_masks(executor))

    migrate_to_latest(executor)

    from credentials import selectors
    from credentials.crypto import decrypt, token_digest
    from credentials.models import Credential

    stored = dict(Credential.objects.values_list("name", "masks"))
    assert stored == {
        "readable": {"api_key": {"last4": "7a7a", "digest": token_digest(planted["readable"]["api_key"])}},
        "short": {"api_key": {"last4": "", "digest": token_digest(planted["short"]["api_key"])}},
        "half": {"api_key": {"last4": "4a4a", "digest": token_digest(planted["half"]["api_key"])}},
        **{name: {} for name in ("tampered", "key-gone", "garbage", "moved", "empty")},
    }
    decrypted = []
    monkeypatch.setattr(selectors, "decrypt", lambda token, **kw: decrypted.append(token) or decrypt(token, **kw))
    states = {
        c.name: [(s.readable, s.mask) for s in selectors.credential_secret_states(c)]
        for c in Credential.objects.select_related("provider")
    }
    assert states == {
        "readable": [(True, "••••7a7a")],
        "short": [(True, "••••")],
        "half": [(True, "••••4a4a")],
        "tampered": [(False, "")],
        "key-gone": [(False, "")],
        "garbage": [(False, "")],
        "moved": [(False, "")],
        "empty": [(False, "")],
    }
    assert sorted(decrypted) == sorted([planted["tampered"]["api_key"], planted["moved"]["api_key"]])


@pytest.mark.django_db(transaction=True)
def test_the_masks_migration_runs_without_a_key_configured_and_reverses(executor, settings):
    """A missing key setting does not stop the migration (the system check reports it); rows get no mask, and
    the migration reverses and reapplies without touching a secret."""
    planted = plant_for_masks(migrate_to_before_masks(executor))
    settings.CREDENTIAL_ENCRYPTION_KEYS = ""

    migrate_to_latest(executor)

    from credentials.models import Credential

    assert all(masks == {} for masks in Credential.objects.values_list("masks", flat=True))
    migrate_to_before_masks(executor)
    assert "masks" not in table_columns("credentials_credential")
    migrate_to_latest(executor)
    assert dict(Credential.objects.values_list("name", "secrets")) == planted
