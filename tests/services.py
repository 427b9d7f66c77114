"""Private servers and processes for the fault and many-hosts tests: a PostgreSQL cluster and a
redis-server of the test's own (which it may restart, flush or kill, never the machine's shared
services), network namespaces joined by a veth pair, and a Digest deployment (gunicorn and the two
workers) on them, each a real process.

Nothing here listens on an address other than 127.0.0.1 or the test's own veth addresses.
"""

from __future__ import annotations

import contextlib
import glob
import http.cookiejar
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from django.test import override_settings

from config.broker import redis_server_executable
from config.celery import cpu_worker_command, fetch_worker_command, sending_to
from tests.sample_pages import FERRY, FESTIVAL, LIBRARY

REPO = Path(__file__).resolve().parent.parent
SECRET = "fault-test-secret-" + "x" * 40
SAMPLE_PAGES = [FERRY, FESTIVAL, LIBRARY]
# The first user of a private deployment (``private_deployment``), who signs in through the web process.
READER, READER_PASSWORD = "reader", "a-long-test-password-1"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at ``host`` right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    """Call ``predicate`` until it returns something true (returned), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _stop_group(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Signal ``proc``'s process group (it was started in a session of its own) and wait for every
    member to end, SIGKILL after ``timeout`` seconds."""
    if proc is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    for last_resort in (False, True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        if not last_resort:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


# --- PostgreSQL ---------------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with initdb and pg_ctl (Debian's layout), or None."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0),
    )
    return found[-1] if found and (found[-1] / "pg_ctl").exists() else None


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder, on its own port, listening on ``hosts`` only, with
    trust authentication for user ``postgres`` (as the machine's is). Unsafe settings for speed
    (fsync off): a test cluster, thrown away at ``stop``.

    Run as root, the cluster belongs to the ``postgres`` system user (initdb refuses root).
    """

    def __init__(self, hosts: Sequence[str] = ("127.0.0.1",), clients: Sequence[str] = (), port: int | None = None):
        """``hosts``: the addresses it listens on; ``clients``: networks (CIDR) besides those addresses
        themselves whose connections it trusts (initdb trusts only the loopback)."""
        binaries = postgres_bin()
        if binaries is None:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin, self.hosts, self.port = binaries, list(hosts), port or free_port()
        self.clients = [f"{host}/32" for host in hosts if ":" not in host] + list(clients)
        self.folder = Path(tempfile.mkdtemp(prefix="digest-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "postgres.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=timeout, cwd=self.folder)

    def init(self) -> PrivatePostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.writelines(f"host all all {network} trust\n" for network in self.clients)
        return self

    def start(self) -> None:
        options = (
            f"-c listen_addresses={','.join(self.hosts)} -p {self.port} -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every connection is ended ("terminating connection due to
        administrator command"), then the server starts again."""
        self.stop("fast")
        self.start()

    def url(self, database: str, host: str | None = None) -> str:
        return f"postgres://postgres@{host or self.hosts[0]}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


# --- Redis --------------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own on ``host:port`` (no persistence: a restart loses every
    message, the worst case for Digest), started, flushed, restarted and stopped by the test."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.host, self.port = host, port or free_port(host)
        self.folder = Path(tempfile.mkdtemp(prefix="digest-redis-"))
        self.proc: subprocess.Popen | None = None
        self.executable = shutil.which("redis-server") or redis_server_executable()

    def start(self) -> None:
        command = [self.executable, "--bind", self.host, "--port", str(self.port), "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.folder), "--loglevel", "warning", "--protected-mode", "no"]
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the child keeps its own copy
        with log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._answers, 15, f"redis-server on {self.host}:{self.port}")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def url(self, host: str | None = None) -> str:
        return f"redis://{host or self.host}:{self.port}/0"

    def stop(self) -> None:
        _stop_group(self.proc, signal.SIGTERM, timeout=10)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- Network namespaces ---------------------------------------------------------------------------------


def netns_unavailable() -> str | None:
    """Why this process cannot make a network namespace with a veth pair (None: it can)."""
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    name = f"digest-probe-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        return f"ip netns add is not permitted here: {made.stderr.strip()}"
    try:
        veth = subprocess.run(
            ["ip", "link", "add", f"dpa{os.getpid() % 100000}", "type", "veth", "peer", "name", "dpb"],
            capture_output=True,
            text=True,
        )
        if veth.returncode != 0:
            return f"a veth pair cannot be made here: {veth.stderr.strip()}"
        subprocess.run(["ip", "link", "del", f"dpa{os.getpid() % 100000}"], capture_output=True)
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


