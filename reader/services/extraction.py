"""Article extraction: from a fetched page (HTML or PDF) to title, metadata and body text.

The body text comes from three extractors run on one parsed lxml tree:

* trafilatura (``favor_precision=True``) gives the base text, line by line;
* newspaper3k (its cleaner + best-node scoring, without its network or NLP steps) and
  readability-lxml vote on it: leading and trailing lines (or table cells) of the base that
  neither of them contains are boilerplate (headers, "about us" blurbs, related links) and go;
* when newspaper3k and readability agree on much more text than trafilatura found, trafilatura
  has cut the article short, and the one of them closer to the agreed text becomes the base.

On the 136-page Scrapinghub article-extraction benchmark this scores F1 0.979 (trafilatura
alone 0.959, or 0.962 with ``favor_precision``; newspaper3k alone 0.901) at about 1.1x the
time of newspaper3k alone; ``bench/README.md`` has every variant tried and
``python -m bench.extraction`` measures it again. JSON-LD ``articleBody`` is the fallback
for client-rendered pages whose HTML body is empty.

Metadata prefers what the page states about itself (JSON-LD, OpenGraph and other meta tags,
``<time datetime>``) over guesses. Every public function raises only :class:`ExtractionError`.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html
from cssselect import SelectorError

from reader.services.language import detect_language

logger = logging.getLogger(__name__)


@dataclass
class ExtractedArticle:
    """What extraction found on one page.

    ``published_at`` is timezone-aware and keeps the page's own UTC offset when it gave one; a
    date without a time becomes 00:00 UTC of that date. ``text`` has one paragraph, heading,
    list item or table row per line. ``extractor`` names the method that produced ``text``.
    """

    title: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    top_image: str = ""
    language: str = ""
    text: str = ""
    paywalled: bool = False
    blocked: bool = False
    extractor: str = ""


class ExtractionError(Exception):
    """Extraction could not run on this input. ``code`` is for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------------------
# Dispatcher


_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


def extract(
    body: bytes,
    url: str,
    *,
    content_type: str = "text/html",
    charset: str | None = None,
) -> ExtractedArticle:
    """Extract an article from a fetched response body.

    Inputs: ``body`` the raw response bytes, ``url`` the final URL (for absolute image links and
    site-name matching), ``content_type`` the media type from the Content-Type header (parameters
    allowed), ``charset`` its charset parameter if any.
    PDF is recognised by the ``%PDF-`` magic bytes (or the content type, unless the body is
    markup) and goes to :func:`extract_pdf`; HTML/XHTML (and markup sent as an unknown, generic
    or PDF type) is decoded with ``reader.services.decoding.decode_html`` and goes to
    :func:`extract_html`. An empty or boilerplate-only result is returned, not raised.
    Raises :class:`ExtractionError` ``unsupported_type`` for anything else.
    """
    if not isinstance(body, bytes):
        try:
            body = bytes(body)
        except (TypeError, ValueError) as exc:
            raise ExtractionError("bad_input", "The page's content could not be read as bytes.") from exc
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    head = body[:1024]
    looks_like_markup = bool(re.match(rb"(?:\xef\xbb\xbf)?\s*<", head)) or b"<html" in head.lower()
    # The bytes win over the label: servers send PDFs as octet-stream and error pages as PDF.
    if not looks_like_markup and (b"%PDF-" in head or mime == "application/pdf"):
        return extract_pdf(body, url)
    generic = ("", "application/octet-stream", "text/plain", "application/pdf")
    if mime in _HTML_TYPES or (looks_like_markup and mime in generic):
        try:
            from reader.services.decoding import decode_html

            html = decode_html(body, charset)
        except Exception as exc:
            raise ExtractionError("decode_failed", "The page's text encoding could not be read.") from exc
        return extract_html(html, url)
    raise ExtractionError(
        "unsupported_type",
        f"This link points to a file of type {mime or 'unknown'}, not a web page or PDF, "
        "so there is no article to save.",
    )


# ---------------------------------------------------------------------------------------------
# PDF


def extract_pdf(body: bytes, url: str) -> ExtractedArticle:
    """Extract title and text from PDF bytes with pypdf.

    The title comes from the document information (``/Title``), else the file name in ``url``.
    Text has NUL and other control characters removed and one line per paragraph-ish line.
    Raises :class:`ExtractionError` ``pdf_unreadable`` when pypdf cannot open the file at all.
    """
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:
                raise ExtractionError("pdf_encrypted", "The PDF is password-protected.") from exc
        title = ""
        try:
            meta = reader.metadata
            if meta is not None and meta.title:
                title = _clean_line(str(meta.title))
        except Exception:  # a broken info dictionary only costs the title
            logger.info("unreadable PDF metadata at %s", url, exc_info=True)
            title = ""
        pages = []
        for page in reader.pages:
            try:
                pages.append(page.extract_text() or "")
            except Exception:  # one broken page should not lose the others
                logger.info("unreadable PDF page at %s", url, exc_info=True)
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError("pdf_unreadable", "The PDF file could not be read.") from exc
    text = _reflow(_tidy_text("\n".join(pages)))
    if not title:
        title = _file_name(url)
    return ExtractedArticle(
        title=title,
        text=text,
        language=detect_language(text),
        extractor="pypdf" if text else "",
    )


