"""Which format a file is, told from its content (a person never has to say), and its entries.

A zip by its members; JSON by its key names; HTML by its doctype or its markup; CSV by its header
names; else a list of links. Text is decoded as UTF-8 (a BOM stripped), or, when it is not UTF-8, in
the encoding charset-normalizer finds; undecodable bytes become U+FFFD rather than an error. Lines
may end in LF, CRLF or a bare CR (old Mac and some Excel exports): all three read the same rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, cast

from charset_normalizer import from_bytes

from reader.pages.sniff import binary_kind
from reader.transfer.importers.csvfiles import csv_format, read_csv
from reader.transfer.importers.entry import BadEntry, Entry, UnreadableFile
from reader.transfer.importers.htmlfiles import read_bookmarks
from reader.transfer.importers.jsonfiles import json_format, read_json
from reader.transfer.importers.textfiles import looks_like_url_list, read_url_list
from reader.transfer.importers.zipfiles import read_omnivore_zip, read_pocket_zip, zip_format

# Every format Digest reads, with the name a person knows it by (``manage.py import --format``).
FORMATS = {
    "pocket_csv": "Pocket CSV (part_000000.csv)",
    "pocket_zip": "Pocket export zip (part_*.csv)",
    "pocket_html": "Pocket HTML (ril_export.html)",
    "instapaper_csv": "Instapaper CSV",
    "netscape_bookmarks": "Bookmarks HTML (browsers, linkding, Pinboard, Raindrop)",
    "wallabag_json": "wallabag JSON",
    "omnivore_zip": "Omnivore export zip",
    "omnivore_json": "Omnivore metadata JSON",
    "readwise_csv": "Readwise Reader CSV",
    "karakeep_json": "Karakeep JSON",
    "linkwarden_json": "Linkwarden JSON",
    "chrome_json": "Chrome bookmarks JSON",
    "firefox_json": "Firefox bookmarks backup JSON",
    "url_list": "A list of links, one per line",
    "digest_json": "Digest JSON",
    "csv": "CSV with a URL column (Digest CSV)",
}
HEAD_BYTES = 1 << 16  # bytes read to tell the format and the encoding
ZIP_MAGIC = b"PK\x03\x04"
DEFAULT_MAX_CONTENT_BYTES = 10 * 1024 * 1024
# How every refusal of a whole file for what it is (not for a break in it) begins.
NOT_IMPORTABLE = "This file is not a format Digest can import: "
log = logging.getLogger(__name__)


@dataclass
class ParsedFile:
    """A file's ``format`` (a key of ``FORMATS``) and its ``entries``: ``Entry`` or ``BadEntry``
    objects in file order, read lazily. A break later in the file ends ``entries`` with a
    ``BadEntry`` that says where (the entries before it are given first)."""

    format: str
    entries: Iterator[Entry | BadEntry]


def parse_file(
    stream: IO[bytes], *, format: str | None = None, max_content_bytes: int = DEFAULT_MAX_CONTENT_BYTES
) -> ParsedFile:
    """Read an import file from ``stream`` (binary, seekable; it is consumed and may be closed).

    ``format``: a key of ``FORMATS`` to skip detection (columns and keys are still matched by name);
    ``max_content_bytes``: the largest saved page taken from a zip (larger ones are fetched). Raises
    ``UnreadableFile`` with a readable reason when the file as a whole is not one Digest reads (a
    binary file such as an image is named, whatever ``format`` says). Never raises anything else for
    a file's content: a file is never the reason an import job stops without an answer.
    """
    if format is not None and format not in FORMATS:
        raise UnreadableFile(f"Unknown format {format!r}; Digest reads: {', '.join(FORMATS)}.")
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    refuse_binary(head)
    try:
        return _parse(stream, head, format, max_content_bytes)
    except UnreadableFile:
        raise
    except Exception as exc:  # a parser's surprise is still the file's fault, and must end the job
        log.warning("import file could not be read", exc_info=True)
        raise UnreadableFile(f"{NOT_IMPORTABLE}it could not be read ({type(exc).__name__}: {exc}).") from None


def refuse_binary(head: bytes) -> None:
    """Raise ``UnreadableFile`` naming what the file is when ``head`` (its first bytes, up to
    ``HEAD_BYTES``) is empty or starts a binary file that no import format is (an image, a PDF, a
    compressed file: ``reader.pages.sniff.binary_kind``); zips pass (Pocket and Omnivore export
    zips). Cheap enough to run on an upload before it is kept."""
    if not head.strip():
        raise UnreadableFile("The file is empty.")
    kind = None if head.startswith(ZIP_MAGIC) else binary_kind(head)
    if kind is not None:
        raise UnreadableFile(
            f"{NOT_IMPORTABLE}it is {kind}. Upload the file the other app exported: a zip, CSV, JSON or HTML "
            "file, or a list of links."
        )


def _parse(stream: IO[bytes], head: bytes, format: str | None, max_content_bytes: int) -> ParsedFile:
    if head.startswith(ZIP_MAGIC) or format in ("pocket_zip", "omnivore_zip"):
        return _zip(stream, format, max_content_bytes)
    encoding = _encoding(head)
    text = head.decode(encoding, "replace").lstrip("\ufeff")
    start = text.lstrip()[:1]
    if format in _JSON_FORMATS or (format is None and start in "{["):
        if head.startswith(codecs.BOM_UTF8):
            stream = cast(IO[bytes], _Skip(stream, len(codecs.BOM_UTF8)))
        try:
            kind = format or json_format(stream)
        except ValueError as exc:
            raise UnreadableFile(f"The file looks like JSON but is not: {exc}.") from None
        if kind is None:
            raise UnreadableFile(
                f"{NOT_IMPORTABLE}a JSON file that is not an export Digest knows (its keys name no links)."
            )
        return ParsedFile(kind, _guarded(read_json(stream, kind)))
    kind = format or _text_format(text)
    if kind is None:
        raise UnreadableFile(
            f"{NOT_IMPORTABLE}Digest could not tell what kind of file this is: not a zip, JSON, bookmarks HTML "
            "or CSV export it knows, nor a list of links. Choose the format, or check the file is the export itself."
        )
    toread = _uses_toread(stream) if kind == "netscape_bookmarks" else False
    reader = _text_stream(stream, encoding)
    if kind in ("netscape_bookmarks", "pocket_html"):
        return ParsedFile(kind, _guarded(read_bookmarks(reader, pocket=kind == "pocket_html", toread_used=toread)))
    if kind == "url_list":
        return ParsedFile(kind, _guarded(read_url_list(reader)))
    return ParsedFile(kind, _guarded(read_csv(reader)))


_JSON_FORMATS = {k for k in FORMATS if k.endswith("_json")}


def _zip(stream: IO[bytes], format: str | None, max_content_bytes: int) -> ParsedFile:
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"The zip file is broken ({exc}).") from None
    kind = format or zip_format(archive)
    if kind == "omnivore_zip":
        return ParsedFile(kind, _guarded(read_omnivore_zip(archive, max_content_bytes=max_content_bytes)))
    if kind == "pocket_zip":
        return ParsedFile(kind, _guarded(read_pocket_zip(archive, _member_text)))
    raise UnreadableFile(
        f"{NOT_IMPORTABLE}a zip that holds neither Pocket's part_*.csv files nor Omnivore's metadata_*.json files."
    )


def _text_format(text: str) -> str | None:
    lower = text[:HEAD_BYTES].lower()
    if "<!doctype netscape-bookmark-file" in lower or ("<dt>" in lower and "<a " in lower):
        return "netscape_bookmarks"
    if "<title>pocket export</title>" in lower or ("<h1>unread</h1>" in lower and "time_added=" in lower):
        return "pocket_html"
    if lower.lstrip().startswith("<"):
        return None
    # newline="": a bare CR (old Mac, some Excel exports) ends a line too, as in _text_stream.
    first = next(csv.reader(io.StringIO(text.lstrip("\r\n"), newline="")), [])
    if len(first) > 1:
        return csv_format(first)
    return "url_list" if looks_like_url_list(text) else None


def _encoding(head: bytes) -> str:
    """UTF-8 (``utf-8-sig``, which drops a BOM) when ``head`` decodes as UTF-8 (a character cut at its
    end allowed), else charset-normalizer's guess, else cp1252."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    best = from_bytes(head).best()
    return best.encoding if best is not None else "cp1252"


