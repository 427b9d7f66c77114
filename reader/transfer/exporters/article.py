"""One article as a document: Markdown with front matter, plain text, and the parts every exporter
shares (the summary to show, the dates, the file names and how a download is named).

Used by the Markdown zip and the EPUB exporters here, and by the wallabag API's
``/api/entries/{id}/export.{md,txt}``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import yaml
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from reader.models import Article
from reader.rendering import text_blocks
from reader.selectors import published_in_page_offset, summaries_to_show
from summaries.models import Summary

# Characters that start a Markdown block at the beginning of a line; such a line of text gets a
# backslash so it stays a paragraph.
_MARKDOWN_START = re.compile(r"^(\s*)([#>+=|`~]|[-*_](?=\s|$)|\d{1,9}(?=[.)]))")
# libyaml's emitter when PyYAML was built with it (the wheels are): the pure-Python one took most of
# a Markdown export's time.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SLUG_SPACE = re.compile(r"[\s_-]+")


def summary_of(article: Article) -> Summary | None:
    """The summary a person sees for ``article``: the one put on it by
    ``reader.selectors.attach_summaries`` (exporters of many articles attach a batch at once), else
    looked up (one query)."""
    if "summary" in article.__dict__:
        return article.__dict__["summary"]
    return summaries_to_show(article.owner, [article.pk]).get(article.pk)


def summary_sentences(article: Article) -> list[str]:
    """The sentences of the summary a person sees for ``article`` ([] when it has none ready)."""
    summary = summary_of(article)
    if summary is None or summary.status != Summary.Status.READY:
        return []
    return summary.sentence_texts


def iso(moment: datetime | None) -> str | None:
    """``moment`` as ISO 8601 in UTC with a ``Z`` and whole seconds, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_names(article: Article) -> list[str]:
    """The article's tag names, sorted case-insensitively (prefetched tags are used when present)."""
    return sorted((t.name for t in article.tags.all()), key=str.lower)


def slug(title: str, fallback: str, max_chars: int = 60) -> str:
    """A file name part from ``title``: its letters and digits in any script (Django's ``slugify``
    with ``allow_unicode``: "Ça va à 東京" gives "ça-va-à-東京"), lower-case, words joined by single
    dashes, at most ``max_chars`` characters; ``fallback`` when nothing is left. A download sends a
    name that is not ASCII in RFC 6266's ``filename*`` form (``content_disposition_header``)."""
    text = _SLUG_SPACE.sub("-", slugify(title, allow_unicode=True)).strip("-")
    return text[:max_chars].strip("-") or fallback


def attachment(file_name: str) -> str:
    """The ``Content-Disposition`` value that downloads as ``file_name``: Django's
    ``content_disposition_header``, a quoted ``filename`` for ASCII names, RFC 6266's
    ``filename*=utf-8''...`` for others (what browsers since 2011 read)."""
    # Typed "str | None": None only for an inline response without a name, never for an attachment.
    return content_disposition_header(True, file_name) or "attachment"


def download_name(label: str, extension: str, day: date) -> str:
    """The file name of an export of many articles: ``digest-export-YYYY-MM-DD.ext`` for the whole
    library (``label`` ""), else ``digest-{slug of label}-YYYY-MM-DD.ext`` (a tag, a search, a view)."""
    return f"digest-{slug(label, 'export') if label else 'export'}-{day.isoformat()}.{extension}"


def front_matter(article: Article) -> dict:
    """The front matter of an article's Markdown file: title, url, saved and published dates (ISO
    8601), authors, tags, site, language and the reading state."""
    return {
        "title": article.display_title,
        "url": article.url,
        "saved": iso(article.created_at),
        "published": published_in_page_offset(article),
        "authors": list(article.authors or []),
        "tags": tag_names(article),
        "site": article.site,
        "language": article.language,
        "read": article.read_at is not None,
        "archived": article.archived_at is not None,
        "favourite": article.favourite,
    }


def _markdown_line(line: str) -> str:
    return _MARKDOWN_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line.replace("\\", "\\\\"))


def article_markdown(article: Article) -> str:
    """``article`` as a Markdown document (str): YAML front matter (``front_matter``), the title as a
    level-1 heading, the summary as a list of its sentences under "Summary", the text (its headings as
    level-2 headings, its lists as lists, every other line a paragraph, Markdown characters at the
    start of a line escaped), then the person's notes and highlights as they are (Markdown)."""
    head = yaml.dump(front_matter(article), Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000)
    parts = [f"---\n{head}---", f"# {_markdown_line(article.display_title)}"]
    sentences = summary_sentences(article)
    if sentences:
        parts.append("## Summary\n\n" + "\n".join(f"- {_markdown_line(s)}" for s in sentences))
    body: list[str] = []
    for block in text_blocks(article.text, article.language or "en"):
        if block.kind == "heading":
            body.append(f"## {_markdown_line(block.lines[0])}")
        elif block.kind == "bullets":
            body.append("\n".join(f"- {_markdown_line(item)}" for item in block.lines))
        elif block.kind == "numbers":
            body.append("\n".join(f"{n}. {_markdown_line(item)}" for n, item in enumerate(block.lines, 1)))
        else:
            body.append(_markdown_line(block.lines[0]))
    if body:
        parts.append("## Text\n\n" + "\n\n".join(body) if sentences else "\n\n".join(body))
    if article.notes.strip():
        parts.append("## Highlights and notes\n\n" + article.notes.strip())
    return "\n\n".join(parts) + "\n"


def article_text(article: Article) -> str:
    """``article`` as plain text (str): the title, the source URL, authors and dates, the summary's
    sentences, the full text as stored (one paragraph per line, blank lines between), then the notes."""
    lines = [article.display_title, article.final_url or article.url]
    byline = ", ".join(article.authors or [])
    published = published_in_page_offset(article)
    if byline:
        lines.append(f"By {byline}")
    if published:
        lines.append(f"Published {published[:10]}")
    lines.append(f"Saved {article.created_at:%Y-%m-%d}")
    parts = ["\n".join(lines)]
    sentences = summary_sentences(article)
    if sentences:
        parts.append("Summary\n\n" + "\n".join(f"* {s}" for s in sentences))
    text = "\n\n".join(line.strip() for line in article.text.split("\n") if line.strip())
    if text:
        parts.append(text)
    if article.notes.strip():
        parts.append("Highlights and notes\n\n" + article.notes.strip())
    return "\n\n".join(parts) + "\n"