def _reflow(text: str) -> str:
    """Join PDF lines that wrap mid-sentence: a line continues when the next starts in lower case.

    A hyphen at a line end before a lower-case letter is a word break and goes.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if out and line[:1].islower() and not out[-1].endswith((".", "!", "?", ":", ";", "”", '"')):
            if out[-1].endswith("-") and out[-1][-2:-1].isalpha():
                out[-1] = out[-1][:-1] + line
            else:
                out[-1] = out[-1] + " " + line
        else:
            out.append(line)
    return "\n".join(out)


def _file_name(url: str) -> str:
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])


# ---------------------------------------------------------------------------------------------
# HTML


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


def _extract_html(html: str, url: str) -> ExtractedArticle:
    tree = _parse(html)
    if tree is None:
        return ExtractedArticle()
    jsonld = _jsonld_objects(tree)
    article_ld = _article_node(jsonld)
    meta = _meta_tags(tree)
    site_names = _site_names(meta, article_ld, url)
    h1 = _first_text(tree, "//h1")

    result = ExtractedArticle()
    result.blocked = _is_blocked(tree, html)
    result.title = _title(tree, meta, article_ld, h1, site_names)
    if result.blocked or _CHALLENGE_TITLES.match(result.title):
        result.title = ""  # "Just a moment..." names the bot check, not the article
    result.authors = _authors(tree, meta, article_ld, site_names)
    result.published_at = _published_at(tree, meta, article_ld, url)
    result.top_image = _top_image(tree, meta, article_ld, url)

    _remove_overlays(tree)
    # Metadata has been read; scripts and the like only slow the extractors down.
    lxml.etree.strip_elements(tree, *_NEVER_TEXT, with_tail=False)
    text, extractor, prompt_removed = _body_text(tree, url, _html_lang(tree), result.title or h1)
    ld_body = _tidy_text(_ld_text(article_ld.get("articleBody")) if article_ld else "")
    if ld_body and len(ld_body.split()) > max(25, 2 * len(text.split())):
        text, extractor = ld_body, "jsonld"
    # An interstitial's own wording ("Checking your browser...") is not an article.
    result.text = "" if result.blocked else text
    result.extractor = extractor if result.text else ""
    result.paywalled = _is_paywalled(tree, jsonld, meta, len(text.split()), prompt_removed)
    result.language = detect_language(text) or _html_lang(tree)
    return result


_NEVER_TEXT = ("script", "style", "noscript", "svg", "template", "iframe")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _parse(html: str) -> lxml.html.HtmlElement | None:
    """One parse per page; every extractor then works on this tree or a copy of it."""
    if not isinstance(html, str):
        html = str(html or "")
    # lxml refuses control characters and a str carrying an encoding declaration.
    html = _XML_DECL.sub("", _CONTROL.sub("", html).replace("\ufeff", ""))
    if not html.strip():
        return None
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    return tree if tree is not None and len(tree) else None


# ---------------------------------------------------------------------------------------------
# Body text


_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2",
    "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "blockquote",
    "pre", "figure", "figcaption", "br", "hr", "form", "address", "center",
}  # fmt: skip


def _body_text(tree: lxml.html.HtmlElement, url: str, lang: str, title: str) -> tuple[str, str, bool]:
    """Return (text, extractor name, whether a subscription prompt was dropped)."""
    huge = sum(1 for _ in tree.iter()) > MAX_NEWSPAPER_ELEMENTS
    candidates = {
        "trafilatura": _run("trafilatura", _trafilatura_text, tree, huge),
        "newspaper3k": "" if huge else _run("newspaper3k", _newspaper_text, _page_chrome_removed(tree), url, lang),
        "readability": _run("readability", _readability_text, copy.deepcopy(tree)),
    }
    text, extractor = combine(candidates)
    lines, prompt_removed = _drop_boilerplate_lines(text.split("\n"), title)
    return "\n".join(lines), extractor, prompt_removed


# newspaper3k's sibling scoring is quadratic in the number of paragraphs (8,000 take 6 s), and
# trafilatura's second opinion (its own readability and jusText runs) costs seconds on
# megabyte pages. The largest benchmark page has 1,565 elements once scripts are gone; on a
# page with more than this, newspaper3k does not vote and trafilatura runs without fallbacks.
MAX_NEWSPAPER_ELEMENTS = 6000

# Page chrome that never holds the article. newspaper3k's cleaner runs a dozen regular-expression
# XPath passes over every node, so handing it a tree without these halves its time; on the
# benchmark its votes, and so our F1, stay the same (bench/README.md).
_CHROME = ("head", "nav", "footer", "form", "button", "select", "input", "figure")
_CHROME_UNLESS_ARTICLE = ("header", "aside")


def _page_chrome_removed(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of ``tree`` without navigation, footers, forms and figures, for newspaper3k."""
    slim = copy.deepcopy(tree)
    lxml.etree.strip_elements(slim, *_CHROME, with_tail=False)
    for el in list(slim.iter(*_CHROME_UNLESS_ARTICLE)):
        # Some layouts put the story itself in an <aside> or <header>.
        if el.getparent() is not None and el.find(".//h1") is None and el.find(".//p") is None:
            el.drop_tree()
    return slim


