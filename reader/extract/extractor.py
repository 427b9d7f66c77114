"""The dispatcher: bytes to :class:`ExtractedArticle`, by way of the PDF reader or the HTML steps.

An HTML page is parsed once; metadata is read from the whole tree, then overlays and scripts go
and the ensemble (``reader.extract.ensemble``) finds the body text. The steps, in order, are in
``_extract_html``.
"""

from __future__ import annotations

import logging
import re

import lxml.etree
import lxml.html

from reader.extract.cleanup import flatten_deep_nesting, remove_overlays, reveal_noscript_article, tidy_text
from reader.extract.ensemble import body_text
from reader.extract.language import detect_language, text_direction
from reader.extract.metadata.authors import find_authors
from reader.extract.metadata.dates import find_published_at
from reader.extract.metadata.images import find_top_image
from reader.extract.metadata.jsonld import article_node, jsonld_objects, ld_text, resolve_references
from reader.extract.metadata.tags import (
    canonical_link,
    declared_direction,
    first_text,
    html_lang,
    meta_tags,
    site_names,
)
from reader.extract.metadata.title import find_title
from reader.extract.pagination import find_next_page
from reader.extract.paywall import is_paywalled
from reader.extract.pdf import extract_pdf
from reader.extract.result import ExtractedArticle, ExtractionError
from reader.pages.botwall import is_challenge_page, is_challenge_title
from reader.pages.compression import DecompressionError, gunzip, is_gzip
from reader.pages.decoding import decode_html
from reader.pages.multipart import MULTIPAGE_TYPE, Page, unpack_pages
from reader.pages.sniff import SNIFF_BYTES, content_kind, parse_content_type
from reader.pages.text import strip_control_chars
from summaries.summarizer.blocks import TEXT, line_kinds

logger = logging.getLogger(__name__)


def extract(
    body: bytes,
    url: str,
    *,
    content_type: str = "text/html",
    charset: str | None = None,
) -> ExtractedArticle:
    """Extract an article from a fetched response body.

    Inputs: ``body`` the raw response bytes, ``url`` the final URL (for absolute image links and
    site-name matching), ``content_type`` the Content-Type header's value (parameters allowed),
    ``charset`` its charset parameter if any.
    A ``multipart/mixed`` body holds the pages of an article split over pages
    (``reader.pages.multipart``): each is extracted and their texts are joined in order
    (:func:`_extract_pages`). A gzip body is decompressed first (``reader.pages.compression``).
    The kind of document is ``reader.pages.sniff.content_kind`` of the media type and the first
    bytes, the rule the fetcher uses too: PDF (the ``%PDF-`` magic bytes, or a PDF type unless the
    body is markup) goes to :func:`extract_pdf`; HTML/XHTML (and an HTML document sent as a
    generic or PDF type) is decoded with ``reader.pages.decoding.decode_html`` and goes to
    :func:`extract_html`. An empty or boilerplate-only result is returned, not raised.
    Raises :class:`ExtractionError` ``unsupported_type`` for anything else.
    """
    if not isinstance(body, bytes):
        try:
            body = bytes(body)
        except (TypeError, ValueError) as exc:
            raise ExtractionError("bad_input", "The page's content could not be read as bytes.") from exc
    media_type = parse_content_type(content_type)[0]
    if media_type == MULTIPAGE_TYPE:
        return _extract_pages(unpack_pages(body), url)
    if is_gzip(body[:2]):
        # A page saved as the gzip bytes a misconfigured server sent (or a .gz file).
        try:
            body = gunzip(body, _MAX_GUNZIPPED_BYTES)
        except DecompressionError as exc:
            raise ExtractionError("decode_failed", str(exc)) from exc
    kind = content_kind(media_type, body[:SNIFF_BYTES])
    if kind == "pdf":
        return extract_pdf(body, url)
    if kind == "html":
        try:
            html = decode_html(body, charset)
        except Exception as exc:
            raise ExtractionError("decode_failed", "The page's text encoding could not be read.") from exc
        return extract_html(html, url)
    raise ExtractionError(
        "unsupported_type",
        f"This link points to a file of type {media_type or 'unknown'}, not a web page or PDF, "
        "so there is no article to save.",
    )


def extract_html(html: str, url: str) -> ExtractedArticle:
    """Extract an article from a decoded HTML page.

    Inputs: ``html`` the page as text, ``url`` the URL it was fetched from.
    Output: an :class:`ExtractedArticle`; its ``text`` may be empty (a page with no article).
    Never raises anything but :class:`ExtractionError` (``parse_failed`` when no parser could
    make a tree of the input at all).
    """
    try:
        return _extract_html(html, url)
    except ExtractionError:
        raise
    except RecursionError as exc:
        raise ExtractionError("parse_failed", "The page is nested too deeply to read.") from exc
    except Exception as exc:
        logger.exception("extraction failed for %s", url)
        raise ExtractionError(
            "extraction_failed",
            "The article text could not be extracted from this page.",
        ) from exc