@dataclass
class Netns:
    """A network namespace joined to this one by a veth pair on a /30 of 10.x.y.z chosen at random
    among the unused ones: ``host_address`` is this side's end, ``address`` the namespace's.
    Its loopback is up; it has no other route (it reaches only ``host_address``)."""

    name: str
    host_address: str
    address: str
    host_link: str

    @classmethod
    @contextlib.contextmanager
    def create(cls) -> Iterator[Netns]:
        tag = f"{os.getpid() % 10000}{random.randrange(100):02d}"
        name, host_link, inner_link = f"digest-w{tag}", f"dgh{tag}", f"dgn{tag}"
        used = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, check=True).stdout
        while True:
            base = f"10.{random.randrange(200, 250)}.{random.randrange(256)}.{random.randrange(0, 252, 4)}"
            prefix = base.rsplit(".", 1)[0] + "."
            if prefix not in used:
                break
        first = int(base.rsplit(".", 1)[1])
        host_address, address = prefix + str(first + 1), prefix + str(first + 2)
        steps = [
            ["ip", "netns", "add", name],
            ["ip", "link", "add", host_link, "type", "veth", "peer", "name", inner_link],
            ["ip", "link", "set", inner_link, "netns", name],
            ["ip", "addr", "add", f"{host_address}/30", "dev", host_link],
            ["ip", "link", "set", host_link, "up"],
            ["ip", "netns", "exec", name, "ip", "addr", "add", f"{address}/30", "dev", inner_link],
            ["ip", "netns", "exec", name, "ip", "link", "set", inner_link, "up"],
            ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
        ]
        try:
            for step in steps:
                subprocess.run(step, check=True, capture_output=True, text=True)
            yield cls(name, host_address, address, host_link)
        finally:
            subprocess.run(["ip", "link", "del", host_link], capture_output=True)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def pids(self) -> list[int]:
        out = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]


class Supervisor:
    """A service manager for ``processes``: a thread that starts again any of them that ends on its own
    (a worker that Celery ends with "Unrecoverable error" on a broker fault), every ``interval``
    seconds, until the ``with`` block ends. ``restarts`` lists (process name, monotonic time)."""

    def __init__(self, processes: list[Process], interval: float = 1.0):
        self.processes, self.interval = processes, interval
        self.restarts: list[tuple[str, float]] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Supervisor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)

    def _watch(self) -> None:
        while not self._stopping.wait(self.interval):
            for process in self.processes:
                if process.restart_if_exited():
                    self.restarts.append((process.name, time.monotonic()))


# --- A Digest deployment: gunicorn and the two workers -------------------------------------------------------


@dataclass
class Process:
    """One Digest process (``name``: its log file's name), started with ``command`` in ``env``, in a
    session of its own so that a kill reaches its pool."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_dir: Path
    proc: subprocess.Popen | None = None
    starts: int = 0
    # Set by kill() and stop(): an end the test asked for, which a Supervisor leaves alone until start().
    held: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self) -> None:
        with self.lock:
            self.held = False
            self._start()

    def _start(self) -> None:
        self.starts += 1
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self, tail: int | None = 6000) -> str:
        """The last ``tail`` characters of the process's log (None: all of it)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-tail:] if tail else text

    def wait_ready(self, marker: str = " ready.", timeout: float = 120) -> None:
        """Wait for the ``starts``-th ``marker`` line in the log (Celery's "celery@host ready.")."""

        def ready() -> bool:
            assert self.proc is not None and self.proc.poll() is None, f"{self.name} exited:\n{self.log()}"
            return self.log_path.read_text(errors="replace").count(marker) >= self.starts

        wait_until(ready, timeout, f"{self.name} to be ready", interval=0.2)

    def kill(self) -> None:
        """SIGKILL the process and its children, as a crash, an OOM kill or a lost host does."""
        with self.lock:
            self.held = True
        _stop_group(self.proc, signal.SIGKILL, timeout=10)

    def stop(self) -> None:
        with self.lock:
            self.held = True
        _stop_group(self.proc, signal.SIGTERM, timeout=20)

    def restart_if_exited(self) -> bool:
        """Start the process again if it ended without the test asking (True when it did), as a
        service manager's restart policy does (compose.yaml: ``restart: unless-stopped``)."""
        with self.lock:
            if self.held or self.proc is None or self.proc.poll() is None:
                return False
            _stop_group(self.proc, signal.SIGKILL, timeout=10)  # pool processes it left behind
            self._start()
            return True

    def pool(self) -> list[int]:
        """Pids of the process's children (a prefork worker's pool)."""
        if self.proc is None:
            return []
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]


def digest_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Digest process on ``database_url`` and ``redis_url``, every ``DIGEST_*``
    setting at its default unless given in ``extra`` (the caller's own ``DIGEST_*`` are dropped)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_") and not k.endswith("_FILE")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=SECRET,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        DIGEST_LEAD_IMAGES="0",  # the sample pages' images are on made-up hosts, never looked up
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


QUIET = ("--without-gossip", "--without-mingle", "--without-heartbeat")


def web_process(env: dict[str, str], log_dir: Path, port: int, name: str = "web") -> Process:
    """gunicorn as ``make serve`` runs it (config/gunicorn.py: ``DIGEST_WEB_WORKERS`` processes of
    ``DIGEST_WEB_THREADS`` threads) on 127.0.0.1:``port``."""
    command = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "--bind", f"127.0.0.1:{port}"]
    return Process(name, [*command, "config.wsgi:application"], env, log_dir)


