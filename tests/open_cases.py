"""Shared cases (``../shared/cases``) that are known to fail, or that no test checks yet, and why.

One registry for every case runner (extraction, summarizer, fetch, import), so that an open case
is written down once, with its issue and what is missing, and is closed by deleting its line:

* ``OPEN``: case name -> reason (the issue, and what is missing);
* ``OPEN_IN``: case name -> the layers (``LAYERS``) where it is open: a runner of one layer marks
  the case ``xfail(strict=True)`` there (:func:`case_params`), so it reports the case as expected to
  fail today and fails the run the day the case passes, until its line here goes;
* ``UNCHECKED_KEYS``: keys of the case files (``http.*`` for keys inside ``http``) that no test
  checks yet. ``tests/test_extraction_cases.py`` fails for a case that has one of these keys and
  is not in ``OPEN``, so no expectation is skipped silently; when a runner starts checking a key,
  it leaves this set.
"""

from __future__ import annotations

import pytest

LAYERS = frozenset({"extraction", "fetch", "summary", "import"})

OPEN: dict[str, str] = {
    "50-summary-text-mostly-list": (
        "issue 13: the summarizer case runner does not check summary_lines_only (no summary sentence spans two "
        "lines) nor summary_includes_one_of (a 3-sentence summary of a checklist includes a list item) yet"
    ),
    "52-fetch-multipage-rel-next": (
        "issue 13: pages split over rel=next are not joined yet (the fetcher must follow rel=next on the same "
        "site, through the same fetch checks, up to a limit from settings, and extract the pages' text in order "
        "without the pagination links)"
    ),
    "55-fetch-needs-browser-headers": (
        "issue 13: no fetch test serves this case yet (http.require_request_headers, http.otherwise, settings): "
        "the fetcher must send browser-like Accept and Accept-Language headers from settings, or retry with them "
        "after a 403/500"
    ),
    "56-fetch-gzip-header-plain-body": (
        "issue 13: no fetch test serves this case yet (http.gzip_header_only_if_accepted): a Content-Encoding: "
        "gzip header on a plain body must be read as plain HTML or fetched again without Accept-Encoding, not "
        "end in a urllib3 error"
    ),
    "57-fetch-gzip-body-without-header": (
        "issue 13: no fetch test serves this case yet (http.body_gzip): a gzip body sent without "
        "Content-Encoding must be decompressed (within the size cap), not saved as binary text"
    ),
    "58-dedupe-amp-and-canonical": (
        "issue 13: no test saves this case's URLs yet (same_article_after_fetch): after fetching, the page's "
        "canonical link and final URL must be matched against the person's other articles, so the AMP page and "
        "the normal page end as one article"
    ),
    "60-dedupe-sitewide-canonical-homepage": (
        "issue 13: no test saves this case's URLs yet (different_article_after_fetch, saved_url_kept): a "
        "sitewide canonical pointing at the home page must not merge two stories, and each keeps its saved URL"
    ),
    "61-import-pocket-csv": "issue 11: no importer yet, so no test reads the import case files (import_format, entries)",
    "62-import-netscape-bookmarks": "issue 11: no importer yet, so no test reads the import case files (import_format, entries)",
    "64-import-wallabag-json": "issue 11: no importer yet, so no test reads the import case files (import_format, entries)",
}

OPEN_IN: dict[str, frozenset[str]] = {
    "50-summary-text-mostly-list": frozenset({"summary"}),
    "52-fetch-multipage-rel-next": frozenset({"extraction", "fetch"}),
    "55-fetch-needs-browser-headers": frozenset({"fetch"}),
    "56-fetch-gzip-header-plain-body": frozenset({"fetch"}),
    "57-fetch-gzip-body-without-header": frozenset({"fetch"}),
    "58-dedupe-amp-and-canonical": frozenset({"fetch"}),
    "60-dedupe-sitewide-canonical-homepage": frozenset({"fetch"}),
    "61-import-pocket-csv": frozenset({"import"}),
    "62-import-netscape-bookmarks": frozenset({"import"}),
    "64-import-wallabag-json": frozenset({"import"}),
}

UNCHECKED_KEYS = frozenset(
    {
        # fetch: how the test server must answer, and what saving the URLs must give
        "settings",
        "routes",
        "http.require_request_headers",
        "http.otherwise",
        "http.gzip_header_only_if_accepted",
        "http.body_gzip",
        "http.retry_after_http_date_s",
        "http.then",
        "retry_after_respected",
        "same_article_after_fetch",
        "different_article_after_fetch",
        "saved_url_kept",
        # summary
        "summary_lines_only",
        "summary_includes_one_of",
        # import
        "import_format",
        "entries",
    }
)


def case_keys(case: dict) -> set[str]:
    """The keys of one case file: its top-level keys, and ``http.<key>`` for each key inside ``http``."""
    keys = set(case)
    http = case.get("http")
    if isinstance(http, dict):
        keys |= {f"http.{key}" for key in http}
    return keys


def case_params(names: list[str], layer: str) -> list:
    """``names`` as pytest parameters, each open in ``layer`` marked ``xfail(strict=True)`` with its reason.

    Inputs: case names (``"52-fetch-multipage-rel-next"``), a layer of ``LAYERS``. Output: one
    ``pytest.param`` per name, with the name as its id. Raises ``ValueError`` for an unknown layer.
    """
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; one of {sorted(LAYERS)}")
    return [
        pytest.param(name, id=name, marks=[pytest.mark.xfail(strict=True, reason=OPEN[name])])
        if layer in OPEN_IN.get(name, ())
        else pytest.param(name, id=name)
        for name in names
    ]
