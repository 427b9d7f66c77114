"""Turning stored article text into what the full-text view shows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

from summaries.summarizer import is_heading


@dataclass(frozen=True)
class Segment:
    """A run of a paragraph: ``text``, and the summary sentence number (1-based) it belongs to, or 0."""

    text: str
    sentence: int = 0


@dataclass(frozen=True)
class Paragraph:
    """One line of the stored text: its segments, and whether it reads as a heading."""

    segments: list[Segment]
    heading: bool = False


def paragraphs_with_marks(text: str, spans: list[tuple[int, int]], language: str = "en") -> list[Paragraph]:
    """Split ``text`` into paragraphs (one per non-empty line) of segments marking summary sentences.

    ``spans`` are ``(start, end)`` code-point offsets into ``text`` (as stored on ``Summary``),
    in document order; a sentence never crosses a line. Returns a list of ``Paragraph``; marked
    segments carry the sentence's 1-based number so the summary can link to it. Spans outside
    the text are ignored. A line is a heading by the summarizer's rule (``summaries.summarizer.is_heading``
    for the article's ``language``, an ISO 639-1 code): the lines the summarizer never chooses.
    """
    out: list[Paragraph] = []
    ordered = sorted((s, e, n) for n, (s, e) in enumerate(spans, start=1) if 0 <= s < e <= len(text))
    # The spans that may meet the current line, in ``ordered``'s order: each line looks only at these,
    # so a text of many lines costs time linear in its lines plus its spans, not their product.
    active: list[tuple[int, int, int]] = []
    waiting = 0
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        while waiting < len(ordered) and ordered[waiting][0] < end:
            active.append(ordered[waiting])
            waiting += 1
        # A span ending before this line ends before every later line too.
        active = [span for span in active if span[1] > start]
        segments: list[Segment] = []
        cursor = start
        for s, e, n in active:
            s, e = max(s, start), min(e, end)
            if s > cursor:
                segments.append(Segment(text[cursor:s]))
            segments.append(Segment(text[s:e], n))
            cursor = e
        if cursor < end:
            segments.append(Segment(text[cursor:end]))
        out.append(Paragraph(segments, heading=is_heading(line, language)))
    return out


@dataclass(frozen=True)
class Block:
    """A block of an article's text for an export: ``kind`` is "heading", "paragraph", "bullets" or
    "numbers" (a list), ``lines`` its text (one line; a list's items without their markers)."""

    kind: str
    lines: list[str]


# A list item as extractors write one into the stored text: a bullet or a number, then a space.
_BULLET = re.compile(r"^\s*[•◦▪‣\-\*–·]\s+(?=\S)")
_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+(?=\S)")


def text_blocks(text: str, language: str = "en") -> list[Block]:
    """The stored ``text`` (one paragraph, heading or list item per line) as blocks for an export
    (Markdown, EPUB): headings by the summarizer's rule (``summaries.summarizer.is_heading`` for
    ``language``, an ISO 639-1 code), lines that start with a bullet (``•``, ``-``, ``*``, ``–``) or a
    number (``1.``, ``2)``) gathered into lists, every other line a paragraph. Blank lines are dropped."""
    blocks: list[Block] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        for kind, marker in (("bullets", _BULLET), ("numbers", _NUMBER)):
            found = marker.match(line)
            if found:
                item = line[found.end() :]
                if blocks and blocks[-1].kind == kind:
                    blocks[-1].lines.append(item)
                else:
                    blocks.append(Block(kind, [item]))
                break
        else:
            blocks.append(Block("heading" if is_heading(line, language) else "paragraph", [line]))
    return blocks


# CommonMark without raw HTML: notes come from import files and other apps, so a tag in them is shown
# as text, never run; markdown-it also refuses javascript:, vbscript:, file: and data: links.
_NOTES_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def notes_html(notes: str) -> str:
    """A person's notes and highlights (Markdown, as ``Article.notes`` keeps them) as HTML (XHTML-style
    void tags), with any HTML written in them escaped; "" for empty notes."""
    return _NOTES_MARKDOWN.render(notes) if notes.strip() else ""
