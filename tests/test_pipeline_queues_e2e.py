"""End to end on the default worker setup: a fetch worker (a thread pool of ``DIGEST_FETCH_CONCURRENCY``
downloads, the default) beside a CPU worker (prefork, 2 processes), each a real ``celery worker``
process on queues of this module's own, on the test database and the session's broker.

- Slow sites do not idle the cores: 20 pages that each take 1 s to answer, on 20 hosts, are all ready
  in well under the 20 s it takes to wait for them one after another (the ratio is printed).
- Per-site politeness (defaults: 2 at once, 1 s apart) holds in the real worker: 4 pages of one host
  that each take 3 s start at least a second apart, never more than 2 at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model

from reader.models import Article
from reader.pipeline.saving import save_urls
from tests.conftest import database_url_for_worker
from tests.httpserver import HTTPTestServer
from tests.sample_pages import FERRY
from tests.services import default_workers as default_workers_on

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOW_PAGES = 20
SLOW_HOSTS = [f"site-{n}.test" for n in range(SLOW_PAGES)]
POLITE_HOST = "polite.test"
POLITE_PAGES = 4
POLITE_SECONDS = 3.0


class Recorder(BaseHTTPRequestHandler):
    """Answers every request with the ferry page after ``POLITE_SECONDS``, noting when each began and ended."""

    visits: list[tuple[float, float]] = []

    def do_GET(self) -> None:
        started = time.monotonic()
        time.sleep(POLITE_SECONDS)
        body = FERRY.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        type(self).visits.append((started, time.monotonic()))

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="module")
def sites():
    recorder = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    with HTTPTestServer() as slow:
        urls = [
            slow.add(f"/story/{n}", FERRY.read_bytes(), headers={"Content-Type": "text/html"}, host=host, delay_s=1.0)
            for n, host in enumerate(SLOW_HOSTS)
        ]
        polite = [f"http://{POLITE_HOST}:{recorder.server_address[1]}/story/{n}" for n in range(POLITE_PAGES)]
        yield {"slow": urls, "polite": polite}
    recorder.shutdown()


@pytest.fixture(scope="module")
def default_workers(broker, django_db_setup, django_db_blocker, tmp_path_factory):
    """The fetch worker and the CPU worker with their default pools and limits, on queues of their own."""
    with django_db_blocker.unblock():
        url = database_url_for_worker()
    log_dir = tmp_path_factory.mktemp("default-workers")
    with default_workers_on(broker["url"], url, log_dir, [*SLOW_HOSTS, POLITE_HOST]) as workers:
        yield workers


def _paste_and_wait(urls: list[str], timeout: float) -> tuple[float, list[Article]]:
    user = get_user_model().objects.create_user(f"e2e-{uuid.uuid4().hex[:6]}")
    started = time.monotonic()
    ids = [a.pk for a in save_urls(user=user, text="\n".join(urls)).created]
    pending = Article.objects.filter(pk__in=ids).exclude(status__in=Article.FINAL_STATUSES)
    while pending.exists() and time.monotonic() - started < timeout:
        time.sleep(0.1)
    return time.monotonic() - started, list(Article.objects.filter(pk__in=ids))


def test_twenty_slow_sites_are_fetched_at_once(sites, default_workers):
    elapsed, articles = _paste_and_wait(sites["slow"], timeout=60)
    logs = "\n".join(w.log() for w in default_workers)
    errors = [(a.status, a.error_code, a.error) for a in articles]
    assert [a.status for a in articles] == [Article.Status.READY] * SLOW_PAGES, f"{errors}\n{logs}"
    serial = SLOW_PAGES * 1.0  # waiting for the 20 answers one after another, before any extraction
    print(
        f"\n{SLOW_PAGES} pages answering after 1 s each: all ready in {elapsed:.1f} s, {elapsed / serial:.2f} x serial"
    )
    assert elapsed < 0.5 * serial


def test_one_site_gets_two_fetches_at_once_a_second_apart(sites, default_workers):
    Recorder.visits.clear()
    elapsed, articles = _paste_and_wait(sites["polite"], timeout=90)
    logs = "\n".join(w.log() for w in default_workers)
    errors = [(a.status, a.error_code, a.error) for a in articles]
    assert [a.status for a in articles] == [Article.Status.READY] * POLITE_PAGES, f"{errors}\n{logs}"
    visits = sorted(Recorder.visits)
    starts = [s for s, _ in visits]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    at_once = max(sum(1 for s, e in visits if s <= t < e) for t in starts)
    print(
        f"\n{POLITE_PAGES} pages of one host: starts {[round(s - starts[0], 2) for s in starts]} s, at most {at_once} at once"
    )
    assert len(visits) == POLITE_PAGES
    assert min(gaps) >= 0.95  # DIGEST_FETCH_HOST_INTERVAL = 1.0, less the countdown's rounding
    assert at_once <= 2  # DIGEST_FETCH_PER_HOST = 2
    assert starts[2] >= visits[0][1] - 0.05  # the third waited for a slot, not only for its turn
