"""What kind of document a response body is: the one home of content-type and PDF/HTML sniffing.

The fetcher asks before reading a body (``may_be_page``: refuse audio or an archive without
downloading it) and after (``content_kind``); the extractor asks ``content_kind`` again on stored
bytes. Both use the same function on the same inputs, so a page the fetcher accepted as HTML is
extracted as HTML, and a PDF as a PDF.

The bytes win over the label where the label is often wrong: servers send PDFs as
``application/octet-stream`` or even ``text/html``, and error pages with a PDF type. Generic types
(``SNIFF_TYPES``) are sniffed after the WHATWG MIME Sniffing standard's HTML patterns
(https://mimesniff.spec.whatwg.org/#identifying-a-resource-with-an-unknown-mime-type), trimmed to
the tags real pages start with. A PDF is recognised by its ``%PDF-`` header anywhere in the first
1024 bytes, as PDF readers accept it (PDF 1.7 reference, implementation note 13).

``binary_kind`` names the binary files (images, PDFs, compressed files, office documents) a person
may hand the importer by mistake, from their signatures.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Literal

Kind = Literal["html", "pdf"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPES = frozenset({"application/pdf", "application/x-pdf", "application/acrobat"})
# Types servers send for anything; the first bytes decide whether it is HTML or PDF.
SNIFF_TYPES = frozenset(
    {
        "",
        "text/plain",
        "application/octet-stream",
        "binary/octet-stream",
        "application/unknown",
        "application/download",
        "application/x-download",
        "application/force-download",
        "text/xml",
        "application/xml",
    }
)
# The media type Digest stores for each kind when the declared one was generic or wrong.
KIND_MEDIA_TYPES: dict[Kind, str] = {"html": "text/html", "pdf": "application/pdf"}
# How many leading bytes ``content_kind`` looks at (the WHATWG sniffing window, and where PDF
# readers look for the header).
SNIFF_BYTES = 1024

_PDF_MAGIC = b"%PDF-"
# File signatures (each format's own specification; file(1)'s magic database lists them all) of what
# people pick by mistake instead of an export, each with the words that name it. Zip is not here: some
# exports are zips.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc, .xls)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
)
# C0 controls that text never holds (all but tab, newline, vertical tab, form feed, carriage return
# and escape); in random bytes one in nine is one of them.
_BINARY_BYTES = bytes(sorted(set(range(32)) - {9, 10, 11, 12, 13, 27}))
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BOM = b"\xef\xbb\xbf"
_STARTS_WITH_TAG = re.compile(rb"(?:\xef\xbb\xbf)?\s*<")
_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<title",
    b"<meta",
    b"<script",
    b"<!--",
    b"<p>",
    b"<div",
    b"<h1",
    b"<br",
    b"<table",
    b"<iframe",
    b"<a ",
    b"<style",
    b"<font",
    b"<b>",
    b"<?xml",
)


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """Split a Content-Type header value into ``(media_type, charset)``.

    ``value``: the header as sent ("text/html; charset=ISO-8859-1"), or None/"" when absent.
    ``media_type`` is lower-case without parameters, "" when the header is missing or empty;
    ``charset`` is the charset parameter as given (quotes stripped, RFC 2231 form understood) or
    None. Never raises: a malformed header reads as ``text/plain``, as the email package (and
    RFC 2045) has it.
    """
    value = value or ""
    message = Message()
    message["content-type"] = value or "application/x-missing"
    media_type = message.get_content_type().lower()
    if media_type == "application/x-missing" or not value.strip():
        media_type = ""
    charset = message.get_param("charset")
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return media_type, (str(charset).strip().strip("'\"") or None) if charset else None


def may_be_page(media_type: str) -> bool:
    """True when a body declared as ``media_type`` (lower-case, no parameters) can still turn out to
    be HTML or PDF, so it is worth reading; False for audio, video, images, archives, JSON...
    """
    return media_type in HTML_TYPES or media_type in PDF_TYPES or media_type in SNIFF_TYPES


def content_kind(media_type: str, head: bytes) -> Kind | None:
    """The kind of document a body is: ``"html"``, ``"pdf"``, or None when it is neither.

    ``media_type``: the declared type, lower-case without parameters (``parse_content_type``);
    ``head``: the body's first bytes (only the first ``SNIFF_BYTES`` are looked at; pass at least
    that many when the body is longer). Rules, in order: a ``%PDF-`` header in a body that does
    not start like markup is a PDF whatever the label; an HTML/XHTML type is HTML; a PDF type is
    HTML when the body starts like markup (an error page), else PDF; a generic type is HTML when
    the body starts like an HTML document (``looks_like_html``); anything else is None.
    """
    head = head[:SNIFF_BYTES]
    markup = starts_like_markup(head)
    if not markup and _PDF_MAGIC in head:
        return "pdf"
    if media_type in HTML_TYPES:
        return "html"
    if media_type in PDF_TYPES:
        return "html" if markup else "pdf"
    if media_type in SNIFF_TYPES and looks_like_html(head):
        return "html"
    return None


def starts_like_markup(head: bytes) -> bool:
    """True when ``head`` (a body's first bytes) opens with a tag, after an optional UTF-8 byte order
    mark and whitespace, or holds ``<html`` anywhere: such a body is never a PDF."""
    return bool(_STARTS_WITH_TAG.match(head)) or b"<html" in head.lower()


def looks_like_html(head: bytes) -> bool:
    """True when ``head`` (a body's first bytes) starts like an HTML document: one of the tags in
    ``_HTML_STARTS`` first, after a byte order mark and whitespace. An XML declaration or a comment
    first counts only with an ``<html`` tag within ``head`` (RSS and SVG start the same way)."""
    start = head.lstrip(_BOM).lstrip()
    lowered = start[:512].lower()
    if not lowered.startswith(_HTML_STARTS):
        return False
    return not lowered.startswith((b"<?xml", b"<!--")) or b"<html" in head.lower()


def binary_kind(head: bytes) -> str | None:
    """Words naming what binary file ``head`` (a file's first bytes, a few KiB) starts, such as
    ``"a PNG image"``, ``"a gzip-compressed file"``, or ``"binary data, not text"`` for one without a
    known signature that holds bytes no text holds (NUL, or over 1% other control bytes); None for
    text (in any encoding; UTF-16 and UTF-32 only with their byte order mark) and for zip files.

    Only a signature at the very start counts: a text file may mention ``%PDF-`` further on."""
    for signature, words in _SIGNATURES:
        if head.startswith(signature):
            return words
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head.startswith(_UTF16_32_BOMS):
        return None
    controls = len(head) - len(head.translate(None, _BINARY_BYTES))
    if b"\x00" in head or controls * 100 > len(head):
        return "binary data, not text"
    return None