def fetch_process(env: dict[str, str], log_dir: Path, name: str = "fetch", wrap=None) -> Process:
    """The fetch worker with its default pool (``DIGEST_FETCH_CONCURRENCY`` threads)."""
    command = fetch_worker_command(concurrency=int(env.get("DIGEST_FETCH_CONCURRENCY", 16)), extra=QUIET)
    command[command.index("fetch@%h")] = f"{name}@%h"
    return Process(name, wrap(command) if wrap else command, env, log_dir)


def cpu_process(
    env: dict[str, str], log_dir: Path, name: str = "cpu", beat: bool = True, concurrency: int = 2, wrap=None
) -> Process:
    """The CPU worker (prefork, ``concurrency`` processes), with beat embedded unless ``beat`` is False."""
    command = cpu_worker_command(
        schedule=log_dir / f"{name}-celerybeat-schedule", concurrency=concurrency, beat=beat, extra=QUIET
    )
    command[command.index("cpu@%h")] = f"{name}@%h"
    return Process(name, wrap(command) if wrap else command, env, log_dir)


# --- A person using the web process ----------------------------------------------------------------------


@dataclass
class WebClient:
    """A signed-in browser-like client of a Digest web process (cookies, the CSRF token), counting
    every answer by status."""

    base: str
    statuses: dict[int | str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, str]:
        """(status, body) of a GET, or of a POST of ``data`` with the CSRF token; a connection that
        failed counts as ``"no answer"``."""
        body = None
        headers = {"Referer": self.base + "/"}
        if data is not None:
            token = next((c.value or "" for c in self.jar if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
            headers["X-CSRFToken"] = token
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                status, text = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except OSError:
            self.statuses["no answer"] = self.statuses.get("no answer", 0) + 1
            return 0, ""
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return status, text

    def sign_in(self, username: str, password: str) -> None:
        self.request("/accounts/login/")
        status, text = self.request("/accounts/login/", {"username": username, "password": password})
        assert status == 302, (status, text[:2000])

    def count(self, *statuses: int | str) -> int:
        return sum(self.statuses.get(s, 0) for s in statuses)

    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if isinstance(s, int) and s >= 500 and s != 503)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def private_deployment(
    stack: contextlib.ExitStack,
    log_dir: Path,
    *,
    sites: Sequence[str],
    sites_port: int,
    host: str = "127.0.0.1",
    clients: Sequence[str] = (),
) -> tuple[PrivatePostgres, PrivateRedis, str, dict[str, str]]:
    """A private PostgreSQL cluster and redis-server listening on ``host`` (their end is on ``stack``),
    a migrated database with ``READER`` in it, and the environment of a Digest process on them whose
    ``sites`` resolve to ``host`` and may be fetched on ``sites_port``. ``clients``: more networks
    PostgreSQL trusts. Returns (postgres, redis, database URL, environment)."""
    postgres = PrivatePostgres(hosts=[host], clients=clients)
    stack.callback(postgres.destroy)
    postgres.init().start()
    redis_server = PrivateRedis(host=host)
    stack.callback(redis_server.destroy)
    redis_server.start()
    database_url = postgres.create_database("digest")
    env = digest_env(
        database_url,
        redis_server.url(),
        DIGEST_PRIVATE_NETWORKS_ALLOWED=f"{host}:{sites_port}",
        DIGEST_RESOLVE=",".join(f"{site}={host}" for site in sites),
        DIGEST_ADMIN_USER=READER,
        DIGEST_ADMIN_PASSWORD=READER_PASSWORD,
        DIGEST_DATA_DIR=str(log_dir / "var"),
    )
    manage(env, "migrate", "--noinput")
    manage(env, "ensure_admin")
    return postgres, redis_server, database_url, env


@contextlib.contextmanager
def default_workers(
    broker_url: str, database_url: str, log_dir: Path, hosts: Sequence[str] = ()
) -> Iterator[list[Process]]:
    """The fetch worker and the CPU worker (no beat) with their default pools and limits, on queues of
    their own, fetching sites on 127.0.0.1 (``hosts`` resolve there); within the block this process
    sends its messages to those queues."""
    queue = f"digest-e2e-{uuid.uuid4().hex[:8]}"
    fetch_queue = f"{queue}-fetch"
    extra = {"DIGEST_RESOLVE": ",".join(f"{h}=127.0.0.1" for h in hosts)} if hosts else {}
    env = digest_env(
        database_url,
        broker_url,
        DIGEST_QUEUE=queue,
        DIGEST_FETCH_QUEUE=fetch_queue,
        DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.1",
        **extra,
    )
    with override_settings(DIGEST_QUEUE=queue, DIGEST_FETCH_QUEUE=fetch_queue):
        workers = [fetch_process(env, log_dir), cpu_process(env, log_dir, beat=False)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait_ready()
        with sending_to(queue, fetch_queue):
            yield workers
    finally:
        for worker in workers:
            worker.stop()
