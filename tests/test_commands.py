"""The command line: save_urls, extract, reextract, ensure_admin, and rundigest (what make run starts)."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from reader.management.commands.rundigest import RestartBudget
from reader.models import Article
from tests.conftest import REPO
from tests.sample_pages import FERRY, LIBRARY

SEED_TITLE = FERRY.title


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_extract_reads_files_and_gzip(tmp_path):
    plain = FERRY.source
    packed = tmp_path / "seed.html.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    lines = run(
        "extract", "--json", "--url", "https://dailybrief.example.com/world/x", str(plain), str(packed)
    ).splitlines()
    assert len(lines) == 2
    for line in lines:
        data = json.loads(line)
        assert set(data) == {"file", "title", "authors", "published_at", "top_image", "language", "text"}
        assert data["title"] == SEED_TITLE and data["published_at"].startswith(FERRY.published)
        assert data["language"] == "en"


def test_extract_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("extract", str(tmp_path / "nope.html"))


@pytest.mark.django_db
def test_save_urls_prints_json_lines_in_the_order_given(http_server):
    get_user_model().objects.create_user("cli")
    first = http_server.add_file("/story", FERRY.source)
    second = http_server.url("/other")
    run("save_urls", "--user", "cli", second)
    lines = run("save_urls", "--user", "cli", "--json", first, second).splitlines()
    data = [json.loads(line) for line in lines]
    assert [d["url"] for d in data] == [first, second]  # the second was saved before, and still comes second
    assert data[0]["status"] == "queued" and data[0]["summary"] == []
    with pytest.raises(CommandError, match="No user named"):
        run("save_urls", "--user", "ghost", first)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 link\\(s\\) rejected"):
        call_command("save_urls", "--user", "cli", first, "ftp://files.example.com/x", stdout=out, stderr=io.StringIO())
    assert first in out.getvalue()  # the good link is still reported
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 link\\(s\\) rejected"):
        call_command("save_urls", "--user", "cli", "--json", "ftp://files.example.com/x", first, stdout=out)
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [o["url"] for o in objects] == [first, "ftp://files.example.com/x"]
    assert objects[1]["status"] == "rejected" and objects[1]["id"] is None and "ftp" in objects[1]["error"]


def test_extract_and_summarize_need_no_environment(tmp_path):
    # Neither touches the database: they run with no SECRET_KEY, no DATABASE_URL, nothing at all.
    bare = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    manage = [sys.executable, str(REPO / "manage.py")]
    extracted = subprocess.run(
        [*manage, "extract", "--json", str(FERRY.source)],
        cwd=tmp_path,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert extracted.returncode == 0, extracted.stderr
    assert json.loads(extracted.stdout)["title"] == SEED_TITLE
    summarized = subprocess.run(
        [*manage, "summarize", "--sentences", "1"],
        input="The council voted to build a park by the river. The park opens next spring with new trails.",
        cwd=tmp_path,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert summarized.returncode == 0, summarized.stderr
    assert json.loads(summarized.stdout)["sentences"] == ["The council voted to build a park by the river."]
    assert not (tmp_path / "var").exists()


@pytest.mark.django_db
def test_save_urls_json_shows_the_summary_the_person_sees(http_server):
    from reader.models import ReaderPreferences
    from reader.pipeline.saving import save_urls
    from reader.pipeline.tasks import process_article

    user = get_user_model().objects.create_user("cli")
    url = http_server.add_file("/story", FERRY.source)
    process_article(save_urls(user=user, text=url).created[0].pk)
    # a default changed after the save still shows the summary the article has
    ReaderPreferences.objects.create(user=user, summary_sentences=2)
    data = json.loads(run("save_urls", "--user", "cli", "--json", url))
    assert data["status"] == "ready" and len(data["summary"]) == 3


@pytest.mark.django_db
def test_reextract_needs_a_choice_and_counts(http_server):
    from reader.pipeline.saving import save_urls
    from reader.pipeline.tasks import process_article

    user = get_user_model().objects.create_user("cli")
    url = http_server.add_file("/story", FERRY.source)
    article = save_urls(user=user, text=url).created[0]
    process_article(article.pk)
    Article.objects.filter(pk=article.pk).update(title="stale")
    with pytest.raises(CommandError, match="--user NAME or --all"):
        run("reextract")
    assert "Re-extracted 1 article(s)" in run("reextract", "--user", "cli")
    assert Article.objects.get(pk=article.pk).title == SEED_TITLE


@pytest.mark.django_db
def test_ensure_admin_creates_the_first_user_once(monkeypatch):
    monkeypatch.delenv("DIGEST_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("DIGEST_ADMIN_USER", "owner")
    out = run("ensure_admin")
    password = out.split("password '")[1].split("'")[0]
    assert get_user_model().objects.get(username="owner").check_password(password)
    assert run("ensure_admin") == ""  # a user exists: nothing is printed or created


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rundigest_starts_a_part_again_until_it_crash_loops():
    """A worker that ends is started again; one that ends a sixth time within ten minutes stops Digest
    (a setting that breaks its start would only loop), and an old restart stops counting."""
    budget = RestartBudget(restarts=5, window=600.0)
    assert all(budget.allow(t) for t in (0.0, 60.0, 120.0, 180.0, 240.0))
    assert not budget.allow(300.0)
    assert budget.allow(661.0)  # the restart at 0 s is more than ten minutes old


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_rundigest_default_setup_serves_and_summarizes(tmp_path, http_server, stop_signal):
    """The zero-setup default: SQLite file and the private broker, started by one command."""
    run_id = uuid.uuid4().hex  # marks every process this test starts (see _kill_processes_marked)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DIGEST_DATA_DIR=str(tmp_path / "var"),
        DEBUG="1",
        SECRET_KEY="dev-secret",
        DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.0/8",
        DIGEST_ADMIN_USER="me",
        DIGEST_ADMIN_PASSWORD="pw-me-12345",
        DIGEST_TEST_RUN=run_id,
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([*manage, "ensure_admin"], cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = open(tmp_path / "rundigest.log", "wb")
    proc = subprocess.Popen(
        [*manage, "rundigest", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as response:
                        assert b'name="username"' in response.read()
                    break
                except OSError:
                    assert time.monotonic() < deadline, (tmp_path / "rundigest.log").read_text()
                    time.sleep(0.5)

            def save(url: str, wait: int) -> dict:
                saved = subprocess.run(
                    [*manage, "save_urls", "--user", "me", "--wait", str(wait), "--json", url],
                    cwd=REPO,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=wait + 60,
                )
                return json.loads(saved.stdout)

            url = http_server.add_file("/story", FERRY.source)
            started = time.monotonic()
            data = save(url, 60)
            print(f"\none page from save to summary through rundigest: {time.monotonic() - started:.2f} s")
            assert data["status"] == "ready", (data, (tmp_path / "rundigest.log").read_text())
            assert data["title"] == SEED_TITLE and len(data["summary"]) == 3
            if stop_signal == signal.SIGTERM:
                # A worker that dies (an OOM kill; Celery ending it on a broker fault) is started
                # again, and the next link is summarized without anyone restarting Digest.
                os.kill(_pid_of(run_id, b"worker", b"-B"), signal.SIGKILL)
                wait_for = "cpu worker exited with code -9; starting it again."
                deadline = time.monotonic() + 30
                while wait_for not in (tmp_path / "rundigest.log").read_text():
                    assert time.monotonic() < deadline, (tmp_path / "rundigest.log").read_text()
                    time.sleep(0.5)
                again = save(http_server.add_file("/next-story", LIBRARY.source), 90)
                assert again["status"] == "ready", (tmp_path / "rundigest.log").read_text()
                assert proc.poll() is None
        finally:
            proc.send_signal(stop_signal)  # Ctrl-C, or a service manager, stops all of it
            proc.wait(timeout=40)
        time.sleep(1)
        for pattern in (str(tmp_path / "var"), f"127.0.0.1:{port}"):
            leftover = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
            assert not leftover, f"processes left running: {leftover}"
    finally:
        # Whatever failed or timed out above, nothing this test started outlives it.
        _kill_processes_marked(run_id, proc, tmp_path / "var")
        log.close()


def _pid_of(run_id: str, *words: bytes) -> int:
    """The pid of the process started by this test (``DIGEST_TEST_RUN=run_id``) whose command line has
    every one of ``words`` and whose parent is not such a process too (a worker's main process, not
    its pool). Raises AssertionError when there is none."""
    marker = f"DIGEST_TEST_RUN={run_id}".encode()
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if marker in (entry / "environ").read_bytes().split(b"\0") and all(w in argv for w in words):
                found[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    main = [pid for pid, parent in found.items() if parent not in found]
    assert len(main) == 1, found
    return main[0]


def _kill_processes_marked(run_id: str, proc: subprocess.Popen, data_dir: Path) -> None:
    """SIGKILL ``proc``'s process group and every process that carries ``DIGEST_TEST_RUN=run_id`` in its
    environment or names ``data_dir`` (this test's own temporary folder) on its command line.

    rundigest starts its web server, worker and broker in sessions of their own, so its process group
    alone misses them; every child inherits the environment, so the marker finds them even when rundigest
    itself is gone and they were handed to init. redis-server writes its process title over its
    environment, but its command line names its socket in ``data_dir``. Linux only (reads /proc).
    """
    marker = f"DIGEST_TEST_RUN={run_id}".encode()
    folder = str(data_dir).encode()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ours = marker in (entry / "environ").read_bytes().split(b"\0") or folder in (entry / "cmdline").read_bytes()
        except OSError:
            continue  # gone already, or not ours to read
        if ours:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
    proc.wait(timeout=10)
