"""Turning stored article text into what the full-text view shows.

The stored text's format (one block per line; table rows with tab-separated cells; fenced code) is
``summaries.summarizer.blocks``'; what counts as a heading is ``summaries.summarizer.is_heading``.
This module only reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from summaries.summarizer import is_heading
from summaries.summarizer.blocks import CELL_SEPARATOR, CODE, FENCE, ROW, line_kinds


@dataclass(frozen=True)
class Segment:
    """A run of a paragraph: ``text``, and the summary sentence number (1-based) it belongs to, or 0."""

    text: str
    sentence: int = 0


@dataclass(frozen=True)
class Paragraph:
    """One block of the full text, as the template shows it.

    ``kind`` is ``"paragraph"`` or ``"heading"`` (one line of text: ``segments``), ``"table"`` (the
    consecutive rows of one table: ``rows``, a list of cell texts per row) or ``"code"`` (``code``:
    its lines joined by ``\\n``, indentation kept).
    """

    segments: list[Segment] = field(default_factory=list)
    heading: bool = False
    kind: str = "paragraph"
    rows: list[list[str]] = field(default_factory=list)
    code: str = ""


def paragraphs_with_marks(text: str, spans: list[tuple[int, int]], language: str = "en") -> list[Paragraph]:
    """Split ``text`` into blocks (``Paragraph``) with the summary sentences marked.

    ``spans`` are ``(start, end)`` code-point offsets into ``text`` (as stored on ``Summary``), in
    document order; a sentence never crosses a line. Each non-empty line of text is a paragraph of
    segments; marked segments carry the sentence's 1-based number so the summary can link to it.
    Consecutive table rows make one ``"table"`` block and a fenced code block one ``"code"`` block
    (no sentence is marked in either: the summarizer never chooses one). Spans outside the text are
    ignored. A line is a heading by the summarizer's rule (``summaries.summarizer.is_heading`` for the
    article's ``language``, an ISO 639-1 code): the lines the summarizer never chooses. Time is
    linear in the text's lines plus its spans.
    """
    out: list[Paragraph] = []
    ordered = sorted((s, e, n) for n, (s, e) in enumerate(spans, start=1) if 0 <= s < e <= len(text))
    # The spans that may meet the current line, in ``ordered``'s order: each line looks only at these,
    # so a text of many lines costs time linear in its lines plus its spans, not their product.
    active: list[tuple[int, int, int]] = []
    waiting = 0
    pos = 0
    lines = text.split("\n")
    rows: list[list[str]] = []
    code: list[str] | None = None
    for line, kind in zip(lines, line_kinds(lines), strict=True):
        start, end = pos, pos + len(line)
        pos = end + 1
        if kind != ROW and rows:
            out.append(Paragraph(kind="table", rows=rows))
            rows = []
        if kind == FENCE:
            if code is None:
                code = []
            else:
                out.append(Paragraph(kind="code", code="\n".join(code)))
                code = None
            continue
        if kind == CODE:
            if code is not None:
                code.append(line)
            continue
        if kind == ROW:
            rows.append([cell.strip() for cell in line.split(CELL_SEPARATOR)])
            continue
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
        heading = is_heading(line, language)
        out.append(Paragraph(segments, heading=heading, kind="heading" if heading else "paragraph"))
    if rows:
        out.append(Paragraph(kind="table", rows=rows))
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
