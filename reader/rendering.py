"""Turning stored article text into what the full-text view shows.

The stored text's format (one block per line; table rows with tab-separated cells; fenced code) is
``summaries.summarizer.blocks``'; what counts as a heading is ``summaries.summarizer.is_heading``.
This module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
