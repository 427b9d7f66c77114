"""``manage.py rundigest``: run the web server, the two Celery workers (fetching: threads; extraction and
summaries: a process per core, with beat), and the default broker. ``--single-queue``: one worker for both.

What ``make run`` (development: Django's runserver) and ``make serve`` (``--production``: gunicorn, DEBUG
off, hashed static files collected first) call. Ctrl-C or SIGTERM stops all of it.

A child that exits on its own (a worker killed by the kernel, or ended by a library fault: Celery can end
its worker with "Unrecoverable error" while Redis restarts) is started again, as a service manager
would, at most ``RESTARTS`` times in ``RESTART_WINDOW`` seconds each; past that it would only loop (a
setting that stops it at start-up), so everything stops with the reason. Its unfinished articles are
not lost meanwhile: their messages are acknowledged late and their leases expire (reader/pipeline/leases.py).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.broker import start_private_redis
from config.celery import cpu_worker_command, fetch_worker_command, single_worker_command

# Seconds each child has to stop after SIGTERM before it and its process group are killed. gunicorn's
# graceful_timeout (config/gunicorn.py) is shorter, so in-flight requests can finish first.
STOP_TIMEOUT = 15
# How often one child may be started again within a window of seconds (a crash loop stops everything).
RESTARTS = 5
RESTART_WINDOW = 600.0


class Command(BaseCommand):
    help = "Run Digest for one machine: web server, workers (with beat) and, without REDIS_URL, a private Redis."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--concurrency", type=int, default=settings.DIGEST_WORKER_CONCURRENCY, help="CPU worker processes"
        )
        parser.add_argument(
            "--single-queue",
            action="store_true",
            help="one prefork worker for fetching and extracting (the setup before the queues were split) "
            "instead of a fetch worker (DIGEST_FETCH_CONCURRENCY threads) beside the CPU worker",
        )
        parser.add_argument(
            "--production",
            action="store_true",
            help="gunicorn (DIGEST_WEB_WORKERS processes) instead of runserver; needs DEBUG off and ALLOWED_HOSTS; "
            "collects hashed, compressed static files first and serves them (DIGEST_SERVE_STATIC).",
        )

    def handle(self, *args, **options):
        production = options["production"]
        address = f"{options['host']}:{options['port']}"
        child_env = dict(os.environ)
        if production:
            child_env.update(_production_env())
            web = [
                sys.executable, "-m", "gunicorn", "--config", "python:config.gunicorn",
                "--bind", address, "config.wsgi:application",
            ]  # fmt: skip
        else:
            web = [sys.executable, "manage.py", "runserver", "--noreload", address]
        # A service manager stops us with SIGTERM, a closed terminal with SIGHUP: both stop
        # everything, as Ctrl-C does. Children run in their own sessions so that only this process
        # decides the order (web and worker first, the broker last).
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _interrupt)
        procs: list[tuple[str, subprocess.Popen]] = []
        # How to start each child again: its command and working folder (the broker: a function).
        starts: dict[str, Callable[[], subprocess.Popen]] = {}
        if settings.DIGEST_PRIVATE_REDIS:
            socket_path = settings.DIGEST_PRIVATE_REDIS_SOCKET
            starts["broker"] = lambda: start_private_redis(socket_path)
            procs.append(("broker", starts["broker"]()))
            self.stdout.write(f"Broker: private redis-server on {settings.DIGEST_PRIVATE_REDIS_SOCKET}")
        else:
            self.stdout.write(f"Broker: {_without_password(settings.CELERY_BROKER_URL)}")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        schedule = settings.DATA_DIR / "celerybeat-schedule"
        # Both workers, as in production: the fetch worker's threads keep many slow sites waiting at
        # once while the CPU worker's processes extract (one process per core, beat embedded).
        if options["single_queue"] or settings.DIGEST_FETCH_QUEUE == settings.DIGEST_QUEUE:
            workers = {"worker": single_worker_command(schedule=schedule, concurrency=options["concurrency"])}
        else:
            workers = {
                "fetch worker": fetch_worker_command(),
                "cpu worker": cpu_worker_command(schedule=schedule, concurrency=options["concurrency"]),
            }
        try:
            for name, command in {**workers, "web": web}.items():
                starts[name] = functools.partial(
                    subprocess.Popen, command, cwd=settings.BASE_DIR, env=child_env, start_new_session=True
                )
                procs.append((name, starts[name]()))
            mode = f"production: gunicorn, {settings.DIGEST_WEB_WORKERS} processes" if production else "development"
            self.stdout.write(self.style.SUCCESS(f"Digest is running at http://{address}/  ({mode}; Ctrl-C stops it)"))
            budgets = {name: RestartBudget() for name in starts}
            while True:
                time.sleep(0.5)
                exited = [(i, name, p) for i, (name, p) in enumerate(procs) if p.poll() is not None]
                if not exited:
                    continue
                if not all(budgets[name].allow(time.monotonic()) for _, name, _ in exited):
                    for _, name, p in exited:
                        self.stderr.write(
                            f"{name} exited with code {p.returncode}, {RESTARTS} times in "
                            f"{RESTART_WINDOW:.0f} s; stopping the rest."
                        )
                    break
                for i, name, p in exited:
                    self.stderr.write(f"{name} exited with code {p.returncode}; starting it again.")
                    # Pool processes it left behind still hold their tasks' old state: end them too.
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(p.pid, signal.SIGKILL)
                    procs[i] = (name, starts[name]())
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            for _, p in reversed(procs):
                _stop(p)
            self.stdout.write("Stopped.")


class RestartBudget:
    """How many times one child may be started again: ``RESTARTS`` within any ``RESTART_WINDOW`` seconds."""

    def __init__(self, restarts: int = RESTARTS, window: float = RESTART_WINDOW):
        self.restarts, self.window = restarts, window
        self.times: deque[float] = deque()

    def allow(self, now: float) -> bool:
        """Count a restart at ``now`` (monotonic seconds) and say whether it is within the budget."""
        while self.times and now - self.times[0] > self.window:
            self.times.popleft()
        if len(self.times) >= self.restarts:
            return False
        self.times.append(now)
        return True


def _production_env() -> dict[str, str]:
    """Check the settings production needs and collect the static files; the variables the children get.

    Raises CommandError with what to set when DEBUG is on or ALLOWED_HOSTS is empty (every request would
    be refused), or when collectstatic fails.
    """
    if settings.DEBUG:
        raise CommandError("--production runs with DEBUG off: unset DEBUG (make run is the development mode).")
    if not settings.ALLOWED_HOSTS:
        raise CommandError(
            "--production needs ALLOWED_HOSTS, the host names the site answers to (digest.example.org; "
            "127.0.0.1 to try it on this machine)."
        )
    env = {"DIGEST_SERVE_STATIC": "1"}
    # In a child process, because the storage (hashed or not) is chosen when the settings load.
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    done = subprocess.run(collect, cwd=settings.BASE_DIR, env={**os.environ, **env}, check=False)
    if done.returncode != 0:
        raise CommandError(f"collectstatic failed (exit code {done.returncode}); see above.")
    return env


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then after ``STOP_TIMEOUT`` seconds SIGKILL to the child's whole process group (its own
    session: gunicorn's or Celery's pool processes must not outlive it)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def _without_password(url: str) -> str:
    """The broker URL to print: ``redis://:secret@host/0`` -> ``redis://:***@host/0``."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt
