"""Template filters for the reader pages."""

from __future__ import annotations

from dataclasses import replace

from django import template
from django.utils.safestring import SafeString, mark_safe

from reader import rendering
from reader.rendering import Paragraph, Segment, paragraphs_with_marks

register = template.Library()


@register.filter
def marked_paragraphs(article) -> list[Paragraph]:
    """The article's text as paragraphs, with its shown summary's sentences marked (see
    ``paragraphs_with_marks``). A marked sentence starts and ends at its first and last visible
    character: spaces around it stay unmarked, so no highlighted blank leads or trails it."""
    summary = getattr(article, "summary", None)
    spans = [(s["start"], s["end"]) for s in summary.sentences] if summary else []
    paragraphs = paragraphs_with_marks(article.text, spans, article.language or "en")
    return [replace(p, segments=_unpadded(p.segments)) for p in paragraphs]


def _unpadded(segments: list[Segment]) -> list[Segment]:
    """``segments`` with the white space at either end of each marked one moved out of it."""
    out: list[Segment] = []
    for segment in segments:
        if not segment.sentence:
            out.append(segment)
            continue
        inner = segment.text.strip()
        start = segment.text.index(inner) if inner else len(segment.text)
        before, after = segment.text[:start], segment.text[start + len(inner) :]
        out += [Segment(before)] if before else []
        out += [Segment(inner, segment.sentence)] if inner else []
        out += [Segment(after)] if after else []
    return out


@register.filter
def notes_html(notes: str) -> SafeString:
    """A person's notes and highlights (Markdown) as HTML: any HTML written in them is escaped and
    unsafe link schemes refused (``reader.rendering.notes_html``), so the result is safe to insert."""
    return mark_safe(rendering.notes_html(notes or ""))  # noqa: S308 - escaped by markdown-it (html off)
