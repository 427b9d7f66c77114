"""``wallabag-client`` (the ``wallabag`` command from PyPI, pinned in requirements-dev.txt), a real
client run as a subprocess against the live test server and a real worker: sign in, add, list,
exists, mark read, star, tag, export and delete, each checked against the database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from wallabag.config import Configs, Options, Sections

from reader.models import Article
from tests.httpserver import HTTPTestServer
from tests.sample_pages import FERRY, FESTIVAL
from tests.wallabag_api import api_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WALLABAG = Path(sys.executable).with_name("wallabag")


@pytest.fixture
def pages():
    with HTTPTestServer() as server:
        yield server


def write_config(path: Path, server: str, who) -> None:
    """wallabag-client's own config file, written through its ``Configs`` (it encrypts the password and
    the secret with a key of this user and host, so only it can write them)."""
    config = Configs(str(path))
    config.set(Sections.API, Options.SERVERURL, server)
    config.set(Sections.API, Options.USERNAME, who.username)
    config.set(Sections.API, Options.PASSWORD, who.password)
    config.set(Sections.OAUTH2, Options.CLIENT, who.client_id)
    config.set(Sections.OAUTH2, Options.SECRET, who.client_secret)
    config.save()


def wait_until_final(ids: list[int], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Article.objects.filter(pk__in=ids).exclude(status__in=Article.FINAL_STATUSES).exists():
            return
        time.sleep(0.3)
    raise AssertionError(f"articles {ids} not processed: {list(Article.objects.values_list('pk', 'status'))}")


def test_wallabag_client_against_digest(live_server, celery_worker_process, pages, tmp_path):
    if not WALLABAG.exists():
        pytest.fail(f"{WALLABAG} is missing: make install-dev installs wallabag-client")
    who = api_user("cli")
    config = tmp_path / "config.ini"
    write_config(config, live_server.url, who)
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "COLUMNS": "200"}

    def wallabag(*args: str, answer: str = "") -> str:
        # A command that asks to confirm restarts the spinner after the answer and, with --no-spinner,
        # never stops it again (wclick.confirm): those keep the spinner, which run_command then stops.
        quiet = [] if answer else ["--no-spinner"]
        done = subprocess.run(
            [str(WALLABAG), "--config", str(config), *quiet, *args],
            input=answer,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, f"wallabag {' '.join(args)}: {done.stdout}{done.stderr}"
        assert "Error" not in done.stdout, done.stdout
        return done.stdout

    first = pages.add_file(FERRY.path, FERRY.source)
    second = pages.add_file(FESTIVAL.path, FESTIVAL.source)

    # add: asks "exists", checks the page with a HEAD request, then posts the form.
    added = wallabag("add", first)
    assert "Entry successfully added" in added, added
    wallabag("add", second, "--tags", "music,city")
    ids = sorted(Article.objects.filter(owner=who.user).values_list("pk", flat=True))
    assert len(ids) == 2
    wait_until_final(ids)
    ferry, festival = (Article.objects.get(pk=pk) for pk in ids)
    assert ferry.status == festival.status == "ready"
    assert sorted(festival.tags.values_list("name", flat=True)) == ["city", "music"]

    # exists: adding the same link again is refused by the client after asking the server.
    assert "already saved" in wallabag("add", first)
    assert Article.objects.filter(owner=who.user).count() == 2

    # list: what it prints is what the database holds (id and title of each live article).
    listed = wallabag("list")
    rows = re.findall(r"^\s*(\d+)\s+\S*\s+(.+?)\s*$", listed, re.MULTILINE)
    assert {int(pk) for pk, _ in rows} == set(ids), listed
    assert any(FERRY.title[:20] in title for _, title in rows), listed
    assert wallabag("list", "--count").strip() == "2"

    # mark read (toggle) and star (toggle): form-encoded PATCHes, read back from the entry.
    wallabag("read", str(ferry.pk))
    wallabag("star", str(ferry.pk))
    ferry.refresh_from_db()
    assert ferry.archived_at is not None and ferry.favourite
    assert wallabag("list", "--read", "--count").strip() == "1"
    assert wallabag("list", "--starred").count(str(ferry.pk)) == 1

    # tags: add, list (its "{id}. {slug}" lines), remove one from the entry (it asks to confirm).
    wallabag("tags", "-c", "add", "-e", str(ferry.pk), "-t", "boats")
    assert "t:boats" in wallabag("tags") and "t:boats" in wallabag("tags", "-e", str(ferry.pk))
    wallabag("tags", "-c", "remove", "-e", str(festival.pk), "-t", "t:city", answer="y\n")
    assert list(festival.tags.values_list("name", flat=True)) == ["music"]

    # export: the EPUB and the text come from the export endpoint, saved under the entry's title.
    wallabag("export", str(ferry.pk), "-f", "epub", "-o", str(tmp_path / "out"))
    wallabag("export", str(ferry.pk), "-f", "txt", "-o", str(tmp_path / "out"))
    files = {p.suffix: p for p in (tmp_path / "out").iterdir()}
    assert files[".epub"].read_bytes()[:2] == b"PK"
    assert FERRY.phrase in files[".txt"].read_text()

    # delete.
    wallabag("delete", str(festival.pk), "--force")
    assert list(Article.objects.for_user(who.user).values_list("pk", flat=True)) == [ferry.pk]
    assert wallabag("list", "--count").strip() == "1"
