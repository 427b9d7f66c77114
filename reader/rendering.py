"""Turning stored article text into what the full-text view shows."""

from __future__ import annotations

from dataclasses import dataclass


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


# A short line without final punctuation is a heading (the extractor keeps headings on lines of their own).
HEADING_MAX_WORDS = 12
_SENTENCE_END = tuple(".!?…。！？:;\"'”’»)")


def is_heading(line: str) -> bool:
    """True for a line that reads as a heading: at most ``HEADING_MAX_WORDS`` words, no final punctuation."""
    line = line.strip()
    return bool(line) and len(line.split()) <= HEADING_MAX_WORDS and not line.endswith(_SENTENCE_END)


def paragraphs_with_marks(text: str, spans: list[tuple[int, int]]) -> list[Paragraph]:
    """Split ``text`` into paragraphs (one per non-empty line) of segments marking summary sentences.

    ``spans`` are ``(start, end)`` code-point offsets into ``text`` (as stored on ``Summary``),
    in document order; a sentence never crosses a line. Returns a list of ``Paragraph``; marked
    segments carry the sentence's 1-based number so the summary can link to it. Spans outside
    the text are ignored.
    """
    out: list[Paragraph] = []
    ordered = sorted((s, e, n) for n, (s, e) in enumerate(spans, start=1) if 0 <= s < e <= len(text))
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        segments: list[Segment] = []
        cursor = start
        for s, e, n in ordered:
            if e <= start or s >= end:
                continue
            s, e = max(s, start), min(e, end)
            if s > cursor:
                segments.append(Segment(text[cursor:s]))
            segments.append(Segment(text[s:e], n))
            cursor = e
        if cursor < end:
            segments.append(Segment(text[cursor:end]))
        out.append(Paragraph(segments, heading=is_heading(line)))
    return out
