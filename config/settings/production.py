"""Production settings: PostgreSQL through DATABASE_URL, Redis through CELERY_BROKER_URL, HTTPS only.

Every secret must come from the environment; there is no fallback.
"""

import os

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# PostgreSQL through a connection pool in each process (Django's psycopg pool): opening a connection per request
# cost about 13 ms. DATABASE_POOL=false goes back to Django's own connection handling (CONN_MAX_AGE).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(  # noqa: F405
    "DATABASE_POOL", default=True
):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  (the pool keeps the connections; Django requires 0)
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }

# SQLite: the threads that serve requests are reused (core.threads), so each keeps its connection from request
# to request instead of opening one per request; CONN_MAX_AGE in the environment still decides.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and "CONN_MAX_AGE" not in os.environ:  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.staticfiles.ModuleAwareStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# The Content-Security-Policy and login throttling come from base.py, the same in every environment. The client
# address that login throttling counts is REMOTE_ADDR: uvicorn fills it from the TLS proxy's X-Forwarded-For
# when the proxy connects from FORWARDED_ALLOW_IPS (uvicorn's setting, default 127.0.0.1); set that to the
# proxy's address when it runs on another host, or every client counts as the proxy.