def _run(name: str, func: Any, *args: Any) -> str:
    # One extractor failing on odd markup must not lose the others' text.
    try:
        return _tidy_text(func(*args) or "")
    except Exception:  # RecursionError included: deep markup defeats one extractor, not all
        logger.warning("%s failed", name, exc_info=True)
        return ""


def _trafilatura_text(tree: lxml.html.HtmlElement, fast: bool = False) -> str:
    import trafilatura

    # trafilatura copies a tree it is given, so the shared tree stays intact.
    return trafilatura.extract(
        tree,
        favor_precision=True,
        fast=fast,
        include_comments=False,
        include_tables=True,
        output_format="txt",
    )


_NEWSPAPER_CONFIG = None


def _newspaper_text(tree: lxml.html.HtmlElement, url: str, lang: str) -> str:
    """newspaper3k's body extraction (Article.parse minus metadata, images, network and NLP)."""
    global _NEWSPAPER_CONFIG
    from newspaper.cleaners import DocumentCleaner
    from newspaper.configuration import Configuration
    from newspaper.extractors import ContentExtractor
    from newspaper.outputformatters import OutputFormatter

    if _NEWSPAPER_CONFIG is None:
        config = Configuration()
        config.fetch_images = False
        config.memoize_articles = False
        _NEWSPAPER_CONFIG = config
    config = _NEWSPAPER_CONFIG
    extractor = ContentExtractor(config)
    formatter = OutputFormatter(config)
    if lang and re.fullmatch(r"[a-z]{2}", lang):
        try:
            extractor.update_language(lang)
            formatter.update_language(lang)
        except (OSError, KeyError, ValueError, ImportError):
            # a language newspaper3k has no stopwords for: keep English
            extractor = ContentExtractor(config)
            formatter = OutputFormatter(config)
    doc = DocumentCleaner(config).clean(tree)
    top = extractor.calculate_best_node(doc)
    if top is None:
        return ""
    top = extractor.post_cleanup(top)
    # OutputFormatter.get_formatted without its last step: convert_to_text flattens each child
    # of the top node onto one line, gluing a section label onto the sentence after it.
    formatter.top_node = top
    formatter.remove_negativescores_nodes()
    formatter.links_to_text()
    formatter.add_newline_to_br()
    formatter.add_newline_to_li()
    formatter.replace_with_text()
    formatter.remove_empty_tags()
    formatter.remove_trailing_media_div()
    # add_newline_to_* mark line breaks with a literal backslash-n.
    return element_text(formatter.get_top_node()).replace("\\n", "\n")


def _readability_text(tree: lxml.html.HtmlElement) -> str:
    from readability import Document

    # No url: making its links absolute costs a fifth of readability's time and no text.
    summary = Document(tree).summary(html_partial=True)
    if not summary or not summary.strip():
        return ""
    body = lxml.html.document_fromstring(summary).find("body")
    return element_text(body) if body is not None else ""


def element_text(element: lxml.html.HtmlElement) -> str:
    """Text of an element with one line per block (paragraph, heading, list item, table row).

    Input: an lxml element. Output: text with ``\\n`` between blocks and cells of a table row
    joined by `` | ``; scripts, styles and templates are skipped.
    """
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in (
            "script",
            "style",
            "noscript",
            "template",
            "svg",
            "button",
            "select",
        ):
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if tag in ("td", "th") and el.getprevious() is not None:
            parts.append(" | ")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(element)
    return "".join(parts)


_WORD = re.compile(r"\w+")


def _shingles(tokens: list[str]) -> Counter[tuple[str, ...]]:
    # Word 4-grams, as the benchmark metric counts them (bench/extraction.py).
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)) if tokens[i : i + 4])


def _coverage(part: Counter, whole: Counter) -> float:
    total = sum(part.values())
    return sum((part & whole).values()) / total if total else 0.0


# Tuned on the benchmark (bench/README.md): a line is "supported" by another extractor when at
# least half of its 4-grams occur in that extractor's text; a voter shorter than 30 % of the base
# is too truncated to vote; newspaper3k+readability replace the base only when they agree on
# half as much text again as the base holds.
SUPPORT_SHARE = 0.5
MIN_VOTER_SHARE = 0.3
TRUNCATION_SHARE = 0.5


