"""Faults with 50 articles in flight, every setting at its default: ``kill -9`` of the workers mid-task,
Redis ``FLUSHALL``, a Redis restart and a PostgreSQL restart. For each: no article lost, none failed
because of the fault, and no HTTP 500 from the web process while a person reads the list and pastes
links through it.

A deployment of this module's own: a private PostgreSQL cluster and a private redis-server (so the
test can restart them; never the machine's shared ones), gunicorn as ``make serve`` runs it, the
fetch worker and the CPU worker with beat, each a real process with the default ``DIGEST_*``
settings (lease 30 s, sweep every ``DIGEST_SWEEP_INTERVAL``). Pages come from a loopback server
that answers each after 1-3 s, from 25 site names.

The deployment has a service manager (``tests.services.Supervisor``, as compose.yaml's restart policy
and rundigest): a worker that ends on its own is started again, and the printed line names it. Celery
can end its worker with "Unrecoverable error" while Redis restarts (kombu closing a channel whose
connection is gone); without a restart nothing would be processed again.

The figures (when work resumed, the longest pause, counts) are printed, not asserted: the machine
is shared and timings move.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import psycopg
import pytest

from tests.httpserver import HTTPTestServer
from tests.services import (
    READER,
    READER_PASSWORD,
    SAMPLE_PAGES,
    PrivatePostgres,
    PrivateRedis,
    Process,
    Supervisor,
    WebClient,
    cpu_process,
    fetch_process,
    free_port,
    postgres_bin,
    private_deployment,
    wait_until,
    web_process,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.servers]

ARTICLES = 50
SITES = [f"news-{n}.fault.test" for n in range(25)]
# Generous: every run ends in about a minute; this only stops a wedged one.
FINAL_WITHIN = 300.0


@dataclass
class Deployment:
    postgres: PrivatePostgres
    redis: PrivateRedis
    pages: HTTPTestServer
    database_url: str
    web: Process
    fetch: Process
    cpu: Process
    base_url: str
    supervisor: Supervisor

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log()}" for p in (self.web, self.fetch, self.cpu))


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    if postgres_bin() is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) for a private cluster")
    log_dir = tmp_path_factory.mktemp("faults")
    with contextlib.ExitStack() as stack:
        pages = stack.enter_context(HTTPTestServer())
        postgres, redis_server, database_url, env = private_deployment(
            stack, log_dir, sites=SITES, sites_port=pages.port
        )
        port = free_port()
        web, fetch, cpu = web_process(env, log_dir, port), fetch_process(env, log_dir), cpu_process(env, log_dir)
        for process in (web, fetch, cpu):
            stack.callback(process.stop)
            process.start()
        fetch.wait_ready()
        cpu.wait_ready()
        base_url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(base_url + "/healthz"), 60, "gunicorn")
        # As compose.yaml's restart policy (or rundigest) does: Celery itself can end a worker on a broker
        # fault ("Unrecoverable error" from kombu while Redis restarts), and it must come back.
        supervisor = stack.enter_context(Supervisor([web, fetch, cpu]))
        yield Deployment(postgres, redis_server, pages, database_url, web, fetch, cpu, base_url, supervisor)


def _answers(url: str) -> bool:
    client = WebClient(url.rsplit("/", 1)[0])
    return client.request("/" + url.rsplit("/", 1)[1], timeout=3)[0] == 200


class Readers:
    """Two people reading the list and its update poll through the web process, and one pasting a link
    every few seconds, until stopped; every answer's status is counted."""

    def __init__(self, base_url: str, tag: str, pages: HTTPTestServer):
        self.clients = [WebClient(base_url) for _ in range(3)]
        for client in self.clients:
            client.sign_in(READER, READER_PASSWORD)
        self.tag, self.pages, self.pasted = tag, pages, 0
        self.stopping, self.stop_pasting = threading.Event(), threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(c,), daemon=True) for c in self.clients[:2]] + [
            threading.Thread(target=self._paste, args=(self.clients[2],), daemon=True)
        ]

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _read(self, client: WebClient) -> None:
        while not self.stopping.wait(0.2):
            client.request("/?show=all")
            client.request("/articles/updates/?seen=1:queued&seen=2:queued")

    def _paste(self, client: WebClient) -> None:
        while not self.stopping.wait(3.0) and not self.stop_pasting.is_set():
            self.pasted += 1
            url = _page_url(self.pages, f"{self.tag}-during-{self.pasted}", self.pasted)
            client.request("/articles/", {"urls": url})

    def statuses(self) -> dict[int | str, int]:
        total: dict[int | str, int] = {}
        for client in self.clients:
            for status, count in client.statuses.items():
                total[status] = total.get(status, 0) + count
        return total


def _page_url(pages: HTTPTestServer, name: str, n: int) -> str:
    page = SAMPLE_PAGES[n % len(SAMPLE_PAGES)]
    delay = random.Random(name).uniform(1.0, 3.0)
    return pages.add(
        f"/{name}{page.path}",
        page.read_bytes(),
        headers={"Content-Type": "text/html; charset=utf-8"},
        host=SITES[n % len(SITES)],
        delay_s=delay,
    )


