"""The body text of an HTML page: three extractors on one tree, and the vote that combines them.

* trafilatura (``favor_precision=True``) gives the base text, line by line;
* newspaper3k (its cleaner + best-node scoring, without its network or NLP steps) and
  readability-lxml vote on it: leading and trailing lines (or table cells) of the base that
  neither of them contains are boilerplate (headers, "about us" blurbs, related links) and go;
* when newspaper3k and readability agree on much more text than trafilatura found, trafilatura
  has cut the article short, and the one of them closer to the agreed text becomes the base.

The thresholds were tuned on the Scrapinghub article-extraction benchmark; ``bench/README.md``
has every variant tried and ``python -m bench.extraction`` measures them again.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from typing import Any

import lxml.etree
import lxml.html

from reader.extract.cleanup import WORD, drop_boilerplate_lines, drop_repeated_lines, tidy_text
from reader.extract.layout import element_text, trafilatura_text
from summaries.summarizer.blocks import CELL_SEPARATOR, ROW, TEXT, line_kinds

logger = logging.getLogger(__name__)


def body_text(tree: lxml.html.HtmlElement, url: str, lang: str, title: str) -> tuple[str, str, bool]:
    """The article text of a parsed page.

    Inputs: ``tree`` the parsed page (overlays and scripts already removed; it is not changed),
    ``url`` the page's address, ``lang`` the two-letter language of ``<html lang>`` or "",
    ``title`` the article's title (its repetition as the first line goes). Page furniture and
    lines repeating the article's own text (pull quotes) go (``reader.extract.cleanup``).
    Output: ``(text with one block per line, name of the extractor whose lines were kept, whether
    a subscription prompt was dropped)``. An extractor that fails is logged and counts as empty.
    """
    huge = sum(1 for _ in tree.iter()) > MAX_NEWSPAPER_ELEMENTS
    candidates = {
        "trafilatura": _run("trafilatura", _trafilatura_text, tree, huge),
        "newspaper3k": "" if huge else _run("newspaper3k", _newspaper_text, _page_chrome_removed(tree), url, lang),
        "readability": _run("readability", _readability_text, copy.deepcopy(tree)),
    }
    text, extractor = combine(candidates)
    lines, prompt_removed = drop_boilerplate_lines(text.split("\n"), title)
    return "\n".join(drop_repeated_lines(lines)), extractor, prompt_removed


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
        return tidy_text(func(*args) or "")
    except Exception:  # RecursionError included: deep markup defeats one extractor, not all
        logger.warning("%s failed", name, exc_info=True)
        return ""


def _trafilatura_text(tree: lxml.html.HtmlElement, fast: bool = False) -> str | None:
    # Deferred: trafilatura (with courlan, htmldate and justext) takes about half a second to
    # import; a PDF, a metadata-only caller and every process that never extracts skip it.
    import trafilatura

    # trafilatura copies a tree it is given, so the shared tree stays intact. Its XML body, not its
    # text: tables and code keep their shape (reader.extract.layout).
    document = trafilatura.bare_extraction(
        tree,
        favor_precision=True,
        fast=fast,
        include_comments=False,
        include_tables=True,
    )
    return trafilatura_text(getattr(document, "body", None))


_NEWSPAPER_CONFIG = None


def _newspaper_text(tree: lxml.html.HtmlElement, url: str, lang: str) -> str:
    """newspaper3k's body extraction (Article.parse minus metadata, images, network and NLP)."""
    global _NEWSPAPER_CONFIG
    # Deferred: importing any part of newspaper3k loads the whole package (bs4, its network and
    # image code), most of a second.
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
    # Deferred: readability-lxml (with chardet) takes about a tenth of a second to import; like the
    # other two it is needed only for an HTML page's body text.
    from readability import Document

    # No url: making its links absolute costs a fifth of readability's time and no text.
    summary = Document(tree).summary(html_partial=True)
    if not summary or not summary.strip():
        return ""
    body = lxml.html.document_fromstring(summary).find("body")
    return element_text(body) if body is not None else ""


# ---------------------------------------------------------------------------------------------
# The vote


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

    Input: ``{"trafilatura": text, "newspaper3k": text, "readability": text}`` (any may be "", each
    in the stored text's format, ``summaries.summarizer.blocks``). Output: ``(text, name of the
    extractor whose lines were kept)``; a table row that loses cells keeps the others. See the module docstring
    for the rule; the figures behind it are in ``bench/README.md``.
    """
    names = [n for n in ("trafilatura", "newspaper3k", "readability") if candidates.get(n)]
    if not names:
        return "", ""
    tokens = {n: WORD.findall(candidates[n].lower()) for n in names}
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
    lines = candidates[base].split("\n")
    # Units of the vote: a line of text, or a cell of a table row (layout tables put a page's header
    # and its article side by side). Code is never voted on: its support is None, so trimming stops.
    units = [
        (i, cell, kind in (TEXT, ROW))
        for i, (line, kind) in enumerate(zip(lines, line_kinds(lines), strict=True))
        if line.strip() or kind not in (TEXT, ROW)
        for cell in (line.split(CELL_SEPARATOR) if kind == ROW else [line])
    ]
    keep = [True] * len(units)
    if voters:
        i = 0
        while i < len(units) and units[i][2] and _supported(units[i][1], voters) is False:
            keep[i] = False
            i += 1
        j = len(units) - 1
        while j > i and units[j][2] and _supported(units[j][1], voters) is False:
            keep[j] = False
            j -= 1
    kept: dict[int, list[str]] = {}
    for (i, cell, _voted), k in zip(units, keep, strict=True):
        if k:
            kept.setdefault(i, []).append(cell)
    text = "\n".join(CELL_SEPARATOR.join(cells) for _i, cells in sorted(kept.items()))
    return text, base


def _supported(unit: str, voters: list[tuple[str, Counter]]) -> bool | None:
    tokens = WORD.findall(unit.lower())
    if not tokens:
        return None
    if len(tokens) < 4:
        needle = " " + " ".join(tokens) + " "
        return any(needle in joined for joined, _grams in voters)
    grams = _shingles(tokens)
    return any(_coverage(grams, g) >= SUPPORT_SHARE for _joined, g in voters)
