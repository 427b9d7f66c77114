"""Shared fixtures.

``../shared`` beside the repository (or ``$DIGEST_SHARED_DIR``) holds the benchmark pages and the cases:
tests over it are an extra layer, skipped when it is missing, failed instead with ``DIGEST_REQUIRE_SHARED=1``
(CI). Sample pages the suite needs on a fresh clone are the repository's own, in ``tests/fixtures/pages/``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings

from config.broker import start_private_redis
from config.celery import app, sending_to, worker_command
from tests import factories
from tests.httpserver import http_server_fixture  # noqa: F401  (the http_server fixture: a real HTTP server on 127.0.0.1)

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DIGEST_SHARED_DIR", REPO.parent / "shared"))
# One line for every test over ../shared, so ``pytest -ra`` folds the skips into one.
SHARED_MISSING = (
    f"shared data not found at {SHARED}: benchmark pages and cases come from the shared folder beside the "
    "repository (or DIGEST_SHARED_DIR); tests over it are an extra layer (DIGEST_REQUIRE_SHARED=1 fails instead)"
)
# The cheapest hasher Django has: the default PBKDF2 spends ~0.3 s of CPU per password set or checked,
# which was most of the view tests' setup. Tests only; production keeps Django's default list.
TEST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Every test hashes passwords with ``TEST_PASSWORD_HASHERS`` (override_settings clears Django's
    cached hasher list). Processes the tests start (worker, ``rundigest``) keep the real settings."""
    with override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS):
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Report every skip for missing shared data at one place, so ``pytest -ra`` folds them into
    one line (pytest 9 reports a skip raised in a fixture at each test's own line)."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and report.longrepr[2].endswith(SHARED_MISSING):
        report.longrepr = (__file__, None, report.longrepr[2])
    return report


@pytest.fixture(scope="session", autouse=True)
def _import_dir(tmp_path_factory):
    """Uploaded import files go to a temporary folder (the worker processes are given the same one)."""
    with override_settings(DIGEST_IMPORT_DIR=tmp_path_factory.mktemp("imports")):
        yield


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder. Missing: the test is skipped, or fails when DIGEST_REQUIRE_SHARED=1."""
    if not SHARED.is_dir():
        if os.environ.get("DIGEST_REQUIRE_SHARED") == "1":
            pytest.fail(SHARED_MISSING)
        pytest.skip(SHARED_MISSING)
    return SHARED


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory) -> Path:
    """Where browser tests save screenshots: a temporary folder, or ``$DIGEST_SCREENSHOTS_DIR``
    (``make screenshots`` sets it to docs/screenshots to refresh the README's pictures)."""
    wanted = os.environ.get("DIGEST_SCREENSHOTS_DIR")
    if not wanted:
        return tmp_path_factory.mktemp("screenshots")
    folder = Path(wanted)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def alice(client):
    """A person, logged in on ``client``."""
    user = get_user_model().objects.create_user("alice", password="pw-alice-123")
    client.force_login(user)
    return user


@pytest.fixture
def bob():
    """Another person, not logged in: their articles must stay out of alice's sight."""
    return get_user_model().objects.create_user("bob", password="pw-bob-123")


@pytest.fixture(scope="session")
def cases_dir(shared_dir: Path) -> Path:
    return shared_dir / "cases"


# --- A real broker and a real Celery worker process -------------------------------------------


def database_url_for_worker() -> str:
    """A DATABASE_URL that points a separate process at the test database pytest-django made."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """The broker URL for this test session, with a queue of its own.

    With REDIS_URL set, that Redis is used; without it, a private redis-server (the default
    setup) is started on a socket in a temporary folder, as ``manage.py rundigest`` does.
    """
    proc = None
    if settings.DIGEST_PRIVATE_REDIS:
        sock = tmp_path_factory.mktemp("broker") / "redis.sock"
        proc = start_private_redis(sock)
        url = f"redis+socket://{sock}"
    else:
        url = settings.CELERY_BROKER_URL
    queue = f"digest-test-{uuid.uuid4().hex[:8]}"
    old = app.conf.broker_url
    app.conf.update(broker_url=url)
    # One queue for both steps: the test worker consumes it with one prefork pool.
    with sending_to(queue, queue):
        yield {"url": url, "queue": queue}
    app.conf.update(broker_url=old)
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class WorkerProcess:
    """A real ``celery worker`` (with embedded beat unless ``beat`` is False) as a child process,
    started and killed on demand."""

    def __init__(self, broker: dict, database_url: str, env: dict[str, str], log_dir: Path, beat: bool = True):
        self.broker, self.database_url, self.extra_env, self.log_dir = broker, database_url, env, log_dir
        self.beat = beat
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = log_dir / "worker.log"

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.broker["url"],
                "DIGEST_QUEUE": self.broker["queue"],
                "DIGEST_FETCH_QUEUE": self.broker["queue"],
                "DIGEST_IMPORT_QUEUE": self.broker["queue"],
                "DIGEST_IMPORT_DIR": str(settings.DIGEST_IMPORT_DIR),
                "SECRET_KEY": "test-secret-key-not-for-production",
                "DIGEST_PRIVATE_NETWORKS_ALLOWED": "127.0.0.0/8",
            }
        )
        env.update(self.extra_env)
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the file
            self.proc = subprocess.Popen(
                worker_command(
                    concurrency=2,
                    schedule=self.log_dir / "celerybeat-schedule",
                    beat=self.beat,
                    extra=("-Q", self.broker["queue"], "--without-gossip", "--without-mingle", "--without-heartbeat"),
                ),
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kill() reaches the pool's children
            )

    def kill(self) -> None:
        """SIGKILL the worker and its children, as a crash or an OOM kill would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._wait_group_gone()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._wait_group_gone()

    def _wait_group_gone(self, timeout: float = 10.0) -> None:
        """Wait for the pool's children too (SIGKILL after ``timeout`` seconds): one left behind keeps
        its database connection, and PostgreSQL then refuses to drop the test database."""
        if self.proc is None:
            return
        for last_resort in (False, True):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.proc.pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)
            if not last_resort:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]


