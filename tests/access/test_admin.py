"""The admin of grants, quotas and their use: filters, search, validation, and both languages."""

from __future__ import annotations

from access.models import Grant, Quota


def test_grants_are_searched_and_filtered(admin_client, llm, player, team):
    Grant.objects.create(user=player, credential=llm, note="pilot")
    Grant.objects.create(group=team, credential=llm, model_types=["llm"])
    Grant.objects.create(credential=llm)
    page = admin_client.get("/admin/access/grant/", {"q": "player"}).content.decode()
    assert "user player" in page and "group team" not in page
    page = admin_client.get("/admin/access/grant/", {"for": "group"}).content.decode()
    assert "group team" in page and "user player" not in page
    page = admin_client.get("/admin/access/grant/", {"for": "everyone"}).content.decode()
    assert "everyone" in page and "every model" in page


def test_a_quota_form_explains_what_is_wrong(admin_client, llm, player):
    response = admin_client.post(
        "/admin/access/quota/add/",
        {
            "user": player.pk,
            "credential": llm.pk,
            "metric": "cost",
            "window": "day",
            "limit": "20",
            "warn_percent": 80,
            "trial": "on",
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A cost limit needs the currency it counts." in page
    assert "A shared trial is for every signed-in user" in page
    assert not Quota.objects.exists()


def test_the_admin_pages_speak_chinese(admin_client, llm):
    Quota.objects.create(credential=llm, trial=True, limit=200, window="total")
    page = admin_client.get("/admin/access/quota/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "配额" in page and "共享试用" in page and "每个用户各自计数" in page
    index = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "访问与配额" in index
