"""Template filters for the reader pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from reader import rendering
from reader.rendering import Paragraph, paragraphs_with_marks

register = template.Library()


@register.filter
def marked_paragraphs(article) -> list[Paragraph]:
    """The article's text as paragraphs, with its shown summary's sentences marked (see ``paragraphs_with_marks``)."""
    summary = getattr(article, "summary", None)
    spans = [(s["start"], s["end"]) for s in summary.sentences] if summary else []
    return paragraphs_with_marks(article.text, spans, article.language or "en")


@register.filter
def notes_html(notes: str) -> SafeString:
    """A person's notes and highlights (Markdown) as HTML: any HTML written in them is escaped and
    unsafe link schemes refused (``reader.rendering.notes_html``), so the result is safe to insert."""
    return mark_safe(rendering.notes_html(notes or ""))  # noqa: S308 - escaped by markdown-it (html off)
