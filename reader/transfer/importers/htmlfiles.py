"""HTML exports: Netscape bookmark files (browsers, linkding, Pinboard, Raindrop, Pocket's old
bookmarks, Digest's own) and Pocket's legacy ``ril_export.html``.

Read with the standard library's tolerant ``html.parser`` as a stream of tags, because ``<DT>`` and
``<p>`` are never closed and folders are known only from the ``<H3>`` before each ``<DL>``: a
tree parser nests them unpredictably. Entities are decoded once, by the parser. Fields:
``../shared/research/interop.md`` 1.2 and 1.5.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import TextIO

from reader.transfer.importers.entry import BadEntry, Entry, clean_title, epoch, flag, split_tags

# linkding marks archived bookmarks with this pseudo-tag, and keeps notes in the description.
LINKDING_ARCHIVED = "linkding:bookmarks.archived"
_LINKDING_NOTES = re.compile(r"\[linkding-notes\](.*?)\[/linkding-notes\]", re.S)
CHUNK = 1 << 16  # characters fed to the parser at a time


class _Bookmarks(HTMLParser):
    """Collects links as ``Entry`` objects while the file streams through ``feed``."""

    def __init__(self, *, pocket: bool, toread_used: bool):
        super().__init__(convert_charrefs=True)
        self.pocket, self.toread_used = pocket, toread_used
        self.done: list[Entry] = []
        self.folders: list[str] = []
        self.heading: str | None = None  # text of the <H3>/<H1> being read
        self.pending_folder = ""  # the last <H3>'s name, taken by the next <DL>
        self.section = ""  # Pocket: "Unread" or "Read Archive"
        self.link: Entry | None = None
        self.link_text: list[str] = []
        self.description: list[str] | None = None
        self.last: Entry | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._end_description(tag)
        if tag in ("h1", "h2", "h3"):
            self.heading = ""
        elif tag == "dl":
            self.folders.append(self.pending_folder)
            self.pending_folder = ""
        elif tag == "a":
            self._start_link(dict(attrs))
        elif tag == "dd" and self.last is not None:
            self.description = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self.heading is not None:
            name = " ".join(self.heading.split())
            if tag == "h3":
                self.pending_folder = name
            else:
                self.section = name.lower()
            self.heading = None
        elif tag == "dl":
            self._end_description(tag)
            if self.folders:
                self.folders.pop()
        elif tag == "a" and self.link is not None:
            self.link.title = clean_title("".join(self.link_text), self.link.url)
            self.done.append(self.link)
            self.last, self.link = self.link, None

    def handle_data(self, data: str) -> None:
        if self.link is not None:
            self.link_text.append(data)
        elif self.heading is not None:
            self.heading += data
        elif self.description is not None:
            self.description.append(data)

    def _start_link(self, attrs: dict[str, str | None]) -> None:
        url = (attrs.get("href") or "").strip()
        line, _ = self.getpos()
        tags = split_tags(attrs.get("tags") or "", ",")
        archived = any(t.lower() == LINKDING_ARCHIVED for t in tags)
        tags = [t for t in tags if t.lower() != LINKDING_ARCHIVED]
        if self.pocket:
            archived = archived or self.section.startswith("read")
            read = archived
        else:
            toread = attrs.get("toread")
            # TOREAD="1": unread (linkding); "0": read and archived (Readeck). A file that uses the
            # attribute leaves it off its read bookmarks; a browser's file never has it: all unread.
            archived = archived or (toread is not None and not flag(toread))
            read = archived or (self.toread_used and toread is None)
        self.link = Entry(
            url=url,
            position=f"line {line}",
            tags=tags,
            saved_at=epoch(attrs.get("time_added") if self.pocket else attrs.get("add_date")),
            read=read,
            archived=archived,
            folder="/".join(f for f in self.folders if f),
        )
        self.link_text = []

    def _end_description(self, tag: str) -> None:
        if self.description is None or tag not in ("dt", "dl", "dd", "h3", "a"):
            return
        text = " ".join("".join(self.description).split())
        if self.last is not None and text:
            notes = _LINKDING_NOTES.search(text)
            if notes:
                self.last.notes = notes.group(1).strip()
                text = _LINKDING_NOTES.sub("", text).strip()
            self.last.description = text
        self.description = None


def read_bookmarks(stream: TextIO, *, pocket: bool = False, toread_used: bool = False) -> Iterator[Entry | BadEntry]:
    """Entries of a Netscape bookmark file, or of Pocket's ``ril_export.html`` with ``pocket``, in
    file order (text, read in chunks).

    ``ADD_DATE`` (Pocket: ``time_added``) in seconds, milliseconds or microseconds (``epoch``); a
    missing or unreadable date gives None, never an error. ``TAGS`` split on commas; ``<DD>`` is the
    description; the enclosing ``<H3>`` folders give ``folder``. ``toread_used``: the file uses
    linkding's ``TOREAD`` somewhere (then a bookmark without it was read). Pocket's sections decide
    the state: "Read Archive" is read and archived.
    """
    parser = _Bookmarks(pocket=pocket, toread_used=toread_used)
    while True:
        chunk = stream.read(CHUNK)
        if chunk:
            parser.feed(chunk)
        else:
            parser.close()
            parser._end_description("dl")
        # The last link may still get its <DD> description in the next chunk: it waits.
        keep = parser.done[-1:] if chunk else []
        yield from parser.done[: len(parser.done) - len(keep)]
        parser.done = keep
        if not chunk:
            return
