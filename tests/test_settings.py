"""Settings with a value of the wrong kind or out of range stop start-up with one readable line.

Each case runs the real ``manage.py check`` in a child process, as a self-hoster would after setting a
variable, and reads what it prints: ``ImproperlyConfigured`` naming the variable, the value given and
what is expected, never a ``ValueError`` from inside a library or a silent fallback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.envtypes import EnvReader
from tests.conftest import REPO

ERROR = "django.core.exceptions.ImproperlyConfigured: "


def _manage(args: list[str], env: Mapping[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """``manage.py args`` in a child process with a development secret, its data in ``tmp_path``, and
    ``env`` on top; the settings the suite itself sets (pytest.ini) are left out."""
    suite = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG", "DIGEST_PRIVATE_NETWORKS_ALLOWED")
    base = {k: v for k, v in os.environ.items() if k not in suite}
    base |= {"SECRET_KEY": "x", "DEBUG": "1", "DIGEST_DATA_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=base, capture_output=True, text=True, timeout=120
    )


def _error_line(done: subprocess.CompletedProcess) -> str:
    """The message of the ImproperlyConfigured the command stopped with (the last line of its output)."""
    assert done.returncode != 0, f"accepted:\n{done.stdout}"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(ERROR), done.stderr[-3000:]
    return last.removeprefix(ERROR)


BAD_VALUES = [
    # (variable, value, what the message says besides the name and the value)
    ("DIGEST_LOGIN_FAILURES", "abc", "must be a whole number"),
    ("DIGEST_PAGE_SIZE", "2.5", "must be a whole number"),
    ("DIGEST_WEB_WORKERS", "0", "at least 1"),
    ("DIGEST_WORKER_CONCURRENCY", "-2", "at least 1"),
    ("DIGEST_SUMMARY_SENTENCES", "11", "from 1 to 10"),
    ("DIGEST_FETCH_HOST_INTERVAL", "fast", "must be a number of seconds"),
    ("DIGEST_FETCH_CONNECT_TIMEOUT", "-1", "more than 0"),
    ("DIGEST_SWEEP_INTERVAL", "nan", "must be a number of seconds"),
    ("DIGEST_LOGIN_COOLOFF", "15m", "must be a whole number of seconds"),
    ("DEBUG", "yes please", "true/false, 1/0, yes/no, on/off"),
    ("DIGEST_HTTPS", "2", "true/false, 1/0, yes/no, on/off"),
    ("CSRF_TRUSTED_ORIGINS", "https://ok.example.org,digest.example.org", "https://"),
    ("REDIS_URL", "localhost:6379", "redis://"),
    ("DATABASE_URL", "postgress://digest@db/digest", "postgres://"),
    ("DIGEST_PRIVATE_NETWORKS_ALLOWED", "10.0.0.0/33", "'10.0.0.0/33' is not an address or network"),
    ("DIGEST_RESOLVE", "wiki.home", "host=address"),
    ("DIGEST_SUMMARY_ALGORITHM", "best", "lexrank"),
    ("LOG_LEVEL", "LOUD", "WARNING"),
    ("TIME_ZONE", "Mars/Olympus", "Europe/Paris"),
    ("DIGEST_PROXY_SSL_HEADER", "=https", "X-Forwarded-Proto"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VALUES, ids=[f"{n}={v}" for n, v, _ in BAD_VALUES])
def test_a_bad_value_names_the_variable_the_value_and_what_is_expected(tmp_path, name, value, expected):
    message = _error_line(_manage(["check"], {name: value}, tmp_path))
    assert message.startswith(f"{name} must be "), message
    assert repr(value) in message, message
    assert expected in message, message


def test_the_brief_example_reads_as_one_sentence(tmp_path):
    message = _error_line(_manage(["check"], {"DIGEST_LOGIN_FAILURES": "abc"}, tmp_path))
    assert message == "DIGEST_LOGIN_FAILURES must be a whole number, at least 1, got 'abc'."


def test_a_password_in_a_bad_url_is_not_printed(tmp_path):
    done = _manage(["check"], {"DATABASE_URL": "postgress://digest:hunter2@db/digest"}, tmp_path)
    message = _error_line(done)
    assert "'postgress://digest:***@db/digest'" in message
    assert "hunter2" not in done.stderr + done.stdout


def test_accepted_spellings_and_empty_values(tmp_path):
    env = {
        "DEBUG": " Yes ",
        "DIGEST_HTTPS": "off",
        "DIGEST_LEAD_IMAGES": "ON",
        "DIGEST_PAGE_SIZE": "",  # empty: the default (compose files pass ${X:-})
        "DIGEST_FETCH_HOST_INTERVAL": "0",
        "DIGEST_FETCH_CONNECT_TIMEOUT": "2.5",
        "LOG_LEVEL": "warning",
        "DIGEST_SUMMARY_ALGORITHM": "LexRank",
        "ALLOWED_HOSTS": " a.example.org , ,b.example.org",
    }
    code = (
        "from django.conf import settings as s; print(s.DEBUG, s.DIGEST_HTTPS, s.DIGEST_LEAD_IMAGES, "
        "s.DIGEST_PAGE_SIZE, s.DIGEST_FETCH_HOST_INTERVAL, s.DIGEST_FETCH_CONNECT_TIMEOUT, s.LOG_LEVEL, "
        "s.DIGEST_SUMMARY_ALGORITHM, s.ALLOWED_HOSTS)"
    )
    done = _manage(["shell", "-c", code], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == (
        "True False True 30 0.0 2.5 WARNING lexrank ['a.example.org', 'b.example.org']"
    )


# --- The reader itself (no process): every spelling a bool accepts, and what it refuses -------------------


@pytest.mark.parametrize("value", ["true", "1", "yes", "on", "TRUE", " On "])
def test_bool_true(value):
    assert EnvReader({"X": value}).bool("X", default=False) is True


@pytest.mark.parametrize("value", ["false", "0", "no", "off", "No"])
def test_bool_false(value):
    assert EnvReader({"X": value}).bool("X", default=True) is False


@pytest.mark.parametrize("value", ["yes please", "y", "ok", "2", "enabled", "-"])
def test_bool_refused(value):
    with pytest.raises(ImproperlyConfigured, match=f"X must be one of true/false, 1/0, yes/no, on/off, got '{value}'"):
        EnvReader({"X": value}).bool("X", default=False)


def test_unset_and_empty_give_the_default():
    reader = EnvReader({"EMPTY": ""})
    assert reader.int("EMPTY", default=7, at_least=1) == 7
    assert reader.int("UNSET", default=7, at_least=1) == 7
    assert reader.bool("EMPTY", default=True) is True
    assert reader.float("UNSET", default=1.5, unit="seconds") == 1.5
    assert reader.list("UNSET", default=["a"]) == ["a"]
