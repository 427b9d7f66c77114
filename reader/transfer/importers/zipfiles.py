"""Zip exports: Pocket's (``part_*.csv`` files of up to 10,000 rows each) and Omnivore's
(``metadata_*.json`` in batches of 20, ``content/{slug}.html`` the saved page, ``highlights/{slug}.md``
the highlights), the two nobody else reads whole. Fields: ``../shared/research/interop.md`` 1.1, 1.7.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import urlsplit

from reader.transfer.importers.csvfiles import read_csv
from reader.transfer.importers.entry import BadEntry, Entry
from reader.transfer.importers.jsonfiles import json_items, omnivore_entry

_METADATA = re.compile(r"metadata_(\d+)_to_\d+\.json$|metadata\.json$")
_NUMBER = re.compile(r"(\d+)")


def zip_format(archive: zipfile.ZipFile) -> str | None:
    """``omnivore_zip`` (a ``metadata_*.json`` inside), ``pocket_zip`` (CSV files inside), or None."""
    names = [posixpath.basename(n) for n in archive.namelist()]
    if any(_METADATA.match(n) for n in names):
        return "omnivore_zip"
    if any(n.lower().endswith(".csv") for n in names):
        return "pocket_zip"
    return None


def _in_order(names: list[str]) -> list[str]:
    """Names sorted by the numbers in them (``part_2`` before ``part_10``), duplicates once."""

    def key(name: str) -> list:
        return [int(p) if p.isdigit() else p for p in _NUMBER.split(name)]

    return sorted(set(names), key=key)


def read_pocket_zip(archive: zipfile.ZipFile, text_of) -> Iterator[Entry | BadEntry]:
    """Entries of every CSV file in Pocket's zip, in the order of their numbers; ``text_of(bytes
    stream)`` decodes a member (BOM stripped). A member that is not a Pocket CSV becomes one
    ``BadEntry`` naming it."""
    for name in _in_order([n for n in archive.namelist() if n.lower().endswith(".csv")]):
        with archive.open(name) as member:
            try:
                yield from read_csv(text_of(member), where=name)
            except ValueError as exc:
                yield BadEntry(name, f"{name} could not be read: {exc}.")


def read_omnivore_zip(archive: zipfile.ZipFile, *, max_content_bytes: int) -> Iterator[Entry | BadEntry]:
    """Entries of Omnivore's export zip: every ``metadata_*.json`` (in the order of their numbers),
    each item with its page (``content/{slug}.html``, or ``.pdf``; over ``max_content_bytes`` it is
    left out and the link fetched instead) and its highlights (``highlights/{slug}.md``, kept as notes).
    Newsletters (``omnivore.app/no_url`` addresses) are kept as text-only articles from their page;
    one without its page cannot be imported. Duplicate member names are tolerated (the last wins)."""
    members = {n: n for n in archive.namelist()}
    metadata = _in_order([n for n in members if _METADATA.search(posixpath.basename(n))])
    for name in metadata:
        base = posixpath.dirname(name)
        with archive.open(name) as stream:
            try:
                for number, item in json_items(stream, "item"):
                    yield _omnivore_item(archive, base, f"{posixpath.basename(name)} entry {number}", item,
                                         max_content_bytes)  # fmt: skip
            except ValueError as exc:
                yield BadEntry(posixpath.basename(name), f"{posixpath.basename(name)} could not be read: {exc}.")


def _omnivore_item(archive: zipfile.ZipFile, base: str, position: str, item, max_bytes: int) -> Entry | BadEntry:
    if not isinstance(item, dict):
        return BadEntry(position, "This entry is not an object.")
    try:
        entry = omnivore_entry(item, position)
    except (TypeError, ValueError, AttributeError) as exc:
        return BadEntry(position, f"This entry could not be read ({exc}).")
    slug = item.get("slug") if isinstance(item.get("slug"), str) else ""
    if slug and "/" not in slug:
        for extension, media_type in (("html", "text/html"), ("pdf", "application/pdf")):
            body = _member(archive, posixpath.join(base, "content", f"{slug}.{extension}"), max_bytes)
            if body:
                entry.content, entry.content_type = body, media_type
                break
        notes = _member(archive, posixpath.join(base, "highlights", f"{slug}.md"), max_bytes)
        if notes:
            entry.notes = notes.decode("utf-8", "replace").lstrip("\ufeff").strip()
    parts = urlsplit(entry.url)
    if (parts.hostname or "").endswith("omnivore.app") and parts.path.startswith("/no_url") and not entry.content:
        return BadEntry(position, "A newsletter whose text is not in the file (it has no web address).", entry.url,
                        entry.title)  # fmt: skip
    return entry


def _member(archive: zipfile.ZipFile, name: str, max_bytes: int) -> bytes | None:
    try:
        with archive.open(name) as member:
            body = member.read(max_bytes + 1)
    except KeyError:
        return None
    return body if len(body) <= max_bytes else None
