"""EPUB 3 books of articles, for e-readers (KOReader, Kobo, Apple Books), built with EbookLib.

One chapter per article: its title, authors, dates and source URL, the summary at the top, then the
full text with its headings and lists, and the person's notes and highlights. EbookLib writes the
package document (``content.opf``), the EPUB 3 navigation document (``nav.xhtml``) and an NCX for
older readers; ``tests/test_transfer_epub.py`` runs Debian's ``epubcheck`` on the result when it is
installed. A book is built in memory, so the exporters cap the articles in one book
(``DIGEST_EXPORT_EPUB_MAX_ARTICLES``).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterable
from html import escape

from django.utils import timezone
from ebooklib import epub

from reader.models import Article
from reader.rendering import notes_html, text_blocks
from reader.selectors import published_in_page_offset
from reader.transfer.exporters.article import iso, summary_sentences, tag_names

# ``image_loader(url)`` gives the lead image's bytes and media type, or None; without one no image
# is put in the book (an EPUB must carry its images: readers do not load them from the web).
ImageLoader = Callable[[str], "tuple[bytes, str] | None"]

_STYLE = b"""body { font-family: serif; line-height: 1.5; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
p.byline, p.source { font-size: 0.85em; color: #555; margin: 0.2em 0; }
section.summary { border-left: 3px solid #888; padding-left: 0.8em; margin: 1em 0; }
img.lead { max-width: 100%; }
"""
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def article_epub(article: Article, *, image_loader: ImageLoader | None = None) -> bytes:
    """One article as an EPUB 3 book (bytes): its title, authors and language; see ``epub_bytes``."""
    return epub_bytes([article], title=article.display_title, image_loader=image_loader)


def epub_bytes(
    articles: Iterable[Article],
    *,
    title: str = "Digest",
    language: str = "",
    image_loader: ImageLoader | None = None,
) -> bytes:
    """An EPUB 3 book (bytes) of ``articles``, one chapter each in the order given.

    ``title``: the book's title; ``language``: its ISO 639-1 code (default: the first article's,
    else "en"); ``image_loader``: see ``ImageLoader``. Each chapter has the article's title, byline
    (authors, published and saved dates), source URL, the summary the person sees (``summary_of``),
    the text (``reader.rendering.text_blocks``: headings, lists, paragraphs) and the notes. Each author
    is a ``dc:creator`` of its own, in the order first met (the first 20 in a book of many). A book of
    no articles has one page that says so. Raises nothing for odd article content: all text is
    escaped, and notes are Markdown rendered without raw HTML.
    """
    book = epub.EpubBook()
    book.set_identifier(f"urn:uuid:{uuid.uuid4()}")
    book.set_title(title)
    book.add_metadata("DC", "date", iso(timezone.now()))
    book.add_metadata("DC", "publisher", "Digest")
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=_STYLE)
    book.add_item(style)
    chapters: list[epub.EpubHtml] = []
    authors: dict[str, None] = {}  # in the order first met: an article's first author is its main one
    for number, article in enumerate(articles, start=1):
        lang = article.language or language or "en"
        language = language or lang
        chapter = epub.EpubHtml(
            title=article.display_title, file_name=f"article-{number:05d}.xhtml", lang=lang, uid=f"article-{number}"
        )
        chapter.content = _chapter_html(article, book, number, image_loader)
        chapter.add_item(style)
        book.add_item(chapter)
        chapters.append(chapter)
        authors.update(dict.fromkeys(article.authors or []))
    if not chapters:
        empty = epub.EpubHtml(title=title, file_name="empty.xhtml", lang=language or "en", uid="empty")
        empty.content = f"<h1>{escape(title)}</h1><p>No articles.</p>"
        book.add_item(empty)
        chapters.append(empty)
    book.set_language(language or "en")
    for number, author in enumerate(list(authors)[:20] if len(chapters) > 1 else authors, start=1):
        # An id of each one's own: EbookLib gives every creator the id "creator", and ids are unique.
        book.add_author(author, uid=f"creator-{number}")
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    out = io.BytesIO()
    epub.write_epub(out, book)
    return out.getvalue()


def _chapter_html(article: Article, book: epub.EpubBook, number: int, image_loader: ImageLoader | None) -> str:
    lang = article.language or "en"
    parts = [f"<h1>{escape(article.display_title)}</h1>"]
    byline = []
    if article.authors:
        byline.append("By " + escape(", ".join(article.authors)))
    published = published_in_page_offset(article)
    if published:
        byline.append(f"Published {published[:10]}")
    byline.append(f"Saved {article.created_at:%Y-%m-%d}")
    parts.append(f'<p class="byline">{" · ".join(byline)}</p>')
    source = article.final_url or article.url
    parts.append(f'<p class="source"><a href="{escape(source)}">{escape(source)}</a></p>')
    tags = tag_names(article)
    if tags:
        parts.append(f'<p class="byline">Tags: {escape(", ".join(tags))}</p>')
    image = image_loader(article.top_image) if image_loader is not None and article.top_image else None
    if image is not None and image[1] in _EXTENSIONS:
        name = f"images/lead-{number:05d}.{_EXTENSIONS[image[1]]}"
        book.add_item(epub.EpubImage(uid=f"image-{number}", file_name=name, media_type=image[1], content=image[0]))
        parts.append(f'<img class="lead" src="{name}" alt=""/>')
    sentences = summary_sentences(article)
    if sentences:
        items = "".join(f"<li>{escape(s)}</li>" for s in sentences)
        parts.append(f'<section class="summary"><h2>Summary</h2><ul>{items}</ul></section>')
    for block in text_blocks(article.text, lang):
        if block.kind == "heading":
            parts.append(f"<h2>{escape(block.lines[0])}</h2>")
        elif block.kind in ("bullets", "numbers"):
            tag = "ul" if block.kind == "bullets" else "ol"
            parts.append(f"<{tag}>" + "".join(f"<li>{escape(item)}</li>" for item in block.lines) + f"</{tag}>")
        else:
            parts.append(f"<p>{escape(block.lines[0])}</p>")
    notes = notes_html(article.notes)
    if notes:
        parts.append(f'<section class="notes"><h2>Highlights and notes</h2>{notes}</section>')
    return "\n".join(parts)