def _text_stream(stream: IO[bytes], encoding: str) -> io.TextIOWrapper:
    stream.seek(0)
    # newline="": the csv module reads line ends inside quoted fields itself.
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")


def _member_text(member: IO[bytes]) -> io.TextIOWrapper:
    head = member.peek(HEAD_BYTES) if hasattr(member, "peek") else b""
    return io.TextIOWrapper(member, encoding=_encoding(head), errors="replace", newline="")


def _uses_toread(stream: IO[bytes]) -> bool:
    """True when linkding's ``TOREAD`` attribute appears anywhere in the file (read in chunks)."""
    stream.seek(0)
    tail = b""
    while chunk := stream.read(HEAD_BYTES):
        if b"toread=" in (tail + chunk).lower():
            return True
        tail = chunk[-8:]
    return False


class _Skip(io.RawIOBase):
    """A seekable binary stream without its first ``skip`` bytes (a BOM, which JSON parsers refuse)."""

    def __init__(self, raw: IO[bytes], skip: int):
        super().__init__()
        self.raw, self.skip = raw, skip
        raw.seek(skip)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset + self.skip if whence == 0 else offset, whence) - self.skip

    def tell(self) -> int:
        return self.raw.tell() - self.skip


def _guarded(entries: Iterator[Entry | BadEntry]) -> Iterator[Entry | BadEntry]:
    """``entries``, ending with a ``BadEntry`` instead of an exception where the file breaks. Any
    exception counts (a damaged zip member raises ``zlib.error``, say): parsers touch no database, so
    what they raise is the file's doing, and an exception here would leave the import job unfinished."""
    count = 0
    try:
        for entry in entries:
            count += 1
            yield entry
    except Exception as exc:
        if not isinstance(exc, (ValueError, UnicodeError, zipfile.BadZipFile, EOFError, OSError)):
            log.warning("import file broke after entry %d", count, exc_info=True)
        yield BadEntry("end of file", f"The file breaks after entry {count}: {exc}. The entries before it were read.")
