"""The article's publication date: the page's own metadata first, an unambiguous date in the URL last."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html

_DATE_META_KEYS = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "publishdate", "pubdate", "publish-date", "publication_date", "date", "dc.date.issued",
    "dc.date", "dcterms.date", "dcterms.created", "sailthru.date", "parsely-pub-date",
    "article.published", "article_date_original", "cxenseparse:recs:publishtime", "dc.date.created",
)  # fmt: skip
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|[-_])")
# Years a web article can carry; anything else is a parse of something that is not a date.
_FIRST_YEAR, _LAST_YEAR = 1990, 2100
# Longer strings are prose, not a date.
_MAX_DATE_CHARS = 64


def find_published_at(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str) -> datetime | None:
    """When the article was published, as an aware datetime, or None.

    Inputs: the parsed page, its ``<meta>`` tags, its article JSON-LD node (or ``{}``) and its
    address. The first candidate :func:`parse_date` accepts wins: JSON-LD ``datePublished`` and
    ``dateCreated``, the date ``<meta>`` tags, ``itemprop="datePublished"``, the first three
    ``<time datetime>``, JSON-LD ``dateModified``; then a ``/YYYY/MM/DD/`` path in ``url``
    (00:00 UTC of that day).
    """
    candidates = []
    if article_ld:
        candidates += [article_ld.get("datePublished"), article_ld.get("dateCreated")]
    candidates += [meta.get(k) for k in _DATE_META_KEYS]
    candidates += [el.get("datetime") or el.get("content") for el in tree.xpath('//*[@itemprop="datePublished"]')]
    candidates += [el.get("datetime") for el in tree.xpath("//time[@datetime]")[:3]]
    if article_ld:
        candidates.append(article_ld.get("dateModified"))
    for value in candidates:
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    # Only an unambiguous /YYYY/MM/DD/ path: "/2021/04/92713" is an id, not a date.
    try:
        match = _URL_DATE.search(urlsplit(url).path)
    except ValueError:
        match = None
    if match:
        return parse_date("-".join(match.groups()))
    return None


def parse_date(value: Any) -> datetime | None:
    """Parse a date or date-time string from page metadata into an aware datetime.

    ISO 8601 first (keeping the given UTC offset; a date alone becomes 00:00 UTC; a naive time
    is taken as UTC), then free-form dates via dateutil. Returns None for anything else,
    including years outside 1990..2100.
    """
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > _MAX_DATE_CHARS:
        return None
    parsed: datetime | None = None
    iso = value.replace("z", "Z")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        try:
            parsed = datetime.fromisoformat(iso).replace(tzinfo=UTC)
        except ValueError:
            return None
    else:
        try:
            parsed = datetime.fromisoformat(re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso))
        except ValueError:
            parsed = None
        if parsed is None:
            if not re.search(r"\d{4}|[A-Za-z]{3}", value) or re.fullmatch(r"\d+", value):
                return None
            try:
                # Deferred: dateutil's parser (with dateutil.tz) costs as much to import as the rest of
                # reader.extract's own modules together, and only a date that is not ISO 8601 needs it.
                from dateutil import parser as date_parser

                with warnings.catch_warnings():
                    # "IST", "EDT": an unknown zone name leaves the time naive, taken as UTC below.
                    warnings.simplefilter("ignore")
                    parsed = date_parser.parse(value, fuzzy=False)
            except (ValueError, OverflowError, TypeError):
                return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
    if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
        return None
    return parsed