def combine(candidates: dict[str, str]) -> tuple[str, str]:
    """Combine extractor outputs into one text.

    Input: ``{"trafilatura": text, "newspaper3k": text, "readability": text}`` (any may be "").
    Output: ``(text, name of the extractor whose lines were kept)``. See the module docstring
    for the rule; the figures behind it are in ``bench/README.md``.
    """
    names = [n for n in ("trafilatura", "newspaper3k", "readability") if candidates.get(n)]
    if not names:
        return "", ""
    tokens = {n: _WORD.findall(candidates[n].lower()) for n in names}
    grams = {n: _shingles(tokens[n]) for n in names}
    base = names[0]
    if len(names) == 3:
        # trafilatura is the base; see whether the other two agree on text it lacks.
        a, b = names[1], names[2]
        agreed = grams[a] & grams[b]
        missing = sum((agreed - grams[base]).values())
        if missing >= TRUNCATION_SHARE * max(1, sum(grams[base].values())):
            consensus = agreed | (grams[a] & grams[base]) | (grams[b] & grams[base])

            def closeness(n: str) -> float:
                p, r = _coverage(grams[n], consensus), _coverage(consensus, grams[n])
                return 2 * p * r / (p + r) if p + r else 0.0

            base = max((a, b), key=closeness)
    elif base != "trafilatura" and len(names) == 2:
        # trafilatura found nothing: keep the more precise newspaper3k unless it is far shorter.
        a, b = names
        base = a if len(tokens[a]) >= 0.5 * len(tokens[b]) else b
    voters = [
        (" " + " ".join(tokens[n]) + " ", grams[n])
        for n in names
        if n != base and len(tokens[n]) >= MIN_VOTER_SHARE * len(tokens[base])
    ]
    rows = [_split_row(line) for line in candidates[base].split("\n") if line.strip()]
    units = [(i, cell) for i, cells in enumerate(rows) for cell in cells]
    keep = [True] * len(units)
    if voters:
        i = 0
        while i < len(units) and _supported(units[i][1], voters) is False:
            keep[i] = False
            i += 1
        j = len(units) - 1
        while j > i and _supported(units[j][1], voters) is False:
            keep[j] = False
            j -= 1
    kept: dict[int, list[str]] = {}
    for (i, cell), k in zip(units, keep, strict=True):
        if k:
            kept.setdefault(i, []).append(cell)
    text = "\n".join(" | ".join(cells) for _i, cells in sorted(kept.items()))
    return text, base


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|") and line.count("|") >= 2:
        cells = [c.strip() for c in line.strip("|").split("|")]
        return [c for c in cells if c] or [line]
    return [line]


def _supported(unit: str, voters: list[tuple[str, Counter]]) -> bool | None:
    tokens = _WORD.findall(unit.lower())
    if not tokens:
        return None
    if len(tokens) < 4:
        needle = " " + " ".join(tokens) + " "
        return any(needle in joined for joined, _grams in voters)
    grams = _shingles(tokens)
    return any(_coverage(grams, g) >= SUPPORT_SHARE for _joined, g in voters)


# Lines that are page furniture wherever they appear: ad labels and subscription prompts.
_AD_LINE = re.compile(
    r"^(advertisement|advertising|ad|ads|sponsored|anzeige|werbung|publicidad|publicité|pubblicità|"
    r"skip advertisement|story continues below( this)? advertisement|continue reading below|"
    r"scroll to continue with content|article continues below)\W*$",
    re.IGNORECASE,
)
_PROMPT_LINE = re.compile(
    r"subscribe now|subscribe (today|to (continue|read|unlock))|already a (member|subscriber)|"
    r"continue reading (your|this|the full) article|to continue reading|"
    r"(sign|log) in to (continue|read)|become a (member|subscriber) to|"
    r"this (article|content|story) is (only )?(available|for) (to )?(subscribers|members)|"
    r"unlock (this|full) (article|access)",
    re.IGNORECASE,
)


# Headings that open a list of other articles. "Read also" and "Related" are left out: sites put
# them inline, with more of the article after them.
_RELATED_HEADING = re.compile(
    r"^(you (may|might) (also )?(like|enjoy)|recommended for you|more stories (from|like this)|"
    r"most (read|popular)|trending now|você (pode|também pode) gostar|"
    r"das könnte sie auch interessieren|vous aimerez aussi|vous pourriez aussi aimer|"
    r"te puede interesar|también te puede interesar|ti potrebbe interessare|"
    r"potrebbe interessarti anche|похожие статьи|вам также может понравиться)\W*$",
    re.IGNORECASE,
)
# Words of article text needed before such a heading for the rest to be cut.
_MIN_WORDS_BEFORE_RELATED = 40


_CODE_START = re.compile(
    r"^\s*(window\.|document\.|var \w|let \w|const \w|function\s*\w*\s*\(|\(function|"
    r"googletag\.|[\w$.]+\.push\(|[\w$.]+\s*=\s*[\w$.]+\s*\|\||if\s*\(|\}\)?;)"
)


def _looks_like_code(line: str) -> bool:
    """Script text that leaked into the page as text (an inline loader, a tracking snippet)."""
    if not _CODE_START.match(line):
        return False
    punctuation = sum(line.count(ch) for ch in "{}();=[]")
    return punctuation >= 4 and punctuation >= 0.04 * len(line)


def _drop_boilerplate_lines(lines: list[str], title: str) -> tuple[list[str], bool]:
    out = []
    prompt_removed = False
    title_key = " ".join(_WORD.findall(title.lower())) if title else ""
    for line in lines:
        line = line.strip()
        if not line or _AD_LINE.match(line):
            continue
        if len(line.split()) <= 30 and _PROMPT_LINE.search(line):
            prompt_removed = True
            continue
        if _looks_like_code(line):
            continue
        out.append(line)
    # The headline is stored as the title; repeating it as the first line of the text is noise.
    while out and title_key and " ".join(_WORD.findall(out[0].lower())) == title_key:
        out.pop(0)
    # A "You may also like" heading after the article starts a list of other articles.
    words = 0
    for i, line in enumerate(out):
        if words >= _MIN_WORDS_BEFORE_RELATED and _RELATED_HEADING.match(line):
            out = out[:i]
            break
        words += len(line.split())
    return out, prompt_removed


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def _clean_line(text: str) -> str:
    text = _CONTROL.sub("", _ZERO_WIDTH.sub("", text))
    return _SPACES.sub(" ", text).strip()


