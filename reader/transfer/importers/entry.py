"""What every import parser gives: ``Entry`` (one saved link) or ``BadEntry`` (a row that could not be
read, and why), and the small readers of dates, tags and titles the formats share.

Plain Python, no Django: the import job (``reader.pipeline.importing``) checks each URL and stores it.
Dates are timezone-aware datetimes in UTC. Sources of each format's fields and units:
``../shared/research/interop.md`` section 1 (and the rivals' importer files it names).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# Chrome counts microseconds from 1601-01-01 (Windows FILETIME's epoch, in µs).
CHROME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
# Saved dates outside these years are a misread unit, not a date: rejected rather than stored.
EARLIEST, LATEST = datetime(1990, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (not a format Digest knows, broken zip, broken JSON before
    any entry); ``str(exc)`` says why in a sentence a person can read."""


@dataclass
class Entry:
    """One saved link as a format gives it.

    ``position``: where in the file (``"line 4"``, ``"entry 12"``, ``"part_000001.csv line 9"``), for
    reports. ``url`` as written; ``title`` with HTML entities decoded once ("" when the file has none
    or it was only the URL); ``tags`` in file order; ``saved_at``/``published_at``: aware datetimes
    (UTC) or None; ``read``, ``archived``, ``starred`` (favourite); ``folder``: the folder path
    joined with "/" ("" at the top); ``description``; ``highlight`` (text selected when saving);
    ``notes``: Markdown (highlights, notes); ``authors``; ``language`` (ISO 639-1); ``reading_progress``
    (0-100) or None; ``content``: the saved page's bytes (HTML) when the file carries it, with
    ``content_type``; ``record``: the whole object of a Digest JSON export, for a lossless import.
    """

    url: str
    position: str = ""
    title: str = ""
    tags: list[str] = field(default_factory=list)
    saved_at: datetime | None = None
    read: bool = False
    archived: bool = False
    starred: bool = False
    folder: str = ""
    description: str = ""
    highlight: str = ""
    notes: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""
    published_at: datetime | None = None
    reading_progress: float | None = None
    content: bytes | None = None
    content_type: str = "text/html"
    record: dict[str, Any] | None = None

    @property
    def has_content(self) -> bool:
        return bool(self.content)


@dataclass
class BadEntry:
    """A row of the file that is not an entry: ``position`` (as ``Entry.position``), ``reason`` (a
    sentence), ``url`` and ``title`` when they could be read; ``skipped``: not an error, only not
    something to import (a Readwise feed item, a Firefox smart folder)."""

    position: str
    reason: str
    url: str = ""
    title: str = ""
    skipped: bool = False


def epoch(value: Any) -> datetime | None:
    """A Unix time in seconds, milliseconds or microseconds (guessed by size: below 1e11 seconds,
    below 1e14 milliseconds, else microseconds, as linkding's ``parse_timestamp`` and Shaarli do) as
    a UTC datetime; None for empty, non-numeric, zero or out-of-range values."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if number <= 0:
        return None
    for scale in (1, 1e3, 1e6):
        if number / scale < 1e11:
            return _in_range(datetime.fromtimestamp(number / scale, UTC))
    return None


def chrome_time(value: Any) -> datetime | None:
    """Chrome's ``date_added``: microseconds since 1601-01-01 UTC (a string of digits), or None."""
    try:
        micros = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    if micros <= 0:
        return None
    return _in_range(CHROME_EPOCH + timedelta(microseconds=micros))


def iso_time(value: Any) -> datetime | None:
    """An ISO 8601 date and time (``2016-09-08T11:55:58+0200``, ``2024-01-01T10:00:00.123Z``,
    ``2025-01-20 22:13:02.447000+00:00``; no offset: UTC) or a date alone, as UTC; None when
    empty or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _in_range(moment.astimezone(UTC))


def any_time(value: Any) -> datetime | None:
    """A date given either as a Unix time (``epoch``) or as ISO 8601 (``iso_time``)."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        return epoch(value)
    return iso_time(value)


def _in_range(moment: datetime) -> datetime | None:
    return moment if EARLIEST <= moment < LATEST else None


def clean_title(title: Any, url: str = "") -> str:
    """A title with HTML entities decoded once and whitespace collapsed; "" when it is only the URL
    (Pocket writes the URL where it had no title)."""
    if not isinstance(title, str):
        return ""
    text = " ".join(html.unescape(title).split())
    return "" if text == url.strip() else text


def split_tags(text: Any, separators: str = ",") -> list[str]:
    """Tag names from a string joined by any of ``separators`` (whitespace kept inside a tag, empty
    ones dropped) or from a list of strings / of objects with a ``name`` or ``label``."""
    if isinstance(text, list):
        names = [t.get("name") or t.get("label") or "" if isinstance(t, dict) else str(t) for t in text]
    elif isinstance(text, str):
        names = re.split("|".join(re.escape(s) for s in separators), text)
    else:
        return []
    return [" ".join(str(n).split()) for n in names if str(n).strip()]


def flag(value: Any) -> bool:
    """A yes/no field as the formats write it: ``true``/``1``/``"1"``/``"true"``/``"yes"`` (any case)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)