def _rows(database_url: str, tag: str) -> list[tuple[str, str, str, datetime | None, int]]:
    """(url, status, error_code, ready_at, attempts) of this run's articles; [] while the database is
    restarting."""
    try:
        with psycopg.connect(database_url, connect_timeout=3) as conn:
            return conn.execute(
                "SELECT url, status, error_code, ready_at, attempts FROM reader_article WHERE url LIKE %s",
                [f"%/{tag}-%"],
            ).fetchall()
    except psycopg.OperationalError:
        return []


def _run_with_fault(deployment: Deployment, name: str, fault: Callable[[], None]) -> None:
    tag = f"{name}-{uuid.uuid4().hex[:6]}"
    urls = [_page_url(deployment.pages, f"{tag}-{n}", n) for n in range(ARTICLES)]
    with Readers(deployment.base_url, tag, deployment.pages) as readers:
        status, text = readers.clients[0].request("/articles/", {"urls": "\n".join(urls)})
        assert status == 302, (status, text[:3000])
        saved = time.monotonic()
        wall_saved = datetime.now().astimezone()
        # Mid-run: the first few are ready, the rest are being fetched, extracted or are queued.
        wait_until(
            lambda: sum(1 for r in _rows(deployment.database_url, tag) if r[1] == "ready") >= 3,
            120,
            "the first articles to be ready",
        )
        pending_at_fault = sum(1 for r in _rows(deployment.database_url, tag) if r[1] not in ("ready", "failed"))
        fault_at = time.monotonic()
        wall_fault = datetime.now().astimezone()
        restarts_before = len(deployment.supervisor.restarts)
        fault()
        fault_took = time.monotonic() - fault_at

        def finished(during: bool) -> bool:
            rows = [r for r in _rows(deployment.database_url, tag) if during or "-during-" not in r[0]]
            return len(rows) >= ARTICLES and all(r[1] in ("ready", "failed") for r in rows)

        with contextlib.suppress(AssertionError):
            wait_until(lambda: finished(False), FINAL_WITHIN, "every article to be final", interval=0.5)
        done = time.monotonic()
        # The links pasted while it happened, too (the reads go on meanwhile).
        readers.stop_pasting.set()
        with contextlib.suppress(AssertionError):
            wait_until(lambda: finished(True), FINAL_WITHIN, "the links pasted during the run", interval=0.5)
    rows = [r for r in _rows(deployment.database_url, tag) if "-during-" not in r[0]]
    pasted_during = [r for r in _rows(deployment.database_url, tag) if "-during-" in r[0]]
    lost = [r for r in rows if r[1] not in ("ready", "failed")]
    failed = [r for r in rows if r[1] == "failed"]
    # When work resumed: the longest time after the fault with no article becoming ready.
    ready_at = [r[3] for r in rows if r[1] == "ready" and r[3] is not None]
    ready_times = sorted((at - wall_fault).total_seconds() for at in ready_at if at >= wall_fault)
    marks = [0.0, *ready_times]
    gaps = [(b - a, b) for a, b in zip(marks, marks[1:], strict=False)]
    pause, resumed = max(gaps) if gaps else (0.0, 0.0)
    statuses = readers.statuses()
    restarted = [f"{name} {at - fault_at:.1f} s" for name, at in deployment.supervisor.restarts[restarts_before:]]
    print(
        f"\n{name}: {len(rows)} articles saved through the web process, fault {fault_at - saved:.1f} s after the "
        f"save with {pending_at_fault} pending (it took {fault_took:.1f} s); longest pause with nothing becoming "
        f"ready {pause:.1f} s, work resumed {resumed:.1f} s after the fault; all final "
        f"{done - fault_at:.1f} s after it; lost {len(lost)}, failed {len(failed)}, most attempts "
        f"{max((r[4] for r in rows), default=0)}; {len(pasted_during)} links pasted during the run "
        f"({sum(1 for r in pasted_during if r[1] == 'ready')} ready); web answers {statuses}; "
        f"ended on their own and started again after the fault: {', '.join(restarted) or 'none'} "
        f"(saved at {wall_saved:%H:%M:%S})"
    )
    assert len(rows) == ARTICLES, deployment.logs()
    assert not lost, (lost, deployment.logs())
    assert not failed, (failed, deployment.logs())
    assert all(r[1] == "ready" for r in pasted_during), (pasted_during, deployment.logs())
    assert not any(isinstance(s, int) and s >= 500 and s != 503 for s in statuses), (statuses, deployment.logs())


def test_kill_9_of_both_workers_mid_task(deployment):
    def kill_and_restart() -> None:
        # A crashed host or an OOM kill, then the service manager starts the workers again.
        deployment.fetch.kill()
        deployment.cpu.kill()
        deployment.fetch.start()
        deployment.cpu.start()

    _run_with_fault(deployment, "kill-9", kill_and_restart)


def test_redis_flushall(deployment):
    _run_with_fault(deployment, "flushall", lambda: deployment.redis.client().flushall())


def test_redis_restart(deployment):
    _run_with_fault(deployment, "redis-restart", lambda: deployment.redis.restart(down_for=5.0))


def test_postgresql_restart(deployment):
    _run_with_fault(deployment, "postgres-restart", deployment.postgres.restart)
