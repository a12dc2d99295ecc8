"""Other processes on the test database: the environment that points them at it."""

from __future__ import annotations

import os

from django.db import connection


def database_url() -> str:
    """The URL of the database the tests run on (a file for SQLite), for another process to open."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def subprocess_environment(**extra: str) -> dict[str, str]:
    """The test settings on the test database, without the developer's ``.env``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "DJANGO_ENV_FILE": "",
        **extra,
    }
