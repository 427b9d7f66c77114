"""The repository's own sample news pages (``tests/fixtures/pages/``), with what tests expect of them.

Written for the tests (made-up names and places), so the e2e, browser and command tests run on a fresh
clone without ``../shared``; see ``tests/fixtures/pages/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "fixtures" / "pages"


@dataclass(frozen=True)
class SamplePage:
    """One page: its ``file`` under ``PAGES_DIR``, the ``path`` it is served at, the ``title`` and
    ``published`` date (ISO ``YYYY-MM-DD``) extraction must find, and a ``phrase`` of its body text."""

    file: str
    path: str
    title: str
    published: str
    phrase: str

    @property
    def source(self) -> Path:
        return PAGES_DIR / self.file

    def read_bytes(self) -> bytes:
        return self.source.read_bytes()


FERRY = SamplePage(
    file="ferry-reopens.html",
    path="/local/ferry-link-kessing-island-reopen-may",
    title="Ferry link to Kessing Island will reopen in May, harbour board says",
    published="2025-03-14",
    phrase="the ferry link to Kessing Island will reopen in May after two years out of service",
)

FESTIVAL = SamplePage(
    file="orchard-festival.html",
    path="/culture/orchard-festival-record-crowds",
    title="Orchard festival draws record crowds to the old market square",
    published="2025-09-21",
    phrase="the largest crowd in its forty-year history",
)

LIBRARY = SamplePage(
    file="library-hours.html",
    path="/news/brenholm-library-sunday-opening",
    title="Brenholm library opens on Sundays after readers ask for longer hours",
    published="2025-06-02",
    phrase="The public library in Brenholm will open on Sundays from July",
)
