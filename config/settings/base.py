"""Settings for every environment, read from the process environment and an optional ``.env``.

This module is also the embedded default: SQLite inside the project and Celery tasks run eagerly in-process.
``config.settings.production`` hardens it for a real deployment.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# An optional dotenv file; DJANGO_ENV_FILE points elsewhere, or disables it when set to an empty string.
_env_file = env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file:
    environ.Env.read_env(_env_file, overwrite=False)

# --- Core -----------------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# The development fallback only exists so that `manage.py` works before `.env` is written; production.py
# refuses to start without a real SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-modeldesk-development-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "core.apps.CoreConfig",
    "providers.apps.ProvidersConfig",
    "credentials.apps.CredentialsConfig",
    "access.apps.AccessConfig",
    "calls.apps.CallsConfig",
    "playground.apps.PlaygroundConfig",
    "gateway.apps.GatewayConfig",
    "transfer.apps.TransferConfig",
    "fakeprovider.apps.FakeProviderConfig",
]

MIDDLEWARE = [
    "core.cache.VersionScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.bodies.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout flagged during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Permissions from a per-process cache (core.cache); it logs no one in: ModelBackend does, after it.
    "core.auth.CachedPermissionsBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/playground/"
LOGOUT_REDIRECT_URL = "login"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent to the server apart from the statement, instead of quoted into it in Python (Django's
    # default for psycopg 3: profiled under bench/load.py, that quoting was a tenth of a run request's CPU).
    # False for a pooler in transaction mode (PgBouncer), which cannot keep server-side statements.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "server_side_binding", env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the writer work at once; synchronous=NORMAL is durable across application crashes
    # and skips an fsync per commit, which otherwise dominates each call-log write. IMMEDIATE transactions
    # avoid "database is locked" upgrades when the web process and eager tasks write together.
    # A writer waits up to SQLITE_BUSY_TIMEOUT seconds for another; past that, core.writes tries again.
    SQLITE_BUSY_TIMEOUT = env.float("SQLITE_BUSY_TIMEOUT", default=20.0)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # journal_mode is the database file's and stays set: core.receivers sets it once per process,
            # since asking on every new connection takes a lock, and waits whenever another connection writes.
            "init_command": "PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT,  # sqlite3's busy timeout, in seconds
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Input limits ---------------------------------------------------------------------------------------------
# A request body over REQUEST_BODY_MAX_BYTES (1 MiB) is answered 413 with a JSON error, on every path
# (core.bodies.RequestBodyLimitMiddleware); Django's own in-memory limit is the same number.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# The playground's run endpoints take an image file (5 MB at most, checked by the form) besides the text fields.
# Django does not count uploaded files against DATA_UPLOAD_MAX_MEMORY_SIZE; files over 2.5 MB go to a temp file.
REQUEST_BODY_UPLOAD_MAX_BYTES = env.int("REQUEST_BODY_UPLOAD_MAX_BYTES", default=7 * 1024 * 1024)
REQUEST_BODY_UPLOAD_PATHS = ("/playground/api/run/", "/playground/api/stream/")

# --- Internationalisation -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Each language is named in itself, as language pickers do.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# Strings in the project-level templates/ are kept in the playground's catalog (apps keep their own).
LOCALE_PATHS = [BASE_DIR / "playground" / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security headers -----------------------------------------------------------------------------------------
# One strict Content-Security-Policy on every response, in every environment, so that a page that needs more
# fails in development and in the browser tests rather than in production. Everything comes from our own
# origin: no inline script, no inline event handler, no inline style. Our styles live in static CSS files, and
# Django's admin needs no 'unsafe-inline': its only inline <style> is on change lists that turn off both action
# bars (actions_on_top and actions_on_bottom), which none of ours does. Style set from JavaScript through the
# CSSOM (el.style.x) is still allowed. data: is for the playground's empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Login throttling (django-axes) ---------------------------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked out for
# AXES_COOLOFF_TIME hours (each further attempt starts the wait again); a successful login clears the count.
# Both login pages (/accounts/login/ and /admin/login/) are covered. Unlock with `manage.py axes_reset`,
# `axes_reset_username USERNAME` or `axes_reset_ip IP`.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# 0 keeps a lockout until an admin resets it.
_axes_cooloff_hours = env.float("AXES_COOLOFF_TIME", default=1.0)
AXES_COOLOFF_TIME = timedelta(hours=_axes_cooloff_hours) if _axes_cooloff_hours > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# The client address is REMOTE_ADDR, never a request header a client could forge. Behind the TLS proxy,
# uvicorn sets REMOTE_ADDR from X-Forwarded-For for connections from FORWARDED_ALLOW_IPS (default 127.0.0.1).
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# No start-up banner on every command and process; failed logins and lockouts are still logged as warnings.
AXES_VERBOSE = False

# --- Credentials ----------------------------------------------------------------------------------------------
# Comma-separated url-safe base64 keys of 32 bytes each. The first encrypts; every key decrypts.
# Independent of SECRET_KEY on purpose: rotating one must never make the other unreadable.
CREDENTIAL_ENCRYPTION_KEYS = env("CREDENTIAL_ENCRYPTION_KEYS", default="")

# Error reports (DEBUG page, e-mails) never show credential form fields or key-like POST parameters.
DEFAULT_EXCEPTION_REPORTER_FILTER = "credentials.reporting.SecretsExceptionReporterFilter"

# --- Celery ---------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# No broker configured means the embedded default: tasks run in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker, work the user did not wait for (a conversation's title) runs in a thread of this process after
# the response, not inline in the request; false runs it inline (the tests, whose database is one transaction).
BACKGROUND_THREADS = env.bool("BACKGROUND_THREADS", default=True)
# Under ASGI (uvicorn), the threads that serve requests, reused from request to request (core.threads): how many
# requests a process works on at once (a provider call or a stream holds its thread until it ends).
ASGI_THREADS = env.int("ASGI_THREADS", default=100)
# The playground's run and stream endpoints on the ASGI fast path (playground.fast): the provider call awaited on
# the event loop, the database work in one thread hop before it and one after; false: Django's handler for all.
ASGI_FAST_PATHS = env.bool("ASGI_FAST_PATHS", default=True)
# Quota counters (access.counters): in Redis when this is set, so that every process and machine enforces one
# limit; else in the database. Defaults to the Celery broker when that is Redis.
QUOTA_REDIS_URL = env(
    "QUOTA_REDIS_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
# The gateway's deployment cooldowns and per-key RPM/TPM windows, shared by every process (gateway.health); empty:
# in each process's memory (one process, the embedded default).
GATEWAY_REDIS_URL = env("GATEWAY_REDIS_URL", default=QUOTA_REDIS_URL)
METRICS_TOKEN = env("METRICS_TOKEN", default="")  # set: /metrics answers only "Authorization: Bearer <token>"
GATEWAY_AUDIO_MAX_BYTES = env.int("GATEWAY_AUDIO_MAX_BYTES", default=25 * 1024 * 1024)  # OpenAI's file limit
GATEWAY_REDIS_PREFIX = env("GATEWAY_REDIS_PREFIX", default="modeldesk:gateway:")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
# Periodic work for `celery -A config beat`; intervals in seconds.
CREDENTIAL_HEALTH_CHECK_INTERVAL = env.int("CREDENTIAL_HEALTH_CHECK_INTERVAL", default=15 * 60)
MODEL_SYNC_INTERVAL = env.int("MODEL_SYNC_INTERVAL", default=6 * 60 * 60)
CATALOG_LOAD_INTERVAL = env.int("CATALOG_LOAD_INTERVAL", default=24 * 60 * 60)
# Calls rolled up into the usage dashboard's hourly and daily tables (calls.usage_rollup); newer hours are read
# from the call log itself, so the dashboard is never stale.
USAGE_ROLLUP_INTERVAL = env.int("USAGE_ROLLUP_INTERVAL", default=5 * 60)
CELERY_BEAT_SCHEDULE = {
    "credential-health-check": {
        "task": "calls.credentials_health_check",
        "schedule": CREDENTIAL_HEALTH_CHECK_INTERVAL,
    },
    "model-sync": {"task": "calls.models_sync_all", "schedule": MODEL_SYNC_INTERVAL},
    # Retirement dates pass while the process runs: the daily load disables retired models.
    "catalog-load": {"task": "providers.catalog_load", "schedule": CATALOG_LOAD_INTERVAL},
    "usage-rollup": {"task": "calls.usage_rollup", "schedule": USAGE_ROLLUP_INTERVAL},
}

# --- Logging --------------------------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # httpx logs full request URLs at INFO; keep it quiet unless asked for.
        "httpx": {"level": env("HTTPX_LOG_LEVEL", default="WARNING")},
        "httpcore": {"level": env("HTTPX_LOG_LEVEL", default="WARNING")},
    },
}

# --- Provider calls -------------------------------------------------------------------------------------------
PROVIDER_HTTP_CONNECT_TIMEOUT = env.float("PROVIDER_HTTP_CONNECT_TIMEOUT", default=5.0)
PROVIDER_HTTP_READ_TIMEOUT = env.float("PROVIDER_HTTP_READ_TIMEOUT", default=120.0)
PROVIDER_HTTP_WRITE_TIMEOUT = env.float("PROVIDER_HTTP_WRITE_TIMEOUT", default=30.0)
PROVIDER_HTTP_POOL_TIMEOUT = env.float("PROVIDER_HTTP_POOL_TIMEOUT", default=10.0)
PROVIDER_HTTP_MAX_CONNECTIONS = env.int("PROVIDER_HTTP_MAX_CONNECTIONS", default=100)
PROVIDER_HTTP_MAX_KEEPALIVE = env.int("PROVIDER_HTTP_MAX_KEEPALIVE", default=20)
# Retries follow the official SDKs: 408, 409, 429 and 5xx, connect errors and timeouts.
PROVIDER_MAX_ATTEMPTS = env.int("PROVIDER_MAX_ATTEMPTS", default=3)
PROVIDER_DEADLINE_SECONDS = env.float("PROVIDER_DEADLINE_SECONDS", default=180.0)
PROVIDER_RETRY_INITIAL_DELAY = env.float("PROVIDER_RETRY_INITIAL_DELAY", default=0.5)
PROVIDER_RETRY_MAX_DELAY = env.float("PROVIDER_RETRY_MAX_DELAY", default=8.0)
PROVIDER_RETRY_AFTER_CAP = env.float("PROVIDER_RETRY_AFTER_CAP", default=60.0)
# A stream fails when its first token takes longer than this (keep-alive comments do not count), or when,
# after the first token, no event arrives for PROVIDER_STREAM_IDLE_TIMEOUT. The deadline bounds the whole call.
PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT = env.float("PROVIDER_STREAM_FIRST_TOKEN_TIMEOUT", default=120.0)
PROVIDER_STREAM_IDLE_TIMEOUT = env.float("PROVIDER_STREAM_IDLE_TIMEOUT", default=60.0)
# A connection test makes at most this many attempts, so a dead endpoint is reported quickly.
# The reply limit of a model without rules (typed by hand, or discovered on a small self-hosted server).
CHAT_DEFAULT_MAX_TOKENS = env.int("CHAT_DEFAULT_MAX_TOKENS", default=1024)
# The context window assumed for a model that reports none; history trimming keeps within it.
CHAT_DEFAULT_CONTEXT_WINDOW = env.int("CHAT_DEFAULT_CONTEXT_WINDOW", default=4096)
# Per-process caches of providers, credentials, models and permissions (core.cache), checked against a version
# counter once per request so that a change is seen everywhere on the next request. PROCESS_CACHES=false reads
# every row on every use. A credential's decrypted secrets are kept at most CACHE_SECRETS_SECONDS.
PROCESS_CACHES = env.bool("PROCESS_CACHES", default=True)
CACHE_SECRETS_SECONDS = env.float("CACHE_SECRETS_SECONDS", default=60.0)
# Playground titles: PLAYGROUND_TITLES=false keeps the first message as the title; PLAYGROUND_TITLE_MODEL names the
# model that writes them ("credential-name/model", or "default" for the default llm model); blank: the conversation's.
PLAYGROUND_TITLES = env.bool("PLAYGROUND_TITLES", default=True)
PLAYGROUND_TITLE_MODEL = env.str("PLAYGROUND_TITLE_MODEL", default="")
CREDENTIAL_TEST_MAX_ATTEMPTS = env.int("CREDENTIAL_TEST_MAX_ATTEMPTS", default=2)
# Saving a credential enqueues its connection test (eagerly, in-process, without a broker).
CREDENTIAL_TEST_ON_SAVE = env.bool("CREDENTIAL_TEST_ON_SAVE", default=True)
# Call log rows are written by a background thread so that replies never wait for them.
CALL_LOG_ASYNC = env.bool("CALL_LOG_ASYNC", default=True)