def _tidy_text(text: str) -> str:
    """Normalise whitespace: one block per line, no blank lines, no control characters."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    lines = (_clean_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_OVERLAY = re.compile(
    r"(?:^|[\s_-])(?:cookies?|consent|cmp|gdpr|onetrust|didomi|cookiebot|usercentrics|truste|"
    r"qc-cmp2|sp_message|privacy-?banner|newsletter-?(?:signup|popup|modal))(?:$|[\s_-])",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _holds_article(el: Any, total: int) -> bool:
    if el.tag in ("article", "main") or el.find(".//article") is not None or el.find(".//main") is not None:
        return True
    if el.find(".//h1") is not None:
        return True
    return len(el.text_content() or "") > 0.8 * total


def _remove_overlays(tree: lxml.html.HtmlElement) -> None:
    """Drop cookie/consent banners and hidden elements before any extractor sees the page.

    Such an element is kept when it holds the headline, an <article>/<main> or most of the
    page's text, so a page whose layout carries such a class, or that hides its body until a
    script runs, keeps its article.
    """
    body = tree.find("body")
    if body is None:
        return
    total = -1
    doomed = []
    for el in body.iter(lxml.etree.Element):
        attrs = f"{el.get('id', '')} {el.get('class', '')}"
        style = el.get("style") or ""
        hidden = el.get("hidden") is not None or bool(style and _HIDDEN_STYLE.search(style))
        banner = bool(attrs.strip() and _OVERLAY.search(attrs))
        if hidden or banner:
            if total < 0:
                total = len(body.text_content() or "")
            # Some pages hide the whole body until a script runs; that is the article, not noise.
            if not _holds_article(el, total):
                doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


# ---------------------------------------------------------------------------------------------
# Page state: bot check, paywall


# Lower-case substrings of the markup of Cloudflare, PerimeterX, DataDome, Imperva and
# DDoS-Guard challenge pages (plain substring search: a regex over a large page costs ~10 ms).
_CHALLENGE_MARKERS = (
    "_cf_chl_opt", "cf-challenge", "challenge-platform", "cf_chl_", "challenge-running",
    "challenge-error-text", "cf-browser-verification", "px-captcha", "captcha-delivery.com",
    "_incapsula_resource", "hcaptcha-box", "ddos-guard",
)  # fmt: skip
_CHALLENGE_TITLES = re.compile(
    r"^(just a moment\.*|attention required!?( \| cloudflare)?|checking your browser.*|"
    r"please wait\.*|one moment, please\.*|access denied|ddos-guard|security check|"
    r"verifying you are human.*|are you a robot\??|pardon our interruption\.*)$",
    re.IGNORECASE,
)
_CHALLENGE_TEXT = re.compile(
    r"checking if the site connection is secure|checking your browser before accessing|"
    r"needs to review the security of your connection|enable javascript and cookies to continue|"
    r"verify(ing)? you are (a )?human|press (&|and) hold to confirm",
    re.IGNORECASE,
)


def _is_blocked(tree: lxml.html.HtmlElement, html: str) -> bool:
    """A bot-check interstitial: two of title, markup markers and wording, on a near-empty page."""
    title = _clean_line(tree.findtext(".//title") or "")
    by_title = bool(_CHALLENGE_TITLES.match(title))
    lowered = html.lower()
    by_markup = any(marker in lowered for marker in _CHALLENGE_MARKERS)
    if not (by_title or by_markup):
        return False
    body_text = " ".join(
        t.strip() for t in tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]") if t.strip()
    )
    if len(body_text.split()) > 400:
        return False
    return by_title + by_markup + bool(_CHALLENGE_TEXT.search(body_text)) >= 2


def _is_paywalled(
    tree: lxml.html.HtmlElement,
    jsonld: list[dict],
    meta: dict[str, str],
    words: int,
    prompt_removed: bool,
) -> bool:
    """Only a teaser was delivered.

    Schema.org's paywall markup (``isAccessibleForFree: false``, with ``hasPart.cssSelector``
    naming the paid section) says the article is for subscribers; many metered sites still send
    the whole text, so the flag is set only when the named section is missing or nearly empty,
    or, without a selector, when the text is short. A subscription prompt next to a short text
    counts too.
    """
    not_free = False
    selectors: list[str] = []
    for obj in jsonld:
        for node in [obj, *_as_list(obj.get("hasPart"))]:
            if isinstance(node, dict) and str(node.get("isAccessibleForFree", "")).strip().lower() in (
                "false",
                "no",
                "0",
            ):
                not_free = True
                if isinstance(node.get("cssSelector"), str):
                    selectors.append(node["cssSelector"])
    if meta.get("article:content_tier", "").lower() == "locked":
        not_free = True
    if not_free:
        if selectors:
            delivered = 0
            for selector in selectors:
                try:
                    delivered += sum(len((el.text_content() or "").split()) for el in tree.cssselect(selector))
                except (SelectorError, lxml.etree.XPathError, ValueError):
                    logger.info("unusable paywall selector %r", selector)
            return delivered < PAID_SECTION_WORDS
        return words < TEASER_WORDS
    return prompt_removed and words < TEASER_WORDS


# A paid section with fewer words than this holds a prompt, not the article; a text shorter
# than this beside a paywall marker or subscription prompt is a teaser.
PAID_SECTION_WORDS = 100
TEASER_WORDS = 350


# ---------------------------------------------------------------------------------------------
# Metadata


_ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
    "techarticle", "report", "socialmediaposting", "liveblogposting", "posting", "webpage",
    "medicalwebpage", "creativework", "advertisercontentarticle", "satiricalarticle",
}  # fmt: skip


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _jsonld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    objects: list[dict] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except RecursionError:
            continue
        except ValueError:
            try:  # trailing commas and stray control characters are common
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", _CONTROL.sub(" ", raw)), strict=False)
            except (ValueError, RecursionError):
                continue
        stack = _as_list(data)
        while stack and len(objects) < 200:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                stack.extend(x for x in _as_list(item.get("@graph")) if isinstance(x, dict))
                main = item.get("mainEntity")
                if isinstance(main, dict):
                    stack.append(main)
            elif isinstance(item, list):
                stack.extend(item)
    return objects


def _types(obj: dict) -> set[str]:
    return {str(t).lower().rsplit("/", 1)[-1] for t in _as_list(obj.get("@type"))}


def _article_node(objects: list[dict]) -> dict:
    best: dict = {}
    best_rank = 99
    for obj in objects:
        types = _types(obj)
        if not types & _ARTICLE_TYPES:
            continue
        # A real article type beats a generic WebPage; among equals the first wins.
        rank = 0 if types & (_ARTICLE_TYPES - {"webpage", "creativework", "medicalwebpage"}) else 1
        if not (obj.get("headline") or obj.get("articleBody")):
            rank += 2
        if rank < best_rank:
            best, best_rank = obj, rank
    return best


def _ld_text(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if isinstance(v, str))
    if not isinstance(value, str):
        return ""
    import html as html_module

    value = html_module.unescape(value)
    if "<" in value and re.search(r"</?(p|br|div|span|a|em|strong)\b", value, re.IGNORECASE):
        try:
            return element_text(lxml.html.fragment_fromstring(value, create_parent="div"))
        except (lxml.etree.ParserError, ValueError):
            return re.sub(r"<[^>]+>", " ", value)
    return value


def _meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """First non-empty content of each <meta name|property|itemprop|http-equiv>, keys lower-case."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        value = el.get("content")
        if value is None:
            value = el.get("datetime") or el.get("value")
        if not key or not value or not value.strip():
            continue
        key = key.strip().lower()
        if key not in found:
            found[key] = _clean_line(value)
    return found


