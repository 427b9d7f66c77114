"""Every case in ``shared/cases`` whose expectations concern extraction, run through ``extract``.

Each case file lists what a correct save gives; here the extraction keys are checked on the
case's input bytes. Keys that belong to other layers are named in ``OTHER_LAYERS`` (and, inside
``http``, in ``HTTP_KEYS``); a key in none of them fails the run, so no expectation is skipped
silently, and a case with a key that no test checks yet must be in ``tests.open_cases.OPEN``.
Cases open in the extraction layer (``OPEN_IN``) are expected to fail here (strict xfail).
Without the shared folder every test here is skipped with the ``cases_dir`` fixture's one reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from reader.extract import ExtractedArticle, extract
from reader.pages.multipart import MULTIPAGE_TYPE, Page, pack_pages
from reader.pages.sniff import parse_content_type
from summaries import summarizer
from tests.conftest import SHARED
from tests.open_cases import LAYERS, OPEN, OPEN_IN, UNCHECKED_KEYS, case_keys, case_params

EXTRACTION_KEYS = {
    "title",
    "title_one_of",
    "title_must_not_be",
    "authors",
    "authors_not_contains",
    "publish_date",
    "top_image",
    "text_contains",
    "text_not_contains",
    "text_in_order",
    "text_max_occurrences",
    "language",
    "text_direction",
    "must_flag_paywalled",
    "must_flag_blocked",
}
# The summary of the extracted text (cases whose input is a page; text inputs are the summarizer
# runner's, tests/test_summarizer_cases.py).
SUMMARY_KEYS = {"summary_language", "summary_sentences", "summary_sentences_requested", "summarizers"}
# Describe the case or how to serve it; used here to find the input and its content type.
CASE_KEYS = {
    "case",
    "input",
    "input_is_bytes",
    "url",
    "note",
    "http",
    "extra_files",
    "must_not_raise",
}
# Checked by the fetcher, summarizer, sentence splitter, URL canonicalisation or import tests (or
# by nobody yet: ``tests.open_cases.UNCHECKED_KEYS``).
OTHER_LAYERS = {
    # fetch
    "rewrite_host_for_loopback",
    "stream",
    "request_timeout_s",
    "max_seconds",
    "settings",
    "routes",
    "retry_after_respected",
    "same_article_after_fetch",
    "different_article_after_fetch",
    "saved_url_kept",
    "same_canonical",
    "different_canonical",
    # summary and sentence splitting
    *SUMMARY_KEYS,
    "summary_in_document_order",
    "summary_lines_only",
    "summary_includes_one_of",
    "summarizers",
    "sentence_count",
    "sentences_must_not_start_with",
    "expected_max_sentences",
    "doc_sentences_must_include",
    # import
    "import_format",
    "entries",
}
# Keys inside ``http``: how the test server answers (tests/httpserver.py serves status, headers
# and stream; the others belong to fetch tests).
HTTP_KEYS = {
    "http.status",
    "http.headers",
    "http.stream",
    "http.require_request_headers",
    "http.otherwise",
    "http.gzip_header_only_if_accepted",
    "http.body_gzip",
    "http.retry_after_http_date_s",
    "http.then",
}
KNOWN_KEYS = EXTRACTION_KEYS | CASE_KEYS | OTHER_LAYERS | HTTP_KEYS
# The parameter when the folder has no case: the test still asks for ``cases_dir``, whose skip
# (folder missing) or failure (no case file) is then the one report.
NO_CASES = "no-cases-found"

CASES_DIR = SHARED / "cases"


def _case_names() -> list[str]:
    # Collected at import time (parametrize needs names); the cases_dir fixture then skips, or
    # fails with DIGEST_REQUIRE_SHARED=1, when the folder is missing.
    return sorted(p.name.removesuffix(".expect.json") for p in CASES_DIR.glob("*.expect.json"))


def _load(cases_dir: Path, name: str) -> dict:
    path = cases_dir / f"{name}.expect.json"
    if not path.is_file():
        pytest.fail(f"case file {path} not found")
    return json.loads(path.read_text("utf8"))


def _saved_page(cases_dir: Path, case: dict) -> tuple[bytes, str, str | None]:
    """Bytes, content type and charset of the page the save ends on.

    A redirect stub (a meta refresh or a script setting ``location``) is followed by the fetcher;
    the page saved is the extra file whose path the stub points to. The next pages of an article
    split over pages (``rel="next"``) are joined as the fetcher stores them (``reader.pages.multipart``).
    Other extra files (an AMP version, another story) are pages of their own, not the one saved.
    """
    body = (cases_dir / case["input"]).read_bytes()
    pages: list[Page] = []
    for path, file_name in (case.get("extra_files") or {}).items():
        if _redirects_to(body, path):
            body = (cases_dir / file_name).read_bytes()
            break
        if _links_next(body, path):
            pages.append(Page(urljoin(case["url"], path), "text/html", None, (cases_dir / file_name).read_bytes()))
    content_type = (case.get("http") or {}).get("headers", {}).get("Content-Type", "")
    if not content_type:
        content_type = "application/pdf" if body.startswith(b"%PDF") else "text/html"
    match = re.search(r"charset=([\w.:-]+)", content_type, re.IGNORECASE)
    charset = match.group(1) if match else None
    if pages:
        first = Page(case["url"], parse_content_type(content_type)[0], charset, body)
        return pack_pages([first, *pages]), MULTIPAGE_TYPE, None
    return body, content_type, charset


def _links_next(body: bytes, path: str) -> bool:
    """The page names ``path`` (perhaps as an absolute address) as its next page (``rel="next"``)."""
    tags = re.findall(rb"<(?:link|a)\b[^>]*>", body, re.IGNORECASE)
    return any(re.search(rb"rel=[\"']?next\b", tag) and path.encode() + b'"' in tag for tag in tags)


def _redirects_to(body: bytes, path: str) -> bool:
    """The page is a stub sending the reader to ``path``: a meta refresh, or a script that sets
    ``location``, names it."""
    target = path.encode()
    if any(target in tag for tag in re.findall(rb"<meta[^>]*refresh[^>]*>", body, re.IGNORECASE)):
        return True
    scripts = re.findall(rb"<script[^>]*>(.*?)</script>", body, re.IGNORECASE | re.DOTALL)
    return any(b"location" in script and target in script for script in scripts)


def test_cases_are_found(cases_dir: Path) -> None:
    # The parametrized tests below would be skipped, not failed, if the folder were empty.
    assert _case_names(), f"no *.expect.json cases in {cases_dir}"
    assert _extraction_cases(), "no case concerns extraction"


@pytest.mark.parametrize("name", _case_names() or [NO_CASES])
def test_case_keys_are_known(cases_dir: Path, name: str) -> None:
    case = _load(cases_dir, name)
    keys = case_keys(case)
    unknown = keys - KNOWN_KEYS
    assert not unknown, f"{name}: keys nobody checks: {sorted(unknown)}"
    unchecked = keys & UNCHECKED_KEYS
    assert not unchecked or name in OPEN, (
        f"{name}: keys no test checks yet: {sorted(unchecked)}; check them, or add the case to tests/open_cases.OPEN"
    )


def test_open_cases_registry_is_consistent() -> None:
    assert OPEN.keys() == OPEN_IN.keys()
    assert all(layers and layers <= LAYERS for layers in OPEN_IN.values()), OPEN_IN
    assert all(reason.startswith("issue ") for reason in OPEN.values())
    assert UNCHECKED_KEYS <= OTHER_LAYERS | HTTP_KEYS


def test_open_cases_are_cases(cases_dir: Path) -> None:
    # A case renamed or removed must not leave its line behind.
    assert not set(OPEN) - set(_case_names()), sorted(set(OPEN) - set(_case_names()))


def _extraction_cases() -> list[str]:
    names = []
    for name in _case_names():
        case = json.loads((CASES_DIR / f"{name}.expect.json").read_text("utf8"))
        source = case.get("input") or ""
        if source.endswith((".html", ".pdf")) and set(case) & (EXTRACTION_KEYS | SUMMARY_KEYS):
            names.append(name)
    return names


@pytest.mark.parametrize("name", case_params(_extraction_cases(), "extraction") or [NO_CASES])
def test_case_extraction(cases_dir: Path, name: str) -> None:
    case = _load(cases_dir, name)
    body, content_type, charset = _saved_page(cases_dir, case)
    article = extract(body, case["url"], content_type=content_type, charset=charset)
    _check(case, article)
    _check_summary(case, article)


def _check_summary(case: dict, article: ExtractedArticle) -> None:
    """The summary of the extracted text: ``summary_sentences`` sentences (of
    ``summary_sentences_requested``) in ``summary_language``, from the default and each of ``summarizers``."""
    if not SUMMARY_KEYS & set(case):
        return
    language = case.get("summary_language", article.language or "en")
    requested = case.get("summary_sentences_requested", case.get("summary_sentences", 3))
    sentences = summarizer.split_sentences(article.text, language)
    for algorithm in dict.fromkeys([summarizer.DEFAULT_ALGORITHM, *case.get("summarizers", [])]):
        summary = summarizer.summarize(article.text, language=language, algorithm=algorithm, sentences=requested)
        assert set(summary) <= set(sentences), (case["case"], algorithm)
        if "summary_sentences" in case:
            assert len(summary) == case["summary_sentences"], (case["case"], algorithm, [s.text for s in summary])


def _cases_with_extra_files() -> list[str]:
    return [
        name
        for name in _case_names()
        if json.loads((CASES_DIR / f"{name}.expect.json").read_text("utf8")).get("extra_files")
    ]


@pytest.mark.parametrize("name", _cases_with_extra_files() or [NO_CASES])
def test_case_next_page(cases_dir: Path, name: str) -> None:
    """A page split over pages names its next one (for the fetcher to join); a page whose extra
    files are a redirect's target, its AMP copy or another story names none."""
    case = _load(cases_dir, name)
    body = (cases_dir / case["input"]).read_bytes()
    tags = re.findall(rb"<(?:link|a)\b[^>]*>", body, re.IGNORECASE)
    wanted = ""
    for path in case["extra_files"]:
        if any(re.search(rb"rel=[\"']?next\b", tag) and f'href="{path}"'.encode() in tag for tag in tags):
            wanted = urljoin(case["url"], path)
            break
    content_type = (case.get("http") or {}).get("headers", {}).get("Content-Type", "text/html")
    article = extract(body, case["url"], content_type=content_type)
    assert article.next_page == wanted


