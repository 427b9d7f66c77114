"""Production mode: the real gunicorn server (``rundigest --production``), ``/healthz``, the log format,
``check --deploy``, the Content-Security-Policy, secrets from ``*_FILE`` and sign-in throttling.

The server tests start real processes on 127.0.0.1 against the test run's own database and broker
(``REDIS_URL`` when set, else the private redis of the ``broker`` fixture).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse

from config.envfiles import env_or_file
from reader.models import ReaderPreferences
from reader.views import health
from reader.views.login import client_address, duration_text
from tests.conftest import REPO, database_url_for_worker
from tests.factories import make_article

MANAGE = [sys.executable, "manage.py"]
# One line of Digest's log format: time, level, logger, then the message.
LOG_LINE = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: "
LOCKED_OUT = (
    "Too many failed sign-ins for this account from this address; try again in 15 minutes, "
    "or ask an admin to unlock it."
)


# --- Processes ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET, error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"exited with {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}"
        try:
            _get(url, timeout=2)
            return
        except OSError:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-4000:]
            time.sleep(0.3)


def _marked_processes(run_id: str) -> list[int]:
    """Pids of live processes with ``DIGEST_TEST_RUN=run_id`` in their environment (every child of a
    process started by these tests inherits it). Linux only (reads /proc)."""
    marker = f"DIGEST_TEST_RUN={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    stat = (entry / "stat").read_text()
                    if stat.rsplit(")", 1)[1].split()[0] != "Z":  # not a zombie waiting to be reaped
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


def _kill_marked(run_id: str) -> None:
    for pid in _marked_processes(run_id):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _server_env(tmp: Path, broker: dict, run_id: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_FILE")}
    env.update(
        DATABASE_URL=database_url_for_worker(),
        REDIS_URL=broker["url"],
        DIGEST_QUEUE=broker["queue"],
        SECRET_KEY="production-test-secret-" + "x" * 40,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp / "static"),
        DIGEST_DATA_DIR=str(tmp / "var"),
        DIGEST_TEST_RUN=run_id,
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def production(broker, django_db_setup, django_db_blocker, tmp_path_factory):
    """``manage.py rundigest --production`` (gunicorn with 3 processes, a worker with beat) on a free port."""
    tmp = tmp_path_factory.mktemp("production")
    run_id = uuid.uuid4().hex
    with django_db_blocker.unblock():
        env = _server_env(tmp, broker, run_id, DIGEST_WEB_WORKERS="3", DIGEST_WEB_THREADS="2")
    port = _free_port()
    log_path = tmp / "rundigest.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*MANAGE, "rundigest", "--production", "--port", str(port), "--concurrency", "1"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = {"url": f"http://127.0.0.1:{port}", "proc": proc, "log": log_path, "run_id": run_id}
    try:
        _wait_until_up(server["url"] + "/healthz", proc, log_path)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=40)
        _kill_marked(run_id)  # whatever failed above, nothing started here outlives the module
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def _wait_for_log(server: dict, pattern: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = server["log"].read_text(errors="replace")
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            return match.group(0)
        assert time.monotonic() < deadline, f"no line matching {pattern!r} in:\n{text[-4000:]}"
        time.sleep(0.5)


# --- The production server ------------------------------------------------------------------------


@pytest.mark.e2e  # the production server: gunicorn, a worker and beat
def test_healthz_reports_database_and_broker_without_login(production):
    status, headers, body = _get(production["url"] + "/healthz")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-store" in headers["Cache-Control"]


@pytest.mark.e2e  # the production server: gunicorn, a worker and beat
def test_gunicorn_serves_pages_with_the_policy_and_hashed_compressed_static_files(production):
    status, headers, body = _get(production["url"] + "/accounts/login/")
    assert status == 200 and headers["Server"] == "gunicorn"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    stylesheet = re.search(rb'href="(/static/css/digest\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, body[:800]
    status, headers, css = _get(production["url"] + stylesheet.group(1).decode(), {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert b"--reader-size" in gzip.decompress(css)


@pytest.mark.e2e  # the production server: gunicorn, a worker and beat
def test_gunicorn_runs_the_configured_number_of_processes(production):
    pids = _marked_processes(production["run_id"])
    cmdlines = {pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids}
    parents = {pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in pids}
    gunicorn = [pid for pid in pids if b"gunicorn" in cmdlines[pid]]
    masters = [pid for pid in gunicorn if parents[pid] not in gunicorn]
    assert len(masters) == 1
    assert len([pid for pid in gunicorn if parents[pid] == masters[0]]) == 3  # DIGEST_WEB_WORKERS


@pytest.mark.e2e  # the production server: gunicorn, a worker and beat
def test_web_and_worker_logs_have_time_level_and_logger(production):
    _get(production["url"] + "/healthz")
    _wait_for_log(production, LOG_LINE.replace(r"[\w.]+", r"gunicorn\.access") + r'127\.0\.0\.1 "GET /healthz')
    _wait_for_log(production, LOG_LINE.replace(r"[\w.]+", r"gunicorn\.error") + "Booting worker")
    _wait_for_log(production, LOG_LINE.replace(r"[\w.]+", r"celery\.apps\.worker") + r"\w+@\S+ ready")


@pytest.mark.e2e  # the production server: gunicorn, a worker and beat
def test_sigterm_stops_web_worker_and_beat(production):
    """Last in this module: a service manager's SIGTERM stops everything rundigest started."""
    production["proc"].send_signal(signal.SIGTERM)
    production["proc"].wait(timeout=40)
    deadline = time.monotonic() + 10
    while _marked_processes(production["run_id"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _marked_processes(production["run_id"])
    assert "Stopped." in production["log"].read_text()


def test_production_refuses_debug_and_missing_allowed_hosts(tmp_path, broker, django_db_setup):
    run_id = uuid.uuid4().hex
    for extra, reason in (({"DEBUG": "1"}, "DEBUG off"), ({"ALLOWED_HOSTS": ""}, "needs ALLOWED_HOSTS")):
        env = _server_env(tmp_path, broker, run_id, **extra)
        done = subprocess.run(
            [*MANAGE, "rundigest", "--production", "--port", str(_free_port())],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and reason in done.stderr
    assert not _marked_processes(run_id)


# --- /healthz when something is down ----------------------------------------------------------------


@contextlib.contextmanager
def _silent_server():
    """A TCP port on 127.0.0.1 that accepts connections and never answers (a hung database or broker)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]


def _closed_port() -> int:
    return _free_port()  # nothing listens there once the probe socket is closed


@pytest.mark.e2e  # a real gunicorn
@pytest.mark.parametrize("fault", ["refused", "hangs"])
def test_healthz_is_503_within_the_timeout_when_the_database_is_down(fault, tmp_path, broker, django_db_setup):
    """A real gunicorn pointed at a PostgreSQL address that refuses or never answers."""
    run_id = uuid.uuid4().hex
    with contextlib.ExitStack() as stack:
        port = stack.enter_context(_silent_server()) if fault == "hangs" else _closed_port()
        env = _server_env(tmp_path, broker, run_id, DATABASE_URL=f"postgres://digest@127.0.0.1:{port}/digest")
        web_port = _free_port()
        log = tmp_path / "gunicorn.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "--workers", "1"]
                + ["--bind", f"127.0.0.1:{web_port}", "config.wsgi:application"],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_up(f"http://127.0.0.1:{web_port}/healthz", proc, log)
            started = time.monotonic()
            status, _, body = _get(f"http://127.0.0.1:{web_port}/healthz")
            elapsed = time.monotonic() - started
        finally:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
            _kill_marked(run_id)
    assert status == 503
    answer = json.loads(body)
    assert answer == {"status": "error", "database": "error" if fault == "refused" else "timeout", "broker": "ok"}
    assert elapsed < health.HEALTH_TIMEOUT + 1.5
    assert "digest@" not in body.decode() and "127.0.0.1" not in body.decode()  # no names or addresses
    assert re.search(LOG_LINE.replace(r"[\w.]+", r"reader\.views\.health") + "healthz: database", log.read_text(), re.M)


@contextlib.contextmanager
def _broker_url(url: str):
    old = current_app.conf.broker_url
    current_app.conf.update(broker_url=url)
    try:
        yield
    finally:
        current_app.conf.update(broker_url=old)


def test_healthz_in_process_ok_with_the_test_broker(client, db, broker):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize("fault", ["refused", "hangs", "missing socket"])
def test_healthz_is_503_when_the_broker_is_down(fault, client, db, tmp_path):
    with contextlib.ExitStack() as stack:
        if fault == "hangs":
            url = f"redis://127.0.0.1:{stack.enter_context(_silent_server())}/0"
        elif fault == "refused":
            url = f"redis://127.0.0.1:{_closed_port()}/0"
        else:
            url = f"redis+socket://{tmp_path / 'gone.sock'}"
        stack.enter_context(_broker_url(url))
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "broker": "timeout" if fault == "hangs" else "error",
    }
    assert elapsed < health.HEALTH_TIMEOUT + 1


# --- HTTPS settings -------------------------------------------------------------------------------------


def _manage(args: list[str], env: Mapping[str, str | None], tmp_path: Path) -> subprocess.CompletedProcess:
    """``manage.py args`` in a child process, with ``env`` on top of ours (None: that variable removed)."""
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests for the live server, never in a deployment.
    dropped = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    base["DIGEST_DATA_DIR"] = str(tmp_path / "var")
    for name, value in env.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return subprocess.run([*MANAGE, *args], cwd=REPO, env=base, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_https(tmp_path):
    env = {
        "DIGEST_HTTPS": "1",
        "DIGEST_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SECRET_KEY": "a-long-production-secret-" + "k" * 50,
        "ALLOWED_HOSTS": "digest.example.org",
        "DEBUG": "0",
        "SESSION_COOKIE_SECURE": None,  # the suite turns these off (pytest.ini); production leaves them alone
        "CSRF_COOKIE_SECURE": None,
    }
    done = _manage(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    shown = _manage(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS)",
        ],
        {**env, "DIGEST_HSTS_SECONDS": "600"},
        tmp_path,
    )
    assert shown.stdout.split("\n")[-2] == "('HTTP_X_FORWARDED_PROTO', 'https') 600", shown.stderr


def test_https_redirects_but_not_the_health_check(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)


# --- Secrets from files -----------------------------------------------------------------------------------


def test_secrets_come_from_files(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("  file-secret-" + "s" * 50 + "\n")
    database = tmp_path / "database_url"
    database.write_text(f"sqlite:///{tmp_path / 'from-file.sqlite3'}\n")
    redis_url = tmp_path / "redis_url"
    redis_url.write_text("redis://127.0.0.1:6379/8\n")
    env = {"SECRET_KEY_FILE": str(secret), "DATABASE_URL_FILE": str(database), "REDIS_URL_FILE": str(redis_url)}
    done = _manage(["check"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    code = (
        "from django.conf import settings as s; "
        "print(s.SECRET_KEY == 'file-secret-' + 's' * 50, s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL, "
        "s.DIGEST_PRIVATE_REDIS)"
    )
    shown = _manage(["shell", "-c", code], env, tmp_path)
    assert shown.stdout.split("\n")[-2] == f"True {tmp_path / 'from-file.sqlite3'} redis://127.0.0.1:6379/8 False"


def test_a_secret_set_both_ways_or_an_unreadable_file_is_an_error(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("file-secret")
    both = _manage(["check"], {"SECRET_KEY": "env-secret", "SECRET_KEY_FILE": str(secret)}, tmp_path)
    assert both.returncode != 0 and "Both SECRET_KEY and SECRET_KEY_FILE are set" in both.stderr
    missing = _manage(["check"], {"SECRET_KEY_FILE": str(tmp_path / "nowhere")}, tmp_path)
    assert missing.returncode != 0 and f"cannot read {tmp_path / 'nowhere'}" in missing.stderr


def test_env_or_file_rules(tmp_path):
    path = tmp_path / "pw"
    path.write_text("\n  s3cret \n")
    assert env_or_file("X", environ={"X_FILE": str(path)}) == "s3cret"
    assert env_or_file("X", environ={"X": "direct"}) == "direct"
    assert env_or_file("X", "fallback", environ={"X": "", "X_FILE": ""}) == "fallback"
    with pytest.raises(ImproperlyConfigured, match="Both X and X_FILE"):
        env_or_file("X", environ={"X": "a", "X_FILE": str(path)})


def test_admin_password_from_a_file(tmp_path, db, monkeypatch):
    path = tmp_path / "admin_password"
    path.write_text("pw-from-file-123\n")
    monkeypatch.setenv("DIGEST_ADMIN_USER", "boss")
    monkeypatch.delenv("DIGEST_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("DIGEST_ADMIN_PASSWORD_FILE", str(path))
    call_command("ensure_admin")
    assert get_user_model().objects.get(username="boss").check_password("pw-from-file-123")


# --- Content-Security-Policy ---------------------------------------------------------------------------------


def test_every_page_has_the_policy(db, client, alice):
    article = make_article(alice)
    staff = get_user_model().objects.create_superuser("root", password="pw-root-123")
    pages = [
        "/",
        "/?show=all",
        reverse("reader:article-detail", args=[article.pk]),
        reverse("reader:article-detail", args=[article.pk]) + "?view=full",
        reverse("reader:preferences"),
        reverse("reader:article-updates"),
        reverse("password_change"),
        "/no-such-page/",
        "/healthz",
    ]
    responses = [client.get(page) for page in pages]
    client.force_login(staff)
    responses += [client.get("/admin/"), client.get("/admin/reader/article/")]
    client.logout()
    responses += [client.get("/accounts/login/"), client.get("/admin/login/")]
    for response in responses:
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'none'", (response.wsgi_request.path, policy)
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
        assert directives["img-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy


def test_templates_have_no_inline_script_style_or_handler():
    """What the policy would block: <script> without src, <style>, style= and on*= attributes."""
    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", text), template
    base = (REPO / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles":false' in base and '"allowEval":false' in base


def test_every_reader_text_size_has_a_css_rule(db, client, alice):
    css = (REPO / "static" / "css" / "digest.css").read_text()
    low, high = ReaderPreferences.FONT_SIZES
    for size in range(low, high + 1):
        assert f'[data-size="{size}"] {{ --reader-size:{size}px; }}' in css
    client.post(reverse("reader:reader-look"), {"font_size": "21"})
    assert 'data-size="21"' in client.get("/").content.decode()


# --- Sign-in throttling ---------------------------------------------------------------------------------------


@pytest.fixture
def carol(db):
    return get_user_model().objects.create_user("carol", password="pw-carol-123")


def _sign_in(client, path: str, username: str, password: str, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_fifty_wrong_passwords_lock_the_account_from_that_address(path, client, carol, bob):
    carol.is_staff = bob.is_staff = True
    carol.save()
    bob.save()
    for _ in range(50):
        response = _sign_in(client, path, "carol", "wrong")
        assert response.status_code in (200, 429)
    refused = _sign_in(client, path, "carol", "pw-carol-123")
    assert refused.status_code == 429
    assert LOCKED_OUT in refused.content.decode() and "_auth_user_id" not in client.session
    # Another account from the same address, and the same account from another address, are not locked.
    assert _sign_in(client, path, "bob", "pw-bob-123").status_code == 302
    client.logout()
    assert _sign_in(client, path, "carol", "pw-carol-123", REMOTE_ADDR="127.0.0.2").status_code == 302
    client.logout()
    call_command("axes_reset", verbosity=0)
    assert _sign_in(client, path, "carol", "pw-carol-123").status_code == 302


def test_the_lock_starts_at_the_configured_failure_and_unlocks_by_name(client, carol):
    for _ in range(settings.DIGEST_LOGIN_FAILURES - 1):
        assert _sign_in(client, "/accounts/login/", "carol", "wrong").status_code == 200
    assert _sign_in(client, "/accounts/login/", "carol", "pw-carol-123").status_code == 302  # and resets
    client.logout()
    for _ in range(settings.DIGEST_LOGIN_FAILURES):
        _sign_in(client, "/accounts/login/", "carol", "wrong")
    assert _sign_in(client, "/accounts/login/", "carol", "pw-carol-123").status_code == 429
    call_command("axes_reset_username", "carol", verbosity=0)
    assert _sign_in(client, "/accounts/login/", "carol", "pw-carol-123").status_code == 302


def test_lockout_words_and_the_client_address():
    assert (duration_text(900), duration_text(3600), duration_text(7200), duration_text(90)) == (
        "15 minutes",
        "1 hour",
        "2 hours",
        "90 seconds",
    )
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert client_address(request) == "127.0.0.1"
    with override_settings(DIGEST_CLIENT_IP_HEADER="X-Forwarded-For"):
        assert client_address(request) == "198.51.100.7"  # the address the proxy itself saw