def _first_text(tree: lxml.html.HtmlElement, xpath: str) -> str:
    for el in tree.xpath(xpath):
        text = _clean_line(el.text_content() or "")
        if text:
            return text
    return ""


def _html_lang(tree: lxml.html.HtmlElement) -> str:
    lang = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip().lower()
    lang = lang.split("-")[0].split("_")[0]
    return lang if re.fullmatch(r"[a-z]{2}", lang) else ""


def _site_names(meta: dict[str, str], article_ld: dict, url: str) -> list[str]:
    names = [
        meta.get("og:site_name", ""),
        meta.get("application-name", ""),
        meta.get("twitter:site", "").lstrip("@"),
    ]
    publisher = article_ld.get("publisher") if article_ld else None
    for pub in _as_list(publisher):
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            names.append(pub["name"])
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    labels = [x for x in host.split(".")[:-1] if len(x) >= 5 and x not in _GENERIC_HOST_LABELS]
    names.extend(labels)
    if host:
        names.append(host.removeprefix("www."))
    return [n for n in names if n]


# Host labels that name no site ("news.example.kr", "blog.example.com").
_GENERIC_HOST_LABELS = {
    "example",
    "mobile",
    "news",
    "blog",
    "blogs",
    "online",
    "media",
    "press",
    "local",
}


def _squash(text: str) -> str:
    return "".join(_WORD.findall(text.lower())).replace("_", "")


# " | ", " - ", " – ", " :: ", "_" and "Site: Headline" (a colon only with a space after it).
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·•»:]{1,2}\s+|\s*[|_]\s*|\s+::\s+|:\s+")


def _title(
    tree: lxml.html.HtmlElement,
    meta: dict[str, str],
    article_ld: dict,
    h1: str,
    site_names: list[str],
) -> str:
    import html as html_module

    headline = _ld_text(article_ld.get("headline")) if article_ld else ""
    raw = [
        headline,
        meta.get("og:title", ""),
        meta.get("twitter:title", ""),
        _first_text(tree, "//title"),
    ]
    candidates = [c for c in (_clean_line(html_module.unescape(r or "")) for r in raw) if c]
    cleaned = [_strip_site_name(c, h1, site_names) for c in candidates]
    # The headline the reader sees (<h1>) wins when the page's metadata agrees with it.
    squash_h1 = _squash(h1)
    for title in cleaned:
        if squash_h1 and _squash(title) == squash_h1:
            return title
    return cleaned[0] if cleaned else h1