# The largest page a gzip body may inflate to (the fetcher's default size cap).
_MAX_GUNZIPPED_BYTES = 10 * 1024 * 1024


def _extract_pages(pages: list[Page], url: str) -> ExtractedArticle:
    """One article from the pages it was split over, in order: the first page's title and metadata,
    every page's text joined. A line of a later page that an earlier page has already (the byline,
    a standfirst repeated on every page) is left out. Raises ``ExtractionError`` when no page is
    there."""
    if not pages:
        raise ExtractionError("bad_input", "The saved pages of this article could not be read.")
    results = [extract(p.body, p.url or url, content_type=p.content_type, charset=p.charset) for p in pages]
    article = results[0]
    seen: set[str] = set()
    lines: list[str] = []
    for result in results:
        page_lines = result.text.split("\n") if result.text else []
        kinds = list(line_kinds(page_lines))
        lines.extend(line for line, kind in zip(page_lines, kinds, strict=True) if kind != TEXT or line not in seen)
        seen.update(line for line, kind in zip(page_lines, kinds, strict=True) if kind == TEXT)
    article.text = "\n".join(lines)
    article.next_page = ""
    article.language = article.language or detect_language(article.text)
    article.paywalled = any(r.paywalled for r in results)
    return article


# A JSON-LD articleBody replaces the extracted text when it has more than this many words and
# more than twice as many as the text: the page is a client-rendered shell.
_MIN_LD_BODY_WORDS = 25


def _extract_html(html: str, url: str) -> ExtractedArticle:
    tree = _parse(html)
    if tree is None:
        return ExtractedArticle()
    jsonld = jsonld_objects(tree)
    # Its author, publisher and image may be bare {"@id": ...} references to other nodes.
    article_ld = resolve_references(article_node(jsonld), jsonld, url)
    meta = meta_tags(tree)
    sites = site_names(meta, article_ld, url)
    h1 = first_text(tree, "//h1")

    result = ExtractedArticle()
    # The fetcher's rule (reader.pages.botwall), so a page it let through as a 200 is judged alike.
    result.blocked = is_challenge_page(html)
    result.title = find_title(tree, meta, article_ld, h1, sites)
    if result.blocked or is_challenge_title(result.title):
        result.title = ""  # "Just a moment..." names the bot check, not the article
    result.authors = find_authors(tree, meta, article_ld, sites)
    result.published_at = find_published_at(tree, meta, article_ld, url)
    result.top_image = find_top_image(tree, meta, article_ld, url)
    result.next_page = find_next_page(tree, url)
    result.canonical_url = canonical_link(tree, meta, url)

    remove_overlays(tree)
    # Before <noscript> goes with the scripts: on some pages it holds the only copy of the article.
    reveal_noscript_article(tree)
    # Metadata has been read; scripts and the like only slow the extractors down.
    lxml.etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)
    text, extractor, prompt_removed = body_text(tree, url, html_lang(tree), result.title or h1)
    ld_body = tidy_text(ld_text(article_ld.get("articleBody")) if article_ld else "")
    if ld_body and len(ld_body.split()) > max(_MIN_LD_BODY_WORDS, 2 * len(text.split())):
        text, extractor = ld_body, "jsonld"
    # An interstitial's own wording ("Checking your browser...") is not an article.
    result.text = "" if result.blocked else text
    result.extractor = extractor if result.text else ""
    result.paywalled = is_paywalled(tree, jsonld, meta, len(text.split()), prompt_removed)
    result.language = detect_language(text) or html_lang(tree)
    # The page's dir attributes only count for a text without letters; reading them costs a tree walk.
    result.direction = text_direction(result.text or result.title) or declared_direction(tree)
    return result


_NEVER_TEXT = ("script", "style", "noscript", "svg", "template", "iframe")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _parse(html: str) -> lxml.html.HtmlElement | None:
    """One parse per page; every extractor then works on this tree or a copy of it."""
    if not isinstance(html, str):
        html = str(html or "")
    # lxml refuses control characters and a str carrying an encoding declaration.
    html = _XML_DECL.sub("", strip_control_chars(html).replace("\ufeff", ""))
    if not html.strip():
        return None
    # huge_tree: without it libxml2 drops everything nested deeper than 255 levels (the article of a
    # page builder's hundreds of wrappers); flatten_deep_nesting then brings the tree back in bounds.
    # Size stays bounded by the fetcher's cap.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, huge_tree=True)
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    if tree is None or not len(tree):
        return None
    flatten_deep_nesting(tree)
    return tree
