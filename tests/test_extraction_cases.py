"""Every case in ``shared/cases`` whose expectations concern extraction, run through ``extract``.

Each case file lists what a correct save gives; here the extraction keys are checked on the
case's input bytes. Keys that belong to other layers are named in ``OTHER_LAYERS``; a key in
neither set fails the run, so no expectation is skipped silently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reader.extract import ExtractedArticle, extract
from tests.conftest import SHARED

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
    "must_flag_paywalled",
    "must_flag_blocked",
}
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
# Checked by the fetcher, summarizer, sentence splitter or URL canonicalisation tests.
OTHER_LAYERS = {
    "rewrite_host_for_loopback",
    "stream",
    "request_timeout_s",
    "max_seconds",
    "summary_language",
    "summary_sentences",
    "summary_sentences_requested",
    "summary_in_document_order",
    "summarizers",
    "sentence_count",
    "sentences_must_not_start_with",
    "expected_max_sentences",
    "doc_sentences_must_include",
    "same_canonical",
    "different_canonical",
}
KNOWN_KEYS = EXTRACTION_KEYS | CASE_KEYS | OTHER_LAYERS

CASES_DIR = SHARED / "cases"


def _case_names() -> list[str]:
    # Collected at import time (parametrize needs names); the fixture still fails clearly when
    # the folder is missing.
    return sorted(p.name.removesuffix(".expect.json") for p in CASES_DIR.glob("*.expect.json"))


def _load(cases_dir: Path, name: str) -> dict:
    path = cases_dir / f"{name}.expect.json"
    if not path.is_file():
        pytest.fail(f"case file {path} not found")
    return json.loads(path.read_text("utf8"))


def _saved_page(cases_dir: Path, case: dict) -> tuple[bytes, str, str | None]:
    """Bytes, content type and charset of the page the save ends on.

    A redirect stub (``extra_files``) is followed by the fetcher; the page saved is the extra
    file whose path the stub points to.
    """
    body = (cases_dir / case["input"]).read_bytes()
    for path, file_name in (case.get("extra_files") or {}).items():
        if path.encode() in body:
            body = (cases_dir / file_name).read_bytes()
            break
    content_type = (case.get("http") or {}).get("headers", {}).get("Content-Type", "")
    if not content_type:
        content_type = "application/pdf" if body.startswith(b"%PDF") else "text/html"
    match = re.search(r"charset=([\w.:-]+)", content_type, re.IGNORECASE)
    return body, content_type, match.group(1) if match else None


def test_cases_are_found(cases_dir: Path) -> None:
    # The parametrized tests below would be skipped, not failed, if the folder were empty.
    assert _case_names(), f"no *.expect.json cases in {cases_dir}"
    assert _extraction_cases(), "no case concerns extraction"


@pytest.mark.parametrize("name", _case_names())
def test_case_keys_are_known(cases_dir: Path, name: str) -> None:
    case = _load(cases_dir, name)
    unknown = set(case) - KNOWN_KEYS
    assert not unknown, f"{name}: keys nobody checks: {sorted(unknown)}"


def _extraction_cases() -> list[str]:
    names = []
    for name in _case_names():
        case = json.loads((CASES_DIR / f"{name}.expect.json").read_text("utf8"))
        if case.get("input") and set(case) & EXTRACTION_KEYS:
            names.append(name)
    return names


@pytest.mark.parametrize("name", _extraction_cases())
def test_case_extraction(cases_dir: Path, name: str) -> None:
    case = _load(cases_dir, name)
    body, content_type, charset = _saved_page(cases_dir, case)
    article = extract(body, case["url"], content_type=content_type, charset=charset)
    _check(case, article)


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