def _strip_site_name(title: str, h1: str, site_names: list[str]) -> str:
    """Remove " | Site", " - Site", "Opinion | ", "_栏目" and similar from a page title.

    The headline itself may contain a dash ("Harbor Bridge Authority - Quarterly Toll Report"),
    so a part is only cut when it matches the site's name (og:site_name, publisher, domain),
    when the page's <h1> is the rest, or when it is a short label set off by a pipe or underscore.
    """
    squash_h1 = _squash(h1)
    if squash_h1 and _squash(title) == squash_h1:
        return title
    sites = {_squash(s) for s in site_names if _squash(s)}

    def is_site(piece: str) -> bool:
        sq = _squash(piece)
        if not sq:
            return False
        if sq in sites:
            return True
        return len(piece.split()) <= 5 and any(len(s) >= 5 and (s in sq or sq in s) for s in sites)

    def parts(text: str) -> tuple[list[str], list[re.Match]]:
        seps = list(_TITLE_SEPARATORS.finditer(text))
        pieces, start = [], 0
        for m in seps:
            pieces.append(text[start : m.start()])
            start = m.end()
        pieces.append(text[start:])
        return pieces, seps

    pieces, seps = parts(title)
    while seps and is_site(pieces[-1]):
        title = title[: seps[-1].start()].strip()
        pieces, seps = parts(title)
    while seps and is_site(pieces[0]):
        title = title[seps[0].end() :].strip()
        pieces, seps = parts(title)
    if not seps:
        return title
    # The <h1> is a leading or trailing run of the title's pieces.
    if squash_h1 and len(squash_h1) >= 8 and not is_site(h1):
        for m in seps:
            head, tail = title[: m.start()].strip(), title[m.end() :].strip()
            if _squash(head) == squash_h1:
                return head
            if _squash(tail) == squash_h1:
                return tail
    # A trailing "| Section" or "_栏目", or a leading "Opinion |", is a label, not the headline.
    while seps and seps[-1].group().strip() in ("|", "_") and len(pieces[-1]) < len(title) / 2:
        title = title[: seps[-1].start()].strip()
        pieces, seps = parts(title)
    if seps and seps[0].group().strip() == "|" and len(pieces[0].split()) <= 2 and len(pieces[0]) < len(title) / 3:
        title = title[seps[0].end() :].strip()
    return title


_NOT_A_NAME = re.compile(
    r"@|https?:|www\.|\.com\b|\bemail\b|\be-mail\b|\bfollow\b|\bcontact\b|\brss\b|\bstaff\b|"
    r"\bsubscribe\b|\bnewsletter\b|\btwitter\b|\bfacebook\b|\bview all\b|\bmore (from|by)\b|\bposts?\b|"
    r"\b(editor|writer|reporter|correspondent|contributor|columnist|producer|photographer)s?\b",
    re.IGNORECASE,
)
_BY_PREFIX = re.compile(
    r"^\s*(?:(?:analysis|opinion|commentary|story|text|words|written|posted|reporting)\s+)?"
    r"(by|von|par|por|di|door|av|af)\s*[:\-]?\s+",
    re.IGNORECASE,
)
# Academic and professional credentials after a comma ("Jane Doe, MS, RDN").
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,5}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?|I{2,3}|IV)$")
_DATE_WORD = re.compile(
    r"\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|"
    r"june|july|august|september|october|november|december|updated|published)\b.*$",
    re.IGNORECASE,
)
# Case-sensitive: "Bruce Y. Lee" is one person; "Marsh and Ngata", "Marsh y Ngata" are two.
_NAME_SPLIT = re.compile(r"\s*(?:,|&|;|\|)\s*|\s+(?:and|AND|And|und|UND|et|ET|y|e)\s+")


def _authors(
    tree: lxml.html.HtmlElement,
    meta: dict[str, str],
    article_ld: dict,
    site_names: list[str],
) -> list[str]:
    names: list[str] = []
    for author in _as_list(article_ld.get("author") if article_ld else None):
        if isinstance(author, dict):
            value = author.get("name")
            if isinstance(value, list):
                names.extend(n for v in value if isinstance(v, str) for n in _split_names(v))
            elif isinstance(value, str):
                names.extend(_split_names(value))
        elif isinstance(author, str):
            names.extend(_split_names(author))
    if not names:
        for key in (
            "author",
            "article:author",
            "dc.creator",
            "parsely-author",
            "sailthru.author",
            "byl",
        ):
            value = meta.get(key, "")
            if value and not value.startswith("http"):
                names.extend(_split_names(value))
            if names := [n for n in names if _valid_name(n)]:
                break
    if not names:
        xpath = (
            '//*[@rel="author" or @itemprop="author" or contains(concat(" ", normalize-space(@class), " "), " byline ")'
            ' or contains(@class, "byline") or contains(@class, "author-name") or contains(@class, "article-author")]'
        )
        scope = tree.xpath("//article") or tree.xpath("//main") or [tree]
        for el in scope[0].xpath("." + xpath[1:]) if scope[0] is not tree else tree.xpath(xpath):
            if el.tag in ("meta", "link"):
                continue
            found = [n for n in _split_names(_clean_line(" ".join(el.itertext()))) if _valid_name(n)]
            if found:
                names = found
                break
    seen: set[str] = set()
    out = []
    sites = {_squash(x) for x in site_names if _squash(x)}
    for name in names:
        name = _normalise_name(name)
        if _squash(name) in sites or any(len(x) >= 5 and x in _squash(name) for x in sites):
            continue  # the publication itself ("BBC News", "CNN Business") is not an author
        if _valid_name(name) and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out[:10]


