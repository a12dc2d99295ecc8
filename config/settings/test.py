"""Settings for the test suite: fixed throw-away keys, fast hashing, eager Celery."""

from datetime import timedelta

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
DEBUG = False
# Two fixed keys so that rotation tests have an old and a new key to work with.
CREDENTIAL_ENCRYPTION_KEYS = env(
    "TEST_CREDENTIAL_ENCRYPTION_KEYS",
    default="ULcpSOwDQmSmVZU8G82-Zty_85Xa7x3yclf4BS2fj1c=",
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Eager unless a broker is given in the environment (the Redis integration tests' worker process).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = CELERY_BROKER_URL or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
QUOTA_REDIS_URL = env("QUOTA_REDIS_URL", default="")  # the database; the Redis tests set it
GATEWAY_REDIS_URL = env("GATEWAY_REDIS_URL", default="")  # in memory; the Redis tests set it
# Background work inline: a thread's own connection would not see the test's transaction (tests that check the
# thread turn it on, with a transactional database).
BACKGROUND_THREADS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are collected only for real deployments; the tests never serve them.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405
# Tests that want the connection test on save turn it on; others must not call out on every save.
CREDENTIAL_TEST_ON_SAVE = False
# Provider calls in tests: quick timeouts and short backoff. A Retry-After above the cap fails at once.
PROVIDER_HTTP_READ_TIMEOUT = 1.0
PROVIDER_RETRY_INITIAL_DELAY = 0.01
PROVIDER_RETRY_MAX_DELAY = 0.05
PROVIDER_RETRY_AFTER_CAP = 0.5
# Login throttling and the CSP stay on, as in production (force_login does not go through axes). The limits are
# pinned so that a developer's .env cannot change what the lockout tests expect.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
# Inline writes: the test transaction is invisible to the writer thread's own connection.
CALL_LOG_ASYNC = False
# A file, not memory, so that a real Celery worker process (tests/integration) can share the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # TEST_SQLITE_NAME lets two suites run side by side on one machine without sharing a file.
    _test_db = env("TEST_SQLITE_NAME", default=str(BASE_DIR / "test-artifacts" / "test-db.sqlite3"))  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": _test_db}  # noqa: F405
    (BASE_DIR / "test-artifacts").mkdir(exist_ok=True)  # noqa: F405
