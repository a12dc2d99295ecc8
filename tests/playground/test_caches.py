"""A run reads its credential, provider and rules from the process's caches (``core.cache``), and still sees
every change at the next request: a save here, a change in another process, a bulk action in the admin."""

from __future__ import annotations

import json

from django.db.models import F

from core.models import CacheVersion
from tests.playground.test_views import RUN


def run(client, credential, model: str = "echo-1"):
    body = json.dumps({"credential": str(credential.pk), "model_name": model, "message": "hi"})
    return client.post(RUN, body, content_type="application/json")


def test_a_credential_disabled_after_a_run_is_refused_at_the_next(player_client, llm):
    assert run(player_client, llm).status_code == 200
    llm.enabled = False
    llm.save()
    response = run(player_client, llm)
    assert response.status_code == 400 and "credential" in response.json()["errors"]


def test_a_provider_disabled_in_another_process_is_seen_at_the_next_request(player_client, llm):
    from providers.models import Provider

    assert run(player_client, llm).status_code == 200
    Provider.objects.filter(pk=llm.provider_id).update(enabled=False)  # no signal here: another process did it
    assert run(player_client, llm).status_code == 200  # this process has not been told
    CacheVersion.objects.filter(name="catalog").update(version=F("version") + 1)  # that process's save did
    assert run(player_client, llm).status_code == 400


def test_models_disabled_by_the_admins_bulk_action_change_their_rules_at_once(admin_client, player_client, llm):
    from providers.models import ProviderModel

    row = ProviderModel.objects.get(name="echo-1")
    run(player_client, llm)
    ProviderModel.objects.filter(pk=row.pk).update(temperature_max=0.5)  # as another process would
    response = admin_client.post(
        "/admin/providers/providermodel/",
        {"action": "disable_models", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    body = json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": "hi", "temperature": 1.5})
    response = player_client.post(RUN, body, content_type="application/json")
    assert response.status_code == 400 and "temperature" in response.json()["errors"]


def test_a_key_replaced_on_the_credential_is_used_at_the_next_call(player_client, llm, fake_provider):
    from credentials.services import credential_save

    assert run(player_client, llm).status_code == 200
    credential_save(
        provider=llm.provider,
        name=llm.name,
        values={"base_url": llm.config["base_url"], "api_key": "sk-replaced-key-000000"},
        credential=llm,
    )
    assert run(player_client, llm).status_code == 200
    assert fake_provider.requests[-1].headers["authorization"] == "Bearer sk-replaced-key-000000"
