"""The shared trial (seed 003: "200 calls to try the hosted models before you set up your own provider"): every
signed-in user may use the trial credential up to the limit; then the playground says so and where a provider of
their own is added, and the admin sees each user's use."""

from __future__ import annotations

import json

from django.test import Client

from access.models import Metric, Quota, Window

RUN, CREDENTIALS = "/playground/api/run/", "/playground/api/credentials/"


def run(client, credential, model="echo-1"):
    body = {"credential": str(credential.pk), "model_name": model, "message": "hi"}
    return client.post(RUN, json.dumps(body), content_type="application/json")


def test_a_trial_lets_every_user_make_n_calls_and_then_points_to_a_provider_of_their_own(
    llm, make_player, admin_client
):
    trial = Quota.objects.create(credential=llm, trial=True, metric=Metric.CALLS, window=Window.TOTAL, limit=3)
    trial.only_models.set(llm.provider.models.filter(name="echo-1"))
    alice, bob = Client(), Client()
    alice.force_login(make_player("alice"))
    bob.force_login(make_player("bob"))
    assert [c["name"] for c in alice.get(CREDENTIALS).json()["credentials"]] == [llm.name]
    assert run(alice, llm, "echo-2").status_code == 403  # the trial covers its listed models only
    for _ in range(3):
        assert run(alice, llm).status_code == 200
    refused = run(alice, llm)
    assert refused.status_code == 429
    message = refused.json()["error"]["message"]
    assert message == (
        f"Your trial of 3 calls on “{llm.name}” is used up (3). To go on, add a provider of your own: an admin "
        "adds its key under Credentials (/admin/credentials/credential/add/)."
    )
    assert run(bob, llm).status_code == 200  # each user has a trial of their own

    page = admin_client.get("/admin/access/quotacounter/", {"quota__trial__exact": "1"}).content.decode()
    assert "alice" in page and "bob" in page and "3 / 3 calls" in page and "1 / 3 calls" in page
    quotas = admin_client.get("/admin/access/quota/").content.decode()
    assert "each user&#x27;s own (see Quota use)" in quotas


def test_the_trial_refusal_in_chinese(llm, make_player):
    Quota.objects.create(credential=llm, trial=True, metric=Metric.CALLS, window=Window.TOTAL, limit=0)
    client = Client()
    client.force_login(make_player("carol"))
    refused = client.post(
        RUN,
        json.dumps({"credential": str(llm.pk), "model_name": "echo-1", "message": "hi"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert refused.status_code == 429
    assert refused.json()["error"]["message"].startswith(f"你在“{llm.name}”上的试用额度（0 次调用）已用完")
