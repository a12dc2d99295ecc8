"""The periodic tasks that beat schedules are tasks the worker knows, under the names the schedule uses."""

from __future__ import annotations

from django.conf import settings

from config.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "calls.credentials_health_check",
        "calls.models_sync_all",
        "calls.usage_rollup",
        "providers.catalog_load",
    }
    assert scheduled <= set(app.tasks)


def test_task_names_follow_their_app():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours and all(name.split(".")[0] in {"calls", "playground", "providers"} for name in ours)