def _check(case: dict, article: ExtractedArticle) -> None:
    name = case.get("case", "")
    if "title" in case:
        assert article.title == case["title"], name
    if "title_one_of" in case:
        assert article.title in case["title_one_of"], name
    if "title_must_not_be" in case:
        assert article.title != case["title_must_not_be"], name
    if "authors" in case:
        assert article.authors == case["authors"], name
    for bad in case.get("authors_not_contains", []):
        assert bad not in article.authors, name
        assert all(bad.lower() not in a.lower() for a in article.authors), name
    if "publish_date" in case:
        assert article.published_at is not None, name
        assert article.published_at.tzinfo is not None, name
        assert article.published_at.date().isoformat() == case["publish_date"], name
    if "top_image" in case:
        assert article.top_image == case["top_image"], name
    for needle in case.get("text_contains", []):
        assert needle in article.text, f"{name}: {needle!r} missing"
    position = 0
    for needle in case.get("text_in_order", []):
        found = article.text.find(needle, position)
        assert found >= 0, f"{name}: {needle!r} missing, or not after the strings before it"
        position = found + len(needle)
    for needle, most in (case.get("text_max_occurrences") or {}).items():
        assert article.text.count(needle) <= most, f"{name}: {needle!r} more than {most} times"
    if "language" in case:
        assert article.language == case["language"], name
    if "text_direction" in case:
        assert article.direction == case["text_direction"], name
    for needle in case.get("text_not_contains", []):
        assert needle not in article.text, f"{name}: {needle!r} present"
        assert needle not in article.title, f"{name}: {needle!r} in title"
    if case.get("must_flag_paywalled"):
        assert article.paywalled, name
    if case.get("must_flag_blocked"):
        assert article.blocked, name
        assert not article.text, name


def test_blocked_by_page_markers_alone(cases_dir: Path) -> None:
    """The interstitial is recognised from its HTML, whatever status and headers came with it."""
    case = _load(cases_dir, "11-bot-challenge-interstitial")
    body = (cases_dir / case["input"]).read_bytes()
    article = extract(body, case["url"], content_type="text/html")
    assert article.blocked
    assert article.title != "Just a moment..."
