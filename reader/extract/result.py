"""What extraction returns (:class:`ExtractedArticle`) and the one error it raises (:class:`ExtractionError`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ExtractedArticle:
    """What extraction found on one page.

    ``published_at`` is timezone-aware and keeps the page's own UTC offset when it gave one; a
    date without a time becomes 00:00 UTC of that date (a UTC time is given in the zone the page
    shows its times in). ``text`` is in the stored text's format (``summaries.summarizer.blocks``):
    one paragraph, heading or list item per line, a data table's rows with tab-separated cells,
    ``<pre>`` code as a fenced block. ``extractor`` names the method that produced ``text``.
    ``language`` is an ISO 639-1 code or "". ``direction`` is how ``text`` (or, with no text, the
    title) reads: ``"rtl"`` (Hebrew, Arabic...), ``"ltr"``, or ``""`` when nothing tells; a view
    shows ``dir="auto"`` for "". ``next_page`` is the absolute address of the article's next
    page when it is split over pages (``rel="next"``, ``reader.extract.pagination``), else "":
    the fetcher's to fetch and join.
    """

    title: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    top_image: str = ""
    language: str = ""
    direction: str = ""
    text: str = ""
    paywalled: bool = False
    blocked: bool = False
    extractor: str = ""
    next_page: str = ""
    canonical_url: str = ""


class ExtractionError(Exception):
    """Extraction could not run on this input. ``code`` is for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