def _split_names(text: str) -> list[str]:
    import html as html_module

    text = html_module.unescape(text or "")
    text = _BY_PREFIX.sub("", _clean_line(text))
    text = re.split(r"\s+(?:[|•·—–]|-\s)\s*|\n", text)[0]
    text = _DATE_WORD.sub("", text)
    parts = [p.strip(" .,:;") for p in _NAME_SPLIT.split(text)]
    return [p for p in parts if p and not _CREDENTIAL.match(p)]


def _valid_name(name: str) -> bool:
    if not name or _NOT_A_NAME.search(name):
        return False
    words = name.split()
    if len(words) == 1 and name.islower():
        return False  # a user handle ("gto"), not a person's name
    return 1 <= len(words) <= 5 and len(name) <= 60 and not any(ch.isdigit() for ch in name)


def _normalise_name(name: str) -> str:
    name = _BY_PREFIX.sub("", _clean_line(name)).strip(" .,:;")
    # "SHELBY MARSH" is a shouted name; "PTI" or "AP" is an agency and stays as it is.
    if name.isupper() and (" " in name or len(name) > 4):
        name = " ".join(w.capitalize() if w.isalpha() else w.title() for w in name.split())
    return name


_DATE_META_KEYS = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "publishdate", "pubdate", "publish-date", "publication_date", "date", "dc.date.issued",
    "dc.date", "dcterms.date", "dcterms.created", "sailthru.date", "parsely-pub-date",
    "article.published", "article_date_original", "cxenseparse:recs:publishtime", "dc.date.created",
)  # fmt: skip
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|[-_])")


def _published_at(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str) -> datetime | None:
    candidates = []
    if article_ld:
        candidates += [article_ld.get("datePublished"), article_ld.get("dateCreated")]
    candidates += [meta.get(k) for k in _DATE_META_KEYS]
    candidates += [el.get("datetime") or el.get("content") for el in tree.xpath('//*[@itemprop="datePublished"]')]
    candidates += [el.get("datetime") for el in tree.xpath("//time[@datetime]")[:3]]
    if article_ld:
        candidates.append(article_ld.get("dateModified"))
    for value in candidates:
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
    # Only an unambiguous /YYYY/MM/DD/ path: "/2021/04/92713" is an id, not a date.
    try:
        match = _URL_DATE.search(urlsplit(url).path)
    except ValueError:
        match = None
    if match:
        return parse_date("-".join(match.groups()))
    return None


def parse_date(value: Any) -> datetime | None:
    """Parse a date or date-time string from page metadata into an aware datetime.

    ISO 8601 first (keeping the given UTC offset; a date alone becomes 00:00 UTC; a naive time
    is taken as UTC), then free-form dates via dateutil. Returns None for anything else,
    including years outside 1990..2100.
    """
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 64:
        return None
    parsed: datetime | None = None
    iso = value.replace("z", "Z")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        try:
            parsed = datetime.fromisoformat(iso).replace(tzinfo=UTC)
        except ValueError:
            return None
    else:
        try:
            parsed = datetime.fromisoformat(re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso))
        except ValueError:
            parsed = None
        if parsed is None:
            if not re.search(r"\d{4}|[A-Za-z]{3}", value) or re.fullmatch(r"\d+", value):
                return None
            try:
                from dateutil import parser as date_parser

                with warnings.catch_warnings():
                    # "IST", "EDT": an unknown zone name leaves the time naive, taken as UTC below.
                    warnings.simplefilter("ignore")
                    parsed = date_parser.parse(value, fuzzy=False)
            except (ValueError, OverflowError, TypeError):
                return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed


def _top_image(tree: lxml.html.HtmlElement, meta: dict[str, str], article_ld: dict, url: str) -> str:
    candidates = [
        meta.get("og:image"),
        meta.get("og:image:url"),
        meta.get("og:image:secure_url"),
        meta.get("twitter:image"),
        meta.get("twitter:image:src"),
    ]
    if article_ld:
        for image in _as_list(article_ld.get("image")):
            candidates.append(image.get("url") if isinstance(image, dict) else image)
    candidates += tree.xpath('//link[@rel="image_src"]/@href')
    scope = tree.xpath("//article") or tree.xpath("//main")
    if scope:
        candidates += scope[0].xpath(".//img/@src")[:1]
    for value in candidates:
        if isinstance(value, str) and value.strip() and not value.strip().startswith("data:"):
            try:
                return urljoin(url, value.strip())
            except ValueError:
                continue
    return ""
