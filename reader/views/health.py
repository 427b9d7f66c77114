"""``GET /healthz``: can this web process reach the database and the broker? For load balancers,
container health checks and monitoring; no login, no article queries, nothing secret in the answer."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis
from celery import current_app
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

# Seconds the database and the broker each have to answer (they are asked at the same time), so a
# health check answers within about this long even when one of them hangs.
HEALTH_TIMEOUT = 1.5

# kombu's name for Redis on a Unix socket (the private broker); redis-py calls it unix://.
_SOCKET_SCHEME = "redis+socket://"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"|"error", "database": D, "broker": B}``, where D and B are each ``"ok"``,
    ``"error"`` (it answered with an error, or refused the connection) or ``"timeout"`` (no answer within
    ``HEALTH_TIMEOUT`` seconds). HTTP 200 when both are ``ok``, 503 otherwise. The reasons go to the log
    (logger ``reader.views.health``), never into the answer: they can name hosts and users."""
    broker_url = str(current_app.conf.broker_url or "").split(";")[0]
    results = _probe_all({"database": _check_database, "broker": lambda: _check_broker(broker_url)}, HEALTH_TIMEOUT)
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "error", **results}, status=200 if healthy else 503)


def _probe_all(checks: dict[str, Callable[[], None]], timeout: float) -> dict[str, str]:
    """Run each check in a thread of its own, all at once; ``{name: "ok"|"error"|"timeout"}`` after at most
    ``timeout`` seconds. A thread still waiting then is left to end by itself (it is a daemon, and every
    check has its own socket timeouts), so a hung dependency cannot hold the request."""
    results: dict[str, str] = {}
    threads = []
    for name, check in checks.items():
        thread = threading.Thread(target=_run, args=(name, check, results), name=f"healthz-{name}", daemon=True)
        thread.start()
        threads.append((name, thread))
    deadline = time.monotonic() + timeout
    for name, thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            log.warning("healthz: %s did not answer within %.1f s", name, timeout)
    return {name: results.get(name, "timeout") for name in checks}


def _run(name: str, check: Callable[[], None], results: dict[str, str]) -> None:
    try:
        check()
    except Exception as exc:  # any failure of a dependency is an "error", whatever its library raises
        log.warning("healthz: %s: %s: %s", name, type(exc).__name__, exc)
        results[name] = "error"
    else:
        results[name] = "ok"


def _check_database() -> None:
    """``SELECT 1`` on a connection of this thread's own, closed afterwards (Django's connections are per
    thread, so the request's own connection is left as it was)."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()


def _check_broker(url: str) -> None:
    """PING the broker at ``url`` (Celery's broker URL: ``redis://``, ``rediss://``, ``unix://`` or kombu's
    ``redis+socket://``); raises if it does not answer. Its socket timeouts are a second past the probe's
    deadline: a hung broker is reported as ``timeout``, and the thread still ends by itself soon after."""
    # One attempt: redis-py's default retries with backoff would outlast the deadline on a refused connection.
    timeout, once = HEALTH_TIMEOUT + 1, Retry(NoBackoff(), 0)
    if url.startswith(_SOCKET_SCHEME):
        path = url[len(_SOCKET_SCHEME) :].split("?")[0]
        client = redis.Redis(unix_socket_path=path, socket_connect_timeout=timeout, socket_timeout=timeout, retry=once)
    else:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=once)
    try:
        client.ping()
    finally:
        client.close()
