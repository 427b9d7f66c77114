"""The shared cases that are about fetching and saving: each is served by a real HTTP server on
127.0.0.1 as its ``http`` block says (browser-header checks, broken compression, pages split over
``rel="next"``, AMP and canonical addresses), its URLs are saved through the pipeline in this process
(``save_urls``, then ``steps.process_article``: fetch, extract, dedupe, summarize), and the saved
articles are checked against every key of the case. A key this runner does not know fails the run.
Without the shared folder every test here is skipped with the ``cases_dir`` fixture's one reason.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model

from reader.models import Article
from reader.pipeline import saving, steps
from summaries import summarizer
from tests.conftest import SHARED
from tests.httpserver import HTTPTestServer
from tests.open_cases import case_keys, case_params

pytestmark = pytest.mark.django_db

# The keys of the cases that only a save through the fetcher can check.
FETCH_KEYS = {
    "settings",
    "extra_files",
    "http.require_request_headers",
    "http.otherwise",
    "http.gzip_header_only_if_accepted",
    "http.body_gzip",
    "same_article_after_fetch",
    "different_article_after_fetch",
    "saved_url_kept",
}
# Every key this runner reads; the others of a case file fail the run.
CHECKED = FETCH_KEYS | {
    "case",
    "input",
    "url",
    "note",
    "http",
    "http.status",
    "http.headers",
    "rewrite_host_for_loopback",
    "max_seconds",
    "must_not_raise",
    "title",
    "text_contains",
    "text_not_contains",
    "text_in_order",
    "summary_language",
    "summary_sentences",
}
# Settings a case may set, and their types.
SETTING_TYPES = {"DIGEST_RETRY_BACKOFF": float, "DIGEST_MAX_ATTEMPTS": int}

CASES = SHARED / "cases"


def _fetch_cases() -> list[str]:
    names = []
    for expect in sorted(CASES.glob("*.expect.json")):
        case = json.loads(expect.read_text(encoding="utf-8"))
        if case.get("input") and case_keys(case) & FETCH_KEYS:
            names.append(expect.name.removesuffix(".expect.json"))
    return names


def _local(server: HTTPTestServer, url: str) -> str:
    """The case's address on the test server: http, the server's port, host and path kept."""
    parts = urlsplit(url)
    return urlunsplit(("http", f"{parts.hostname}:{server.port}", parts.path, parts.query, ""))


def _save_and_process(user, url: str, deadline: float) -> Article:
    """Save ``url`` for ``user`` and run the pipeline on it until it is ready or failed, retries made
    due at once (the case's ``max_seconds`` bounds the whole save, waits included)."""
    article = saving.save_urls(user=user, text=url).in_order[0]
    while time.monotonic() < deadline:
        delay = steps.process_article(article.pk)
        article = Article.objects.get(pk=article.pk)
        if delay is None or article.status in Article.FINAL_STATUSES:
            return article
        Article.objects.filter(pk=article.pk).update(next_attempt_at=None)
    pytest.fail(f"{url} was still {article.status} past the case's time limit")


@pytest.mark.parametrize("name", case_params(_fetch_cases(), "fetch") or ["no-cases-found"])
def test_case_saved_through_the_fetcher(cases_dir: Path, name: str, http_server: HTTPTestServer, settings) -> None:
    expect_path = cases_dir / f"{name}.expect.json"
    assert expect_path.is_file(), f"no fetch cases found in {cases_dir}"
    case = json.loads(expect_path.read_text(encoding="utf-8"))
    unknown = case_keys(case) - CHECKED
    assert not unknown, f"{name}: keys this runner does not know: {sorted(unknown)}"
    for setting, value in (case.get("settings") or {}).items():
        setattr(settings, setting, SETTING_TYPES[setting](value))
    http_server.add_case(expect_path, rewrite_own_links=True)
    settings.DIGEST_RESOLVE = http_server.resolve_map()
    user = get_user_model().objects.create_user(f"case-{name[:20]}")
    started = time.monotonic()
    deadline = started + float(case.get("max_seconds", 60))

    groups = case.get("same_article_after_fetch") or case.get("different_article_after_fetch") or [[case["url"]]]
    saved: dict[str, Article] = {}
    for group in groups:
        for address in group:
            local = _local(http_server, address)
            saved[local] = _save_and_process(user, local, deadline)
    assert time.monotonic() - started < float(case.get("max_seconds", 60)), name
    live = list(Article.objects.for_user(user))

    if case.get("same_article_after_fetch"):
        assert len(live) == 1, f"{name}: {[a.url for a in live]} should be one article"
    for group in case.get("different_article_after_fetch", []):
        assert len(live) == len(group), f"{name}: {[a.url for a in live]} should be {len(group)} articles"
        assert {a.title for a in live} and len({a.title for a in live}) == len(group), name
    if case.get("saved_url_kept"):
        assert {a.url for a in live} <= set(saved), name

    article = next(a for a in live if a.url == _local(http_server, case["url"])) if len(live) > 1 else live[0]
    assert article.status == Article.Status.READY, f"{name}: {article.status} {article.error}"
    if "title" in case:
        assert article.title == case["title"], name
    for needle in case.get("text_contains", []):
        assert needle in article.text, f"{name}: {needle!r} missing"
    for needle in case.get("text_not_contains", []):
        assert needle not in article.text, f"{name}: {needle!r} present"
    position = 0
    for needle in case.get("text_in_order", []):
        found = article.text.find(needle, position)
        assert found >= 0, f"{name}: {needle!r} missing, or not after the strings before it"
        position = found + len(needle)
    if "summary_sentences" in case:
        chosen = summarizer.summarize(
            article.text, language=case.get("summary_language", "en"), sentences=case["summary_sentences"]
        )
        assert len(chosen) == case["summary_sentences"], name
    for header, pattern in ((case.get("http") or {}).get("require_request_headers") or {}).items():
        # The page came from a request that sent what the server wants.
        assert any(header.lower() in r.headers for r in http_server.requests), (name, header, pattern)
