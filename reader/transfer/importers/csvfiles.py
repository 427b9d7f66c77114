"""CSV exports: Pocket (both headers), Instapaper (both headers), Readwise Reader, and any CSV with a
URL column (Digest's own CSV export among them).

Columns are found by their header names, case-insensitively, never by position (wallabag reads
Pocket's by position, so the 2024 header's ``cursor`` column would become tags). The text arrives
decoded, BOM stripped (``detect.py``). Fields: ``../shared/research/interop.md`` 1.1, 1.4, 1.8.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
from collections.abc import Iterator
from typing import TextIO

from reader.transfer.importers.entry import BadEntry, Entry, any_time, clean_title, epoch, flag, iso_time, split_tags

# A quoted field may hold a whole page of text; csv's default cap is 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

POCKET = {"title", "url", "time_added", "tags", "status"}
INSTAPAPER = {"url", "title", "selection", "folder"}
READWISE = {"title", "url", "document tags", "saved date", "location"}
URL_COLUMNS = ("url", "link", "href", "uri", "address")
INSTAPAPER_FOLDERS = {"unread": "", "archive": "", "starred": ""}
# Readwise Reader's "feed" location holds items a feed delivered, never saved by the person.
READWISE_LOCATIONS = {"new", "later", "archive", "shortlist"}


def csv_format(header: list[str]) -> str | None:
    """The format a CSV header names: ``pocket_csv``, ``instapaper_csv``, ``readwise_csv``, ``csv`` (a
    URL column and any others), or None (no URL column). Names compared lower-case and stripped."""
    names = {h.strip().lower() for h in header}
    if POCKET <= names:
        return "pocket_csv"
    if INSTAPAPER <= names:
        return "instapaper_csv"
    if READWISE <= names:
        return "readwise_csv"
    if names & set(URL_COLUMNS):
        return "csv"
    return None


def read_csv(stream: TextIO, where: str = "") -> Iterator[Entry | BadEntry]:
    """Entries of a CSV file (text, BOM already stripped), in file order; ``where`` prefixes each
    position (a zip member's name). A row that cannot be read becomes a ``BadEntry`` naming its line.
    Raises ``ValueError`` when the header names no URL column."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    kind = csv_format(header)
    if kind is None:
        raise ValueError("its first line names no URL column (url, link)")
    columns = {h.strip().lower(): i for i, h in enumerate(header)}
    parse = {"pocket_csv": _pocket, "instapaper_csv": _instapaper, "readwise_csv": _readwise}.get(kind, _generic)
    prefix = f"{where} " if where else ""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadEntry(f"{prefix}line {start}", f"This line is not valid CSV ({exc}).")
            continue
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
        yield parse(cells, f"{prefix}line {start}")


def _pocket(cells: dict[str, str], position: str) -> Entry | BadEntry:
    url = cells["url"]
    archived = cells.get("status", "").lower() == "archive"
    return Entry(
        url=url,
        position=position,
        title=clean_title(cells.get("title"), url),
        tags=split_tags(cells.get("tags", ""), "|"),
        saved_at=epoch(cells.get("time_added")),
        read=archived,
        archived=archived,
    )


def _instapaper(cells: dict[str, str], position: str) -> Entry | BadEntry:
    url = cells["url"]
    folder = cells.get("folder", "")
    state = folder.lower()
    tags = split_tags(_json_list(cells.get("tags", "")))
    if state not in INSTAPAPER_FOLDERS and folder:
        tags.append(folder)  # a person's own folder; Instapaper gives one folder per row
    return Entry(
        url=url,
        position=position,
        title=clean_title(cells.get("title"), url),
        tags=tags,
        saved_at=epoch(cells.get("timestamp")),
        read=state == "archive",
        archived=state == "archive",
        starred=state == "starred",
        folder=folder,
        highlight=cells.get("selection", ""),
    )


def _readwise(cells: dict[str, str], position: str) -> Entry | BadEntry:
    url = cells["url"]
    location = cells.get("location", "").lower()
    if location == "feed":
        return BadEntry(position, "A feed item Readwise delivered, not one you saved: skipped.", url, skipped=True)
    tags = _python_list(cells.get("document tags", ""))
    starred = any(t.lower() == "favorite" for t in tags)
    progress = cells.get("reading progress", "")
    return Entry(
        url=url,
        position=position,
        title=clean_title(cells.get("title"), url),
        tags=[t for t in tags if t.lower() != "favorite"],
        saved_at=iso_time(cells.get("saved date")),
        read=location == "archive",
        archived=location == "archive",
        starred=starred,
        reading_progress=_number(progress),
    )


def _generic(cells: dict[str, str], position: str) -> Entry | BadEntry:
    url = next((cells[c] for c in URL_COLUMNS if cells.get(c)), "")
    if not url:
        return BadEntry(position, "This line has no URL.")

    def first(*names: str) -> str:
        return next((cells[n] for n in names if cells.get(n)), "")

    state = first("status", "state", "folder", "location").lower()
    archived = flag(first("archived", "is_archived")) or state in ("archive", "archived")
    return Entry(
        url=url,
        position=position,
        title=clean_title(first("title", "name"), url),
        tags=split_tags(first("tags", "labels"), "|,"),
        saved_at=any_time(first("saved_at", "saved", "created_at", "created", "time_added", "timestamp", "date")),
        read=flag(first("read", "is_read")) or archived,
        archived=archived,
        starred=flag(first("favourite", "favorite", "starred", "is_starred")),
        published_at=any_time(first("published_at", "published")),
        description=first("description", "excerpt"),
        notes=first("notes", "note"),
        authors=split_tags(first("authors", "author"), ";"),
        language=first("language", "lang"),
    )


def _json_list(text: str) -> list[str]:
    """Instapaper's Tags cell: a JSON array string (``[]``, ``["a","b"]``); a plain comma list otherwise."""
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return split_tags(text.strip("[]"), ",")
        return [str(v) for v in value] if isinstance(value, list) else []
    return split_tags(text, ",")


def _python_list(text: str) -> list[str]:
    """Readwise's Document tags: a Python list literal (``['a', "don't", 'peanut, butter']``), read
    with ``ast.literal_eval`` (literals only, nothing runs); a plain comma list otherwise."""
    if not text:
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return split_tags(text.strip("[]"), ",")
    if isinstance(value, (list, tuple)):
        return [" ".join(str(v).split()) for v in value if str(v).strip()]
    return split_tags(str(value), ",")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
