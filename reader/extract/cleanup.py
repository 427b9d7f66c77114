"""Text cleanup shared by every extractor: lines, whitespace, boilerplate lines and overlays.

* :func:`element_text` turns an lxml element into text with one block (paragraph, heading, list
  item, table row) per line;
* :func:`clean_line` and :func:`tidy_text` normalise whitespace and drop control and zero-width
  characters;
* :func:`drop_boilerplate_lines` removes page furniture (ad labels, subscription prompts, leaked
  script, a repeated headline, a trailing "You may also like" list) from the combined text;
* :func:`drop_repeated_lines` removes pull quotes and other lines repeating the article's own text;
* :func:`remove_overlays` drops cookie banners and hidden elements from the tree before any
  extractor reads it.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.etree
import lxml.html

from reader.pages.text import strip_control_chars

# A word, as the ensemble's shingles, the title/site-name comparison and the line rules count them.
WORD = re.compile(r"\w+")

_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2",
    "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "blockquote",
    "pre", "figure", "figcaption", "br", "hr", "form", "address", "center",
}  # fmt: skip


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


# ---------------------------------------------------------------------------------------------
# Whitespace and invisible characters


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def clean_line(text: str) -> str:
    """One line of text with zero-width and control characters removed (``reader.pages.text``) and
    runs of spaces (tabs, no-break and typographic spaces) collapsed to one, stripped at both ends."""
    text = strip_control_chars(_ZERO_WIDTH.sub("", text))
    return _SPACES.sub(" ", text).strip()


def tidy_text(text: str) -> str:
    """Normalise whitespace: one block per line, no blank lines, no control characters."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    lines = (clean_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# Boilerplate lines


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


def drop_boilerplate_lines(lines: list[str], title: str) -> tuple[list[str], bool]:
    """Remove page furniture from the lines of an extracted text.

    Inputs: ``lines`` the text's lines, ``title`` the article's title ("" when unknown).
    Output: ``(kept lines, whether a subscription prompt was removed)``; the flag is evidence for
    the paywall rule (``reader.extract.paywall``). Ad labels, short subscription prompts and
    leaked script go wherever they are; a first line repeating the title goes; a "You may also
    like" heading after at least ``_MIN_WORDS_BEFORE_RELATED`` words of text ends the text.
    """
    out = []
    prompt_removed = False
    title_key = " ".join(WORD.findall(title.lower())) if title else ""
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
    while out and title_key and " ".join(WORD.findall(out[0].lower())) == title_key:
        out.pop(0)
    # A "You may also like" heading after the article starts a list of other articles.
    words = 0
    for i, line in enumerate(out):
        if words >= _MIN_WORDS_BEFORE_RELATED and _RELATED_HEADING.match(line):
            out = out[:i]
            break
        words += len(line.split())
    return out, prompt_removed


# A line with fewer words may repeat by right ("Read more", a recurring label); a pull quote has more.
_MIN_REPEAT_WORDS = 6
# A pull quote repeats a sentence or two; a longer line inside another one is not one.
_MAX_QUOTE_WORDS = 60
_GRAM = 6
# A pull quote is a sentence: it ends with sentence punctuation, perhaps inside quotation marks.
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"’”»«)]*$")


