"""The article's publication date: the page's own metadata first, then its visible "Published …" line, an
unambiguous date in the URL, and last htmldate's search of the page.

A time the page states in UTC is shown in the zone the page itself uses (another of its dates' offset,
or a zone named beside a date it shows, "11:34 PM EST"), so that its day is the day a reader of the
page sees. ``bench/metadata.py`` measures each source (bench/README.md, "Metadata").
"""

from __future__ import annotations

import itertools
import re
import warnings
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.etree
import lxml.html

from reader.extract.cleanup import clean_line

_DATE_META_KEYS = (
    "article:published_time", "article:published", "og:published_time", "og:article:published_time",
    "datepublished", "publishdate", "pubdate", "publish-date", "publication_date", "date", "dc.date.issued",
    "dc.date", "dcterms.date", "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
    "article_date_original", "cxenseparse:recs:publishtime", "dc.date.created",
)  # fmt: skip
# More of a page's dates: not when it was published, but in the zone it writes its times in.
_ZONE_EVIDENCE_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "dc.date.modified", "sailthru.date")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|[-_])")
# Years a web article can carry; anything else is a parse of something that is not a date.
_FIRST_YEAR, _LAST_YEAR = 1990, 2100
# Longer strings are prose, not a date.
_MAX_DATE_CHARS = 64
# "itemprop" holds a space-separated list ("datePublished dateCreated").
_ITEMPROP_PUBLISHED = lxml.etree.XPath(
    '//*[@itemprop][contains(concat(" ", normalize-space(@itemprop), " "), " datePublished ")]'
)
_TIME_DATETIME = lxml.etree.XPath("//time[@datetime]")

# Zone names pages print beside a time, and their offsets (hours) or IANA zones (daylight time
# depends on the date). Only unambiguous ones: "IST" and "AMT" name two zones each.
_ZONES: dict[str, float | str] = {
    "UTC": 0, "GMT": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "HKT": 8, "SGT": 8,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "EST": -5, "EDT": -4, "CST": -6,
    "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10,
    "ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver", "PT": "America/Los_Angeles",
}  # fmt: skip
_ZONE_WORD = re.compile(r"(?<![\w/])(" + "|".join(sorted(_ZONES, key=len, reverse=True)) + r")(?![\w/])")
_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}\s*(?:[ap]\.?\s?m\.?)?", re.IGNORECASE)
# A visible date line: "Published 11:34 PM EST Nov 19, 2019", "Posted on October 5, 2018".
_PUBLISHED_LABEL = re.compile(
    r"\b(?:published|posted|first published|publiziert|veröffentlicht|erschienen|publié|publicado|publicada|"
    r"pubblicato|gepubliceerd)(?:\s+(?:on|at|am|le|el|em|il|op))?\s*:?\s*(.{6,60})|"
    r"^by\s.{1,80}?\son\s+(.{6,60})",
    re.IGNORECASE | re.DOTALL,
)
# Month names of the languages whose pages write "25. September 2018", "25 septembre 2018",
# "25 de septiembre de 2018" (German, French, Spanish, Italian, Portuguese, Dutch), by month number.
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            "januar janvier enero gennaio janeiro januari jänner",
            "februar février fevrier febrero febbraio fevereiro februari",
            "märz maerz mars marzo março maart",
            "april avril abril aprile",
            "mai mayo maggio maio mei",
            "juni juin junio giugno junho",
            "juli juillet julio luglio julho",
            "august août aout agosto augustus",
            "september septembre septiembre setiembre settembre setembro",
            "oktober octobre octubre ottobre outubro",
            "november novembre noviembre novembro",
            "dezember décembre decembre diciembre dicembre dezembro december",
        ),
        start=1,
    )
    for name in names.split()
}
_WORD_DATE = re.compile(r"\b(\d{1,2})\.?\s+(?:de\s+)?([^\W\d_]{3,10})\.?\s+(?:de\s+)?(\d{4})\b")
_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}",
    re.IGNORECASE,
)
# Elements whose own text may hold the visible date line.
_DATE_LINE_XPATH = lxml.etree.XPath(
    '//time | //*[@class][contains(@class, "date") or contains(@class, "time") or contains(@class, "byline")'
    ' or contains(@class, "published") or contains(@class, "meta")]'
)
# Visible date lines looked at, at most, and the most child elements one may have.
_MAX_DATE_LINES = 40
_MAX_LINE_CHILDREN = 8
_MAX_LINE_CHARS = 200


