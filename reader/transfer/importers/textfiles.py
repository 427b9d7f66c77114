"""A plain list of links, one per line (what a person copies out of anything); lines starting with
``#`` and blank lines are ignored. Each link is checked by the import job like a paste."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from reader.transfer.importers.entry import BadEntry, Entry


def looks_like_url_list(head: str) -> bool:
    """True when the first line that is not blank or a comment reads as a link (``://`` or ``www.``)."""
    for line in head.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return "://" in line.split()[0] or line.lower().startswith("www.")
    return False


def read_url_list(stream: TextIO) -> Iterator[Entry | BadEntry]:
    """One entry per link line, in file order; a line with spaces keeps its first word as the link."""
    for number, line in enumerate(stream, start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield Entry(url=line.split()[0], position=f"line {number}")