def drop_repeated_lines(lines: list[str]) -> list[str]:
    """Remove pull quotes: lines that repeat a sentence of another line of the article.

    Magazines and blogs repeat one of the article's own sentences as a highlighted pull quote
    (``<blockquote class="pullquote">``, ``<aside>``) between two paragraphs; extractors keep both,
    so the sentence is read, and may be summarized, twice. Input: the text's lines. Output: the
    lines without each sentence-like one (``_MIN_REPEAT_WORDS`` to ``_MAX_QUOTE_WORDS`` words, ending
    in sentence punctuation) whose words (compared lower-case, punctuation and quotation marks
    ignored) appear, word for word, inside another, longer line. A heading repeated in a paragraph
    (no final full stop), table rows and lines repeated whole (a meal plan's "1 cup blueberries"
    every day) stay. Cost: about linear in the text's words (a candidate's other lines are found
    through its first word 6-gram).
    """
    words = [WORD.findall(line.lower()) for line in lines]
    keys = [" ".join(w) for w in words]
    candidates = [
        i
        for i, w in enumerate(words)
        if _MIN_REPEAT_WORDS <= len(w) <= _MAX_QUOTE_WORDS and "|" not in lines[i] and _SENTENCE_END.search(lines[i])
    ]
    if not candidates:
        return lines
    # Where each candidate's first 6-gram occurs; only positions starting with a candidate's first
    # word are looked at, so a long text costs one set lookup per word.
    firsts = {" ".join(words[i][:_GRAM]) for i in candidates}
    first_words = {words[i][0] for i in candidates}
    by_gram: dict[str, set[int]] = {}
    for i, w in enumerate(words):
        for j in range(len(w) - _GRAM + 1):
            if w[j] in first_words and (gram := " ".join(w[j : j + _GRAM])) in firsts:
                by_gram.setdefault(gram, set()).add(i)
    dropped: set[int] = set()
    for i in candidates:
        key = keys[i]
        needle = f" {key} "
        for other in by_gram.get(" ".join(words[i][:_GRAM]), ()):
            if other == i or other in dropped:
                continue
            if len(keys[other]) > len(key) and needle in f" {keys[other]} ":
                dropped.add(i)
                break
    return [line for i, line in enumerate(lines) if i not in dropped]


# ---------------------------------------------------------------------------------------------
# Overlays


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


def remove_overlays(tree: lxml.html.HtmlElement) -> None:
    """Drop cookie/consent banners and hidden elements before any extractor sees the page.

    Such an element is kept when it holds the headline, an <article>/<main> or most of the
    page's text, so a page whose layout carries such a class, or that hides its body until a
    script runs, keeps its article. Changes ``tree`` in place.
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
# <noscript>


# A <noscript> with fewer words is a notice ("Enable JavaScript..."), not an article.
_MIN_NOSCRIPT_WORDS = 25
# Elements whose text no reader sees (a template's text is what a script will write).
_UNSEEN = ("script", "style", "template", "noscript")


def reveal_noscript_article(tree: lxml.html.HtmlElement) -> bool:
    """Unwrap the ``<noscript>`` blocks that hold the article when the visible page holds little text.

    Blog engines of the Blogger kind and some client-rendered sites put the post into a script
    template and the same post, as plain HTML, inside ``<noscript>`` for readers without
    JavaScript; a fetcher runs no scripts, so that copy is the article. lxml parses a
    ``<noscript>``'s content as elements; the ones with at least ``_MIN_NOSCRIPT_WORDS`` words are
    unwrapped (their content stays in place, the tag goes) when together they hold more than twice
    as many words as the visible article could: the most words of ``<p>`` elements outside them
    that share one parent. A page that shows its article keeps its ``<noscript>`` copy out of the
    text; notices stay wrapped (the extractor drops them).
    Input: the parsed page, changed in place. Output: whether anything was unwrapped.
    """
    body = tree.find("body")
    if body is None:
        return False
    blocks = [el for el in body.iter("noscript") if not any(a.tag == "noscript" for a in el.iterancestors())]
    big = [el for el in blocks if len(_words(el)) >= _MIN_NOSCRIPT_WORDS]
    if not big:
        return False
    hidden_words = sum(len(_words(el)) for el in big)
    # The visible article is paragraphs side by side: the most words of <p> children of one element.
    # Scattered paragraphs (a sidebar's blurb, a footer's address) are not an article.
    clusters: dict[Any, int] = {}
    for p in body.iter("p"):
        if not any(isinstance(a.tag, str) and a.tag in _UNSEEN for a in p.iterancestors()):
            clusters[p.getparent()] = clusters.get(p.getparent(), 0) + len(_words(p))
    if hidden_words <= 2 * max(clusters.values(), default=0):
        return False
    for el in big:
        el.drop_tag()
    return True


def _words(el: Any) -> list[str]:
    return (el.text_content() or "").split()