def find_published_at(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str) -> datetime | None:
    """When the article was published, as an aware datetime, or None.

    Inputs: the parsed page, its ``<meta>`` tags, its article JSON-LD node (or ``{}``) and its
    address. Sources, in order, the first that gives a date winning:

    1. the page's metadata: JSON-LD ``datePublished`` and ``dateCreated``, the date ``<meta>`` tags
       (``article:published`` with NYT's ``itemprop`` too), ``itemprop="datePublished"``, the first
       three ``<time datetime>``, JSON-LD ``dateModified``; a time given in UTC is moved to the zone
       the page uses (:func:`_page_zone`);
    2. a visible "Published …" line in the page's date, time or byline elements (:func:`visible_date`);
    3. a ``/YYYY/MM/DD/`` path in ``url`` (00:00 UTC of that day);
    4. htmldate's search of the page (its visible dates in many languages and formats, "25.
       September 2018", "05/10/2018"; 00:00 UTC of the day it finds).
    """
    candidates = []
    if article_ld:
        candidates += [article_ld.get("datePublished"), article_ld.get("dateCreated")]
    candidates += [meta.get(k) for k in _DATE_META_KEYS]
    candidates += [el.get("datetime") or el.get("content") for el in _ITEMPROP_PUBLISHED(tree)]
    candidates += [el.get("datetime") for el in _TIME_DATETIME(tree)[:3]]
    if article_ld:
        candidates.append(article_ld.get("dateModified"))
    for position, value in enumerate(candidates):
        parsed = _parse_with_zone(value)
        if parsed is None:
            continue
        first, explicit_utc = parsed
        if explicit_utc:
            # Only now the page's other dates are read, for the zone it writes its times in.
            rest = [*candidates[position + 1 :], *(meta.get(k) for k in _ZONE_EVIDENCE_KEYS)]
            others = [p for p in map(_parse_with_zone, rest) if p is not None]
            zone = _page_zone([dt for dt, utc in others if not utc and dt.utcoffset()], tree, first)
            if zone is not None:
                return first.astimezone(zone)
        return first
    visible = visible_date(tree)
    if visible is not None:
        return visible
    # Only an unambiguous /YYYY/MM/DD/ path: "/2021/04/92713" is an id, not a date.
    try:
        match = _URL_DATE.search(urlsplit(url).path)
    except ValueError:
        match = None
    if match:
        return parse_date("-".join(match.groups()))
    return _htmldate(tree, url)


def parse_date(value: Any) -> datetime | None:
    """Parse a date or date-time string from page metadata into an aware datetime.

    ISO 8601 first (keeping the given UTC offset; a date alone becomes 00:00 UTC; a naive time
    is taken as UTC), then free-form dates via dateutil. Returns None for anything else,
    including years outside 1990..2100.
    """
    parsed = _parse_with_zone(value)
    return parsed[0] if parsed else None


def _parse_with_zone(value: Any) -> tuple[datetime, bool] | None:
    """``parse_date`` and whether the value named UTC itself ("Z", "+00:00", "GMT"), as opposed to
    another offset or none at all (a naive time, taken as UTC, may well be the page's local time)."""
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
        return (parsed, False) if _FIRST_YEAR <= parsed.year <= _LAST_YEAR else None
    try:
        parsed = datetime.fromisoformat(re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso))
    except ValueError:
        parsed = None
    if parsed is None:
        if not re.search(r"\d{4}|[A-Za-z]{3}", value) or re.fullmatch(r"\d+", value):
            return None
        parsed = _dateutil(value)
        if parsed is None:
            return None
    named = parsed.tzinfo is not None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
        return None
    return parsed, named and parsed.utcoffset() == timedelta(0)


def _dateutil(value: str, zones: dict[str, tzinfo] | None = None) -> datetime | None:
    # Deferred: dateutil's parser (with dateutil.tz) costs as much to import as the rest of
    # reader.extract's own modules together, and only a date that is not ISO 8601 needs it.
    from dateutil import parser as date_parser

    try:
        with warnings.catch_warnings():
            # "IST", "EDT": an unknown zone name leaves the time naive, taken as UTC by the caller.
            warnings.simplefilter("ignore")
            return date_parser.parse(value, fuzzy=zones is not None, tzinfos=zones)
    except (ValueError, OverflowError, TypeError):
        return None


def _zone(name: str, when: datetime) -> tzinfo | None:
    """The zone a printed name stands for at ``when`` ("EST" is UTC-5; "ET" is New York's time then)."""
    value = _ZONES.get(name.upper())
    if isinstance(value, str):
        try:
            return ZoneInfo(value)
        except ZoneInfoNotFoundError:  # no time zone database on this system
            return None
    return timezone(timedelta(hours=value)) if value is not None else None


