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

# Every case of the folder passes today; import cases are checked by tests/test_transfer_cases.py.
OPEN: dict[str, str] = {}

OPEN_IN: dict[str, frozenset[str]] = {}

UNCHECKED_KEYS = frozenset(
    {
        # fetch: how the test server must answer (no case of the folder uses them yet)
        "routes",
        "http.retry_after_http_date_s",
        "http.then",
        "retry_after_respected",
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