@pytest.fixture(scope="session")
def celery_worker_process(broker, django_db_setup, django_db_blocker, tmp_path_factory):
    """A running worker process on the test database; fast sweeps so stuck articles recover in seconds."""
    with django_db_blocker.unblock():
        url = database_url_for_worker()
    worker = WorkerProcess(
        broker,
        url,
        {
            "DIGEST_FETCH_TOTAL_TIMEOUT": "4",
            "DIGEST_FETCH_READ_TIMEOUT": "2",
            "DIGEST_RETRY_BACKOFF": "1",
            "DIGEST_MAX_ATTEMPTS": "2",
            "DIGEST_STUCK_AFTER": "6",
            "DIGEST_LEASE_SECONDS": "6",
            "DIGEST_SWEEP_INTERVAL": "1",
        },
        tmp_path_factory.mktemp("worker"),
    )
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session", autouse=True)
def _database_sessions_ended(django_db_setup, django_db_blocker):
    """At the end of the session, before the test database is dropped, wait a moment for the
    database sessions of processes and threads the tests started to end, then end the rest.

    On PostgreSQL a session outlives its client for a moment after a killed worker process, and a
    browser closed in the middle of a response leaves the live server's request thread without
    ``request_finished``, so its connection stays open; PostgreSQL then refuses to drop the test
    database ("is being accessed by other users"). Set up before any other session fixture that
    uses the database (the worker, the live server), so it is torn down after them and before the
    database is dropped."""
    yield
    if connection.vendor != "postgresql":
        return
    others = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(others)
            if not cursor.fetchall():
                return
            time.sleep(0.1)
        cursor.execute(f"SELECT pg_terminate_backend(pid) FROM ({others}) AS stray")


@pytest.fixture
def reader_user():
    """A person with the four stories of ``factories.STORIES``, newest first in ``.stories``."""
    user: Any = get_user_model().objects.create_user("cara", password="pw-cara-12345")  # carries .stories too
    # saved oldest first, so the first story is at the top of the list
    made = [factories.make_story(user, n, *story) for n, story in reversed(list(enumerate(factories.STORIES)))]
    user.stories = list(reversed(made))
    return user
