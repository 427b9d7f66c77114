"""End to end: links pasted in the form become summaries through a real broker and worker process.

Pages are the repository's own samples (``tests/sample_pages.py``), and for the first test all the
benchmark pages of ``../shared`` (an extra layer, skipped without it), served over HTTP on 127.0.0.1;
the worker is a separate ``celery worker`` process on the test database (``celery_worker_process`` in
conftest).
"""

from __future__ import annotations

import gzip
import json
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from reader.models import Article
from summaries.models import Summary
from tests.httpserver import HTTPTestServer
from tests.sample_pages import FERRY

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def pages():
    with HTTPTestServer() as server:
        yield server


@pytest.fixture
def user(client):
    user = get_user_model().objects.create_user("reader", password="pw-reader-123")
    client.force_login(user)
    return user


def wait_until_final(ids: list[int], timeout: float) -> list[Article]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Article.objects.filter(pk__in=ids).exclude(status__in=Article.FINAL_STATUSES).exists():
            break
        time.sleep(0.5)
    return list(Article.objects.filter(pk__in=ids).order_by("pk"))


def assert_summary_is_sentences_of_text(article: Article) -> list[dict]:
    summary = Summary.objects.get(
        article=article, algorithm=settings.DIGEST_SUMMARY_ALGORITHM, sentence_count=settings.DIGEST_SUMMARY_SENTENCES
    )
    assert summary.status == Summary.Status.READY
    starts = [s["start"] for s in summary.sentences]
    assert starts == sorted(starts), "summary sentences keep document order"
    for s in summary.sentences:
        assert article.text[s["start"] : s["end"]] == s["text"]
    return summary.sentences


def test_bench_pages_and_seed_story_become_summaries(client, user, pages, shared_dir, celery_worker_process):
    from bench.extraction import score

    bench = shared_dir / "bench" / "extraction"
    truth = json.loads((bench / "ground-truth.json").read_text())
    urls = {}
    for page_id in sorted(truth):
        body = gzip.decompress((bench / "html" / f"{page_id}.html.gz").read_bytes())
        urls[page_id] = pages.add(
            f"/bench/{page_id}",
            body,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
    seed = shared_dir / "cases" / "00-seed-paris-summit.html"
    seed_url = pages.add_file("/world/26-nations-pledge-security-support-ukraine-macron", seed)

    started = time.monotonic()
    response = client.post("/articles/", {"urls": "\n".join([*urls.values(), seed_url])})
    assert response.status_code == 302
    ids = list(Article.objects.filter(owner=user).values_list("pk", flat=True))
    assert len(ids) == len(urls) + 1
    articles = wait_until_final(ids, timeout=600)
    elapsed = time.monotonic() - started
    print(f"\n{len(ids)} pages from paste to final state in {elapsed:.1f} s")

    not_final = [a.url for a in articles if a.status not in Article.FINAL_STATUSES]
    assert not not_final, f"still pending: {not_final[:5]}\n{celery_worker_process.log()}"
    by_url = {a.url: a for a in articles}

    f1s = []
    for page_id, url in urls.items():
        article = by_url[url]
        precision, recall = score(article.text, truth[page_id]["articleBody"])
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        if article.status == Article.Status.READY:
            assert_summary_is_sentences_of_text(article)
    mean_f1 = sum(f1s) / len(f1s)
    print(f"mean F1 of extracted text through the pipeline: {mean_f1:.3f}")
    assert mean_f1 >= 0.88

    story = by_url[seed_url]
    assert story.status == Article.Status.READY, story.error
    assert story.title == "26 nations have pledged post-war security support for Ukraine: Macron"
    assert story.published_at is not None and story.published_at.date().isoformat() == "2025-09-05"
    assert "LOADING" not in story.text and "Summarize" not in story.text
    assert len(assert_summary_is_sentences_of_text(story)) == 3

    # what a person sees: every ready row on the list page shows its summary
    page = client.get("/").content.decode()
    assert story.title in page


def test_failures_are_readable_and_spare_the_rest(client, user, pages, celery_worker_process):
    good = pages.add_file("/good/story", FERRY.source)
    missing = pages.url("/nothing-here")
    slow = pages.add(
        "/slow",
        b"<html>" + b" " * 4000,
        headers={"Content-Type": "text/html"},
        chunk_bytes=10,
        interval_s=3,
    )
    audio = pages.add("/live.mp3", b"ID3" + b"\0" * 3000, headers={"Content-Type": "audio/mpeg"})
    private = "http://10.255.0.1/internal"
    client.post("/articles/", {"urls": " ".join([good, missing, slow, audio, private])})
    articles = {a.url: a for a in wait_until_final(list(Article.objects.values_list("pk", flat=True)), 90)}

    assert articles[good].status == Article.Status.READY, (articles[good].error, celery_worker_process.log())
    for url in (missing, slow, audio, private):
        article = articles[url]
        assert article.status == Article.Status.FAILED, (
            url,
            article.status,
            celery_worker_process.log(),
        )
        assert article.error and article.error.endswith(".")
    assert articles[missing].error_code == "http_404"
    assert articles[slow].error_code == "timeout" and articles[slow].attempts == 2  # retried, then gave up
    assert articles[audio].error_code == "unsupported_type"
    assert articles[private].error_code == "private_address"

    page = client.get("/").content.decode()
    for url in (missing, slow, audio, private):
        assert articles[url].error in page
    assert page.count(">Retry</button>") == 4


def test_killed_worker_leaves_nothing_pending(client, user, pages, celery_worker_process):
    seed = FERRY.read_bytes()
    # Slow enough to be caught mid-fetch: 200 pieces, 1.5 s apart.
    url = pages.add(
        "/hang",
        seed,
        headers={"Content-Type": "text/html"},
        chunk_bytes=max(1, len(seed) // 200),
        interval_s=1.5,
    )
    client.post("/articles/", {"urls": url})
    article = Article.objects.get(owner=user)
    deadline = time.monotonic() + 30
    while Article.objects.get(pk=article.pk).status != Article.Status.FETCHING:
        assert time.monotonic() < deadline, celery_worker_process.log()
        time.sleep(0.1)
    celery_worker_process.kill()
    assert Article.objects.get(pk=article.pk).status == Article.Status.FETCHING  # left mid-way
    pages.add("/hang", seed, headers={"Content-Type": "text/html"})  # the site is quick again
    celery_worker_process.start()
    article = wait_until_final([article.pk], timeout=60)[0]
    assert article.status == Article.Status.READY, (
        article.status,
        article.error,
        celery_worker_process.log(),
    )
    assert article.title.startswith("Ferry link")
