"""A whole library, or a tag, a view or a search of it, out of Digest: Digest JSON (lossless and
versioned), Netscape bookmark HTML (what every browser and rival imports), CSV, a zip of Markdown
files, and EPUB.

Every format but EPUB is streamed: the articles are read ``BATCH`` at a time (their ids first, then
each batch with its tags and summaries), and the output is produced as a sequence of byte chunks, so
100,000 articles export in bounded memory (bench/README.md, Export). An EPUB book is built in memory
and holds at most ``DIGEST_EXPORT_EPUB_MAX_ARTICLES`` articles (the newest of the selection).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.utils import timezone

from reader.models import Article
from reader.pipeline.restoring import RECORD_VERSION, article_record
from reader.search import search
from reader.search.query import parse_query
from reader.search.searching import apply_filters
from reader.selectors import ListFilters, attach_summaries, list_queryset, tags_prefetch
from reader.transfer.exporters.article import (
    article_markdown,
    iso,
    slug,
    summary_of,
    summary_sentences,
    tag_names,
)
from reader.transfer.exporters.epub import epub_bytes
from summaries.models import Summary

BATCH = 500  # articles read per query while exporting (a batch of 500 texts is about 1 MB)
SEARCH_LIMIT = 1000  # the most articles a search with words gives (search ranks the newest 1,000 matches)


@dataclass(frozen=True)
class ExportFormat:
    """A format's ``content_type``, file ``extension`` and ``label`` for people."""

    content_type: str
    extension: str
    label: str


FORMATS = {
    "json": ExportFormat("application/json", "json", "Digest JSON (everything, to import again)"),
    "html": ExportFormat("text/html; charset=utf-8", "html", "Bookmarks HTML (browsers, other apps)"),
    "csv": ExportFormat("text/csv; charset=utf-8", "csv", "CSV (spreadsheets)"),
    "markdown": ExportFormat("application/zip", "zip", "Markdown files (zip)"),
    "epub": ExportFormat("application/epub+zip", "epub", "EPUB (e-readers)"),
}


def selected_ids(user, *, tag: str = "", query: str = "", filters: ListFilters | None = None) -> list[int]:
    """Ids of ``user``'s articles to export, newest saved first: all of them, or those with the tag
    ``tag`` and those a search ``query`` finds (the search box's syntax; with words, the best
    ``SEARCH_LIMIT`` matches in rank order), or those the list page shows for ``filters``."""
    if filters is not None and not filters.q:
        return list(list_queryset(user, filters).order_by("-created_at", "-id").values_list("pk", flat=True))
    if filters is not None:
        text = filters.search_query
    else:
        text = " ".join(p for p in (query, f'tag:"{tag}"' if tag else "") if p)
    parsed = parse_query(text)
    if parsed.terms:
        return [hit.article.pk for hit in search(user, text, limit=SEARCH_LIMIT).hits]
    qs = apply_filters(Article.objects.for_user(user), parsed, user)
    return list(qs.order_by("-created_at", "-id").values_list("pk", flat=True))


