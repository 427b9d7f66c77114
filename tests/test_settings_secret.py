"""The secret ``make run`` and ``make serve`` generate lives with the data (``$DIGEST_DATA_DIR/secret_key``),
readable by its owner only, so a packaged install whose checkout is read-only works and the repository's
``var/`` is left alone. The real ``make`` runs the real target."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.conftest import REPO


def _make(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``make ARGS`` in the repository with ``env`` on top of ours (no secret of the suite's own)."""
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SECRET_KEY_FILE", "MAKEFLAGS")}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _var_state() -> tuple[set[str], tuple[int, int] | None]:
    """The names in the repository's var/ and the secret file's (size, mtime), if any."""
    var = REPO / "var"
    names = {p.name for p in var.iterdir()} if var.is_dir() else set()
    secret = var / "secret_key"
    return names, (secret.stat().st_size, secret.stat().st_mtime_ns) if secret.exists() else None


def test_the_secret_is_made_in_the_data_dir_with_mode_600(tmp_path):
    data = tmp_path / "data"  # not there yet: made as the secret is
    before = _var_state()
    done = _make("secret-key", env={"DIGEST_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stdout + done.stderr
    secret = data / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    first = secret.read_text().strip()
    assert len(first) >= 50 and "\n" not in first
    assert _var_state() == before
    # Made once: a second run keeps it (a new one would sign everyone out).
    assert _make("secret-key", env={"DIGEST_DATA_DIR": str(data)}).returncode == 0
    assert secret.read_text().strip() == first


def test_run_and_serve_read_the_secret_from_the_data_dir(tmp_path):
    data = tmp_path / "data"
    for target in ("run", "serve"):
        shown = _make("--dry-run", target, env={"DIGEST_DATA_DIR": str(data)})
        assert shown.returncode == 0, shown.stderr
        assert f'SECRET_KEY_FILE="{data}/secret_key"' in shown.stdout, shown.stdout
        assert "var/secret_key" not in shown.stdout, shown.stdout


def test_a_secret_given_is_used_and_none_is_made(tmp_path):
    given = tmp_path / "given"
    given.write_text("s" * 60)
    data = tmp_path / "data"
    shown = _make("--dry-run", "serve", env={"DIGEST_DATA_DIR": str(data), "SECRET_KEY_FILE": str(given)})
    assert shown.returncode == 0, shown.stderr
    assert f"{data}/secret_key" not in shown.stdout, shown.stdout
    assert not Path(data / "secret_key").exists()


def test_a_data_dir_that_cannot_be_written_is_named(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    data = blocker / "data"  # under a file: no folder can be made there, not even by root
    done = _make("secret-key", env={"DIGEST_DATA_DIR": str(data)})
    assert done.returncode != 0
    assert f"Cannot make the secret key file {data}/secret_key" in done.stderr, done.stderr
    assert "Set DIGEST_DATA_DIR to a folder you can write." in done.stderr