def _page_zone(offsets: list[datetime], tree: lxml.html.HtmlElement, when: datetime) -> tzinfo | None:
    """The zone the page shows its times in: the offset of another of its dates (same site, same
    zone), else a zone named in a visible date line ("10:01 pm PST, Tuesday, November 19"); None
    when the page tells nothing."""
    if offsets:
        return offsets[0].tzinfo
    lines = _date_lines(tree)
    for text in lines:
        if _CLOCK.search(text) and (match := _ZONE_WORD.search(text)):
            return _zone(match.group(1), when)
    for text in lines:
        # A time shown without its zone ("Nov. 19, 2019 5:53 PM"): the same instant, told in local
        # time, gives the offset when its minutes agree.
        day, clock = _MONTH.search(text), _CLOCK.search(text)
        if day is None or clock is None:
            continue
        local = _dateutil(f"{_ordinal_free(day.group())} {clock.group()}", zones={})
        if local is None:
            continue
        shift = local.replace(tzinfo=UTC) - when
        minutes = round(shift.total_seconds() / 60)
        if minutes % 15 == 0 and abs(minutes) <= 14 * 60:
            return timezone(timedelta(minutes=minutes))
    for text in lines:
        # Only the day shown ("November 18, 2019" for 04:50 UTC on the 19th): the nearest whole hour
        # that gives that day.
        day = _MONTH.search(text)
        shown = _dateutil(_ordinal_free(day.group()), zones={}) if day else None
        if shown is None:
            continue
        gap = (shown.date() - when.date()).days
        if gap == -1 and when.hour < 12:
            return timezone(-timedelta(hours=when.hour + 1))
        if gap == 1 and when.hour >= 12:
            return timezone(timedelta(hours=24 - when.hour))
        if gap == 0:
            return None
    return None


def _ordinal_free(text: str) -> str:
    return re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)


def _date_lines(tree: lxml.html.HtmlElement) -> list[str]:
    """The texts of the page's time, date and byline elements (at most ``_MAX_DATE_LINES``), cleaned."""
    lines = []
    h1 = next(iter(tree.iter("h1")), None)
    region: list[Any] = []
    if h1 is not None and h1.getparent() is not None:
        # Under the headline, whatever its markup ("Von … publiziert am 25. September 2018").
        for block in [h1.getparent(), *list(h1.getparent().itersiblings())[:3]]:
            region.extend(itertools.islice((e for e in block.iter("p", "span", "div", "small") if len(e) <= 8), 20))
    for el in [*_DATE_LINE_XPATH(tree), *region]:
        # A date line is short: an element holding more (a "meta" section, the article) is skipped
        # before its text is read.
        if el.tag in ("script", "style", "meta", "link", "html", "body") or len(el) > _MAX_LINE_CHILDREN:
            continue
        raw = el.text_content() or ""
        if len(raw) > 2 * _MAX_LINE_CHARS:
            continue
        text = clean_line(raw)
        if 6 <= len(text) <= _MAX_LINE_CHARS:
            lines.append(text)
            if len(lines) >= _MAX_DATE_LINES:
                break
    return lines


def visible_date(tree: lxml.html.HtmlElement) -> datetime | None:
    """The date a visible "Published …" line ("Posted …", "By … on …") of the page gives, with its time and zone
    when it shows them ("Published 11:34 PM EST Nov 19, 2019" is 23:34 at UTC-5); None when there is
    no such line with a month written out (in English, with its time; in German, French, Spanish,
    Italian, Portuguese or Dutch, the day: :func:`_word_date`)."""
    for text in _date_lines(tree):
        label = _PUBLISHED_LABEL.search(text)
        if label is None:
            continue
        rest = label.group(1) or label.group(2)
        day = _MONTH.search(rest)
        if day is None:
            if (written := _word_date(rest)) is not None:
                return written
            continue
        clock = _CLOCK.search(rest)
        zone_name = _ZONE_WORD.search(rest)
        piece = day.group()
        if clock is not None:
            piece = f"{piece} {clock.group()}"
        parsed = _dateutil(_ordinal_free(piece), zones={})
        if parsed is None or not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
            continue
        zone = _zone(zone_name.group(1), parsed) if zone_name and clock else None
        return parsed.replace(tzinfo=zone or UTC)
    return None


def _word_date(text: str) -> datetime | None:
    """A day written with a month name in German, French, Spanish, Italian, Portuguese or Dutch
    ("25. September 2018", "3 de marzo de 2020"), 00:00 UTC; None for anything else."""
    match = _WORD_DATE.search(text)
    month = _MONTH_NAMES.get(match.group(2).lower()) if match else None
    if match is None or month is None:
        return None
    try:
        found = datetime(int(match.group(3)), month, int(match.group(1)), tzinfo=UTC)
    except ValueError:
        return None
    return found if _FIRST_YEAR <= found.year <= _LAST_YEAR else None


def _htmldate(tree: lxml.html.HtmlElement, url: str) -> datetime | None:
    """htmldate's original (first-published) date of the page, 00:00 UTC of that day, or None."""
    # Deferred: htmldate comes with trafilatura; only a page without any date of its own needs it.
    import htmldate

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = htmldate.find_date(tree, url=url or None, original_date=True, extensive_search=False)
    except (ValueError, TypeError, AttributeError, lxml.etree.LxmlError):
        return None
    return parse_date(found) if found else None