def articles_in_batches(user, ids: list[int]) -> Iterator[list[Article]]:
    """``user``'s articles with these ids, in that order, ``BATCH`` at a time, each with its tags
    prefetched and the summary the person sees attached."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = Article.objects.for_user(user).filter(pk__in=chunk).prefetch_related(tags_prefetch()).in_bulk()
        batch = [found[pk] for pk in chunk if pk in found]
        attach_summaries(user, batch)
        yield batch


def _articles(user, ids: list[int]) -> Iterator[Article]:
    for batch in articles_in_batches(user, ids):
        yield from batch


def export(user, format: str, ids: list[int], *, title: str = "Digest") -> Iterator[bytes]:
    """The export of ``user``'s articles ``ids`` in ``format`` (a key of ``FORMATS``) as byte chunks,
    produced as the articles are read (EPUB: one chunk). Raises KeyError for an unknown format."""
    FORMATS[format]
    if format == "json":
        return _encoded(digest_json(user, ids))
    if format == "html":
        return _encoded(netscape_html(user, ids))
    if format == "csv":
        return _encoded(csv_rows(user, ids))
    if format == "markdown":
        return markdown_zip(user, ids)
    cap = int(settings.DIGEST_EXPORT_EPUB_MAX_ARTICLES)
    return iter([epub_bytes(_articles(user, ids[:cap]), title=title)])


def _encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def digest_json(user, ids: list[int]) -> Iterator[str]:
    """Digest JSON: ``{"format": "digest", "version", "exported_at", "user", "count", "articles":
    [record, ...]}``, one record per article (``reader.pipeline.restoring.article_record``)."""
    head = {"format": "digest", "version": RECORD_VERSION, "exported_at": iso(timezone.now())}
    head.update({"user": user.get_username(), "count": len(ids)})
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": [\n'
    first = True
    for batch in articles_in_batches(user, ids):
        every: dict[int, list[Summary]] = {}
        for summary in Summary.objects.filter(article_id__in=[a.pk for a in batch]).order_by("id"):
            every.setdefault(summary.article_id, []).append(summary)
        for article in batch:
            shown = summary_of(article)
            record = article_record(
                article, tag_names(article), every.get(article.pk, []), shown.pk if shown is not None else None
            )
            yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
            first = False
    yield "\n]}\n"


def netscape_html(user, ids: list[int]) -> Iterator[str]:
    """Netscape bookmark HTML: ``ADD_DATE`` (seconds) is the saved date, ``TAGS`` the tags,
    ``TOREAD="1"`` marks unread articles (linkding's attribute: a bookmark without it was read),
    ``<DD>`` the summary."""
    yield (
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<!-- Exported from Digest. -->\n"
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">\n'
        "<TITLE>Bookmarks</TITLE>\n<H1>Bookmarks</H1>\n<DL><p>\n"
    )
    for article in _articles(user, ids):
        attrs = [f'HREF="{escape(article.url)}"', f'ADD_DATE="{int(article.created_at.timestamp())}"']
        attrs.append(f'LAST_MODIFIED="{int(article.updated_at.timestamp())}"')
        tags = tag_names(article)
        if tags:
            attrs.append(f'TAGS="{escape(",".join(tags))}"')
        if article.read_at is None:
            attrs.append('TOREAD="1"')
        line = f"    <DT><A {' '.join(attrs)}>{escape(article.display_title)}</A>\n"
        summary = " ".join(summary_sentences(article))
        yield line + (f"    <DD>{escape(summary)}\n" if summary else "")
    yield "</DL><p>\n"


CSV_COLUMNS = [
    "url", "title", "tags", "saved_at", "published_at", "read", "archived", "favourite", "status", "site",
    "language", "authors", "summary", "notes",
]  # fmt: skip


def csv_rows(user, ids: list[int]) -> Iterator[str]:
    """CSV with a header (``CSV_COLUMNS``): tags joined with ``|``, dates ISO 8601 UTC, flags
    ``true``/``false``, authors joined with ``; ``, the summary's sentences joined by spaces. Digest
    reads it back (``reader.transfer.importers.csvfiles``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for article in _articles(user, ids):
        writer.writerow(
            [
                article.url,
                article.title,
                "|".join(tag_names(article)),
                iso(article.created_at),
                iso(article.published_at) or "",
                str(article.read_at is not None).lower(),
                str(article.archived_at is not None).lower(),
                str(article.favourite).lower(),
                article.status,
                article.site,
                article.language,
                "; ".join(article.authors or []),
                " ".join(summary_sentences(article)),
                article.notes,
            ]
        )
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


class _Sink(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come (``zipfile`` writes a zip to a
    stream it cannot seek with data descriptors)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def markdown_zip(user, ids: list[int]) -> Iterator[bytes]:
    """A zip of one Markdown file per article (``article_markdown``: front matter, summary, text,
    notes), named ``YYYY-MM-DD-title-slug-ID.md`` by saved date, streamed as it is written."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for article in _articles(user, ids):
            name = f"{article.created_at:%Y-%m-%d}-{slug(article.display_title, 'article')}-{article.pk}.md"
            archive.writestr(name, article_markdown(article))
            yield sink.take()
    yield sink.take()
