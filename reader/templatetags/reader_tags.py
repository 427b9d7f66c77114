"""Template filters for the reader pages."""

from __future__ import annotations

from django import template

from reader.rendering import Paragraph, paragraphs_with_marks

register = template.Library()


@register.filter
def marked_paragraphs(article) -> list[Paragraph]:
    """The article's text as paragraphs, with its shown summary's sentences marked (see ``paragraphs_with_marks``)."""
    summary = getattr(article, "summary", None)
    spans = [(s["start"], s["end"]) for s in summary.sentences] if summary else []
    return paragraphs_with_marks(article.text, spans, article.language or "en")
