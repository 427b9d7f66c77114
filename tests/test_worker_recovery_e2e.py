"""A real worker process whose pool process is killed mid-task (``kill -9``, as an OOM kill does):
the message comes back at once (``acks_late``), waits for the dead worker's lease to lapse, and the
article is taken over, with no sweep involved (this worker runs no beat).

Prints how long after the kill the work resumed; with the default 30 s lease that is under a
minute, here the lease is shortened so the test is quick.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from django.contrib.auth import get_user_model

from config.celery import sending_to
from reader.models import Article
from tests.conftest import WorkerProcess, database_url_for_worker
from tests.httpserver import HTTPTestServer
from tests.sample_pages import FERRY

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 6


@pytest.fixture
def lone_worker(broker, django_db_setup, django_db_blocker, tmp_path):
    """A worker without beat on a queue of its own, with a short lease and no sweep to speak of."""
    queue = broker["queue"] + "-lone"
    with django_db_blocker.unblock():
        url = database_url_for_worker()
    worker = WorkerProcess(
        {**broker, "queue": queue},
        url,
        {"DIGEST_LEASE_SECONDS": str(LEASE_SECONDS), "DIGEST_SWEEP_INTERVAL": "3600", "DIGEST_STUCK_AFTER": "3600"},
        tmp_path,
        beat=False,
    )
    with sending_to(queue, queue):
        worker.start()
        # Up, with its pool, before anything is saved: the end-to-end tests' own worker sweeps the same
        # database and would take a message that waited too long.
        deadline = time.monotonic() + 60
        while not _pool_processes(worker) or "ready." not in worker.log():
            assert time.monotonic() < deadline, worker.log()
            time.sleep(0.2)
        yield worker
        worker.stop()


def _pool_processes(worker: WorkerProcess) -> list[int]:
    assert worker.proc is not None
    out = subprocess.run(["pgrep", "-P", str(worker.proc.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def test_a_killed_pool_process_is_taken_over_when_its_lease_lapses(client, lone_worker):
    user = get_user_model().objects.create_user("kim")
    client.force_login(user)
    page = FERRY.read_bytes()
    with HTTPTestServer() as server:
        # Slow enough to be caught mid-fetch: 200 pieces, 1.5 s apart.
        url = server.add(
            FERRY.path,
            page,
            headers={"Content-Type": "text/html"},
            chunk_bytes=max(1, len(page) // 200),
            interval_s=1.5,
        )
        client.post("/articles/", {"urls": url})
        article = Article.objects.get(owner=user)
        deadline = time.monotonic() + 30
        while Article.objects.get(pk=article.pk).status != Article.Status.FETCHING:
            assert time.monotonic() < deadline, lone_worker.log()
            time.sleep(0.1)
        server.add(FERRY.path, page, headers={"Content-Type": "text/html"})  # quick again for the next try
        pool = _pool_processes(lone_worker)
        assert pool, lone_worker.log()
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        resumed = None
        while time.monotonic() < killed + 60:
            current = Article.objects.get(pk=article.pk)
            if resumed is None and current.attempts >= 2:
                resumed = time.monotonic() - killed
            if current.status in Article.FINAL_STATUSES:
                break
            time.sleep(0.2)
    assert current.status == Article.Status.READY, (current.status, current.error, lone_worker.log())
    assert current.attempts == 2 and current.title == FERRY.title
    print(f"\nresumed {resumed:.1f} s after kill -9 of the pool process (lease {LEASE_SECONDS} s)")
    assert resumed is not None and resumed < LEASE_SECONDS + 10
