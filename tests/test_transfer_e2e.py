"""End to end: an import through a real broker and real worker processes.

- A Pocket zip uploaded in the background is read, stored and fed to the worker: its links are fetched
  from a real HTTP server on 127.0.0.1 and summarized; a dead link fails with a reason; the job ends
  ``done`` with the counts the page shows.
- An Omnivore zip's pages are summarized from the file (its hosts do not resolve here) and keep their
  highlights.
- A person's new paste is fetched before an import's waiting links: the fetch worker, as
  ``fetch_worker_command`` starts it, empties ``DIGEST_FETCH_QUEUE`` before it takes from
  ``DIGEST_IMPORT_QUEUE``.
"""

from __future__ import annotations

import io
import time
import uuid
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import override_settings

from config.celery import fetch_worker_command, sending_to
from reader import selectors
from reader.models import Article, ImportJob
from reader.pipeline import importing
from reader.pipeline.saving import import_upload, save_urls
from reader.pipeline.tasks import enqueue
from tests.conftest import database_url_for_worker
from tests.httpserver import HTTPTestServer
from tests.sample_pages import FERRY, FESTIVAL, LIBRARY
from tests.services import QUIET, Process, digest_env
from tests.transfer_samples import omnivore_zip

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
Status = Article.Status


@pytest.fixture(scope="module")
def pages():
    with HTTPTestServer() as server:
        yield server


def pocket_zip_for(urls: list[str]) -> bytes:
    rows = ["title,url,time_added,cursor,tags,status"]
    rows += [f"Story {n},{url},{1700000000 + n * 86400},{n},imported|pocket,unread" for n, url in enumerate(urls)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("part_000000.csv", "\n".join(rows) + "\n")
    return out.getvalue()


def wait_finished(job: ImportJob, timeout: float) -> selectors.ImportProgress:
    deadline = time.monotonic() + timeout
    while True:
        progress = selectors.import_progress(ImportJob.objects.get(pk=job.pk))
        if progress.finished or time.monotonic() > deadline:
            return progress
        time.sleep(0.3)


def test_a_pocket_zip_is_imported_fetched_and_summarized_by_the_worker(pages, celery_worker_process):
    user = get_user_model().objects.create_user("pocketeer")
    urls = [pages.add_file(f"/pocket/{n}", page.source) for n, page in enumerate((FERRY, FESTIVAL, LIBRARY))]
    urls.append(pages.add("/pocket/gone", b"not here", status=404))
    job = import_upload(user=user, upload=ContentFile(pocket_zip_for(urls), name="pocket.zip"), name="pocket.zip")
    progress = wait_finished(job, timeout=90)
    job = progress.job
    assert progress.finished, celery_worker_process.log()
    assert (job.state, job.format, job.created, progress.fetched, progress.failed) == ("done", "pocket_zip", 4, 3, 1)
    ferry = Article.objects.get(owner=user, url=urls[0])
    assert ferry.status == Status.READY and ferry.title == FERRY.title and ferry.summaries.get().status == "ready"
    assert ferry.created_at.timestamp() == 1700000000 and sorted(t.name for t in ferry.tags.all()) == [
        "imported",
        "pocket",
    ]
    assert "404" in Article.objects.get(owner=user, url=urls[3]).error
    assert not job.file  # the uploaded file is gone once read


def test_an_omnivore_zip_is_summarized_from_its_pages_without_a_fetch(celery_worker_process):
    user = get_user_model().objects.create_user("omni")
    job = import_upload(user=user, upload=ContentFile(omnivore_zip(), name="omnivore.zip"), name="omnivore.zip")
    progress = wait_finished(job, timeout=90)
    assert progress.finished, celery_worker_process.log()
    bees = Article.objects.get(owner=user, url="https://valley.example.org/beekeepers-good-year")
    assert bees.status == Status.READY and bees.summaries.get().status == "ready"
    assert "> many hives producing twice the honey" in bees.notes
    letter = Article.objects.get(owner=user, url__startswith="https://omnivore.app/no_url")
    assert letter.status == Status.READY and "mill wheel" in letter.text
    # The one link without its page is fetched, and fails here (no network): said on the article.
    grants = Article.objects.get(owner=user, url="https://valley.example.org/orchard-grants")
    assert grants.status == Status.FAILED and grants.error
    assert (progress.fetched, progress.failed, progress.job.invalid) == (2, 1, 1)


def test_a_new_paste_is_fetched_before_the_links_an_import_is_waiting_on(broker, pages, tmp_path):
    fetch_queue, import_queue = (f"digest-order-{uuid.uuid4().hex[:6]}-{name}" for name in ("fetch", "import"))
    user = get_user_model().objects.create_user("orderly")
    urls = [pages.add_file(f"/order/{n}", FERRY.source) for n in range(6)]
    # Read here, its feed run here too: no message reaches the session's worker.
    upload = ContentFile("\n".join(urls[:5]).encode(), name="links.txt")
    job = importing.create_job(user=user, upload=upload, name="links.txt")
    importing.read_import(job.pk, token="here")
    with sending_to(f"{fetch_queue}-cpu", fetch_queue):
        ids, _ = importing.feed(job.pk, token="here")
        assert len(ids) == 5
        enqueue(ids, queue=import_queue)
        paste = save_urls(user=user, text=urls[5]).created[0]
    env = {
        "DIGEST_QUEUE": f"{fetch_queue}-cpu",
        "DIGEST_FETCH_QUEUE": fetch_queue,
        "DIGEST_IMPORT_QUEUE": import_queue,
        "DIGEST_FETCH_HOST_INTERVAL": "0",
        "DIGEST_FETCH_PER_HOST": "0",
    }
    with override_settings(
        DIGEST_QUEUE=f"{fetch_queue}-cpu", DIGEST_FETCH_QUEUE=fetch_queue, DIGEST_IMPORT_QUEUE=import_queue
    ):
        command = fetch_worker_command(concurrency=1, extra=QUIET)
    assert command[command.index("--queues") + 1] == f"{fetch_queue},{import_queue}"
    env = digest_env(database_url_for_worker(), broker["url"], DIGEST_PRIVATE_NETWORKS_ALLOWED="127.0.0.0/8", **env)
    worker = Process("fetch", command, env, tmp_path)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        everything = Article.objects.filter(owner=user)
        while everything.filter(fetched_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        fetched = dict(everything.values_list("pk", "fetched_at"))
        assert all(fetched.values()), worker.log()
        assert fetched[paste.pk] < min(fetched[pk] for pk in ids), worker.log()
    finally:
        worker.stop()
