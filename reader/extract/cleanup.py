"""Text cleanup shared by every extractor: lines, whitespace, boilerplate lines and overlays.

* :func:`clean_line` and :func:`tidy_text` normalise whitespace and drop control and zero-width
  characters;
* :func:`drop_boilerplate_lines` removes page furniture (ad labels, subscription prompts, leaked
  script, a repeated headline, a trailing "You may also like" list) from the combined text;
* :func:`drop_repeated_lines` removes pull quotes and other lines repeating the article's own text;
* :func:`remove_overlays` drops cookie banners and hidden elements from the tree before any
  extractor reads it;
* :func:`flatten_deep_nesting` takes the hundreds of wrapper elements some page builders nest
  around an article out of the way, so no extractor gives up on the tree.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.etree
import lxml.html

from reader.pages.text import strip_control_chars
from summaries.summarizer.blocks import (
    CELL_SEPARATOR,
    CODE,
    FENCE,
    ROW,
    TEXT,
    has_blocks,
    is_fence,
    line_kinds,
    table_row,
)

# A word, as the ensemble's shingles, the title/site-name comparison and the line rules count them.
WORD = re.compile(r"\w+")

# ---------------------------------------------------------------------------------------------
# Whitespace and invisible characters


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def clean_line(text: str) -> str:
    """One line of text with zero-width characters, soft hyphens and control characters removed (``reader.pages.text``) and
    runs of spaces (tabs, no-break and typographic spaces) collapsed to one, stripped at both ends."""
    text = strip_control_chars(_ZERO_WIDTH.sub("", text))
    return _SPACES.sub(" ", text).strip()


def tidy_text(text: str) -> str:
    """Normalise the white space of a text in the stored format (``summaries.summarizer.blocks``):
    one block per line, no blank lines, no control characters; table rows keep one tab between
    cells, code keeps its indentation and blank lines (only trailing space and invisible characters
    go). Text from elsewhere (a PDF, a plain-text ``articleBody``) must have no tabs of its own."""
    if not text:
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n").split("\n")
    if not has_blocks(text):
        return "\n".join(line for line in map(clean_line, lines) if line)
    out = []
    for line, kind in zip(lines, line_kinds(lines), strict=True):
        if kind == CODE:
            out.append(strip_control_chars(_ZERO_WIDTH.sub("", line)).rstrip())
        elif kind == ROW:
            out.append(table_row(clean_line(cell) for cell in line.split(CELL_SEPARATOR)))
        elif line := clean_line(line):
            out.append(line)
    return "\n".join(out)


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


# A link to another story set in the text ("Related: Photos of Europa", "READ MORE: …", "More:" whose
# link was a script's): a label, a colon, and a headline (no final full stop) or nothing at all.
_LINK_LINE = re.compile(
    r"^(?:read more|more|related(?: posts?| stories| articles?| coverage| content| links?)?|see also|also read|"
    r"read also|watch|listen|lesen sie auch|mehr zum thema|lire aussi|à lire aussi|leggi anche|lee también)"
    r"\s*:(?:\s+[^.!?]{0,200}[^.!?\s])?\s*$",
    re.IGNORECASE,
)
# "Page 2 of 3", "Next page ›", "« Previous": a split article's page links, as text.
_PAGINATION_WORDS = frozenset(
    "page of next previous prev older newer posts seite von weiter zurück nächste vorherige página de siguiente "
    "anterior pagina di successiva precedente suivante précédente sur".split()
)
_MAX_PAGINATION_CHARS = 80
_PAGINATION_TRIGGERS = frozenset(
    "of next previous prev older newer von weiter zurück nächste vorherige siguiente "
    "anterior successiva precedente suivante précédente sur".split()
)
# What ends an article and is not of it, when it comes last: agency credits, copyright notices,
# subscription offers, comment prompts and author blurbs.
_TAIL_LINE = re.compile(
    r"^(?:additional\s+)?(?:reporting|writing|editing|compiled|produced|research|translation|translated)\s+by\b|"
    r"\bcontributed to this (?:report|story|article)\b|"
    r"^(?:©|\(c\)\s|copyright\b)|\ball rights reserved\b|"
    r"^(?:tell us what you think|comments?|leave a (?:comment|reply)|join the (?:discussion|conversation)|"
    r"what do you think)\W*$|"
    r"\bfollow (?:us|me|him|her|them)\b.{0,40}(?:twitter|facebook|instagram|@)",
    re.IGNORECASE,
)
# A subscription offer: what only an advertisement says.
_OFFER = re.compile(
    r"\bclick here\b|\buse the code\b|\bfor as little as\b|\bsign up (?:for|to|now|today|here)\b|"
    r"\bsubscribe (?:now|today|here|for)\b|delivered (?:to|through) your (?:inbox|letterbox|door)|\bissues for\s?[£$€]",
    re.IGNORECASE,
)
# A tail line has at most this many words (a credit or an offer, not a paragraph of the article).
_MAX_TAIL_WORDS = 60


def _is_pagination(line: str) -> bool:
    if len(line) > _MAX_PAGINATION_CHARS:
        return False
    words = WORD.findall(line.lower())
    return (
        0 < len(words) <= 10
        and all(w in _PAGINATION_WORDS or w.isdigit() for w in words)
        and bool(_PAGINATION_TRIGGERS.intersection(words))
    )


def _is_tail(line: str) -> bool:
    """Credits, copyright, offers, prompts and blurbs that end a page's text (``_TAIL_LINE``, ``_OFFER``)."""
    if len(line.split()) > _MAX_TAIL_WORDS:
        return False
    return bool(_TAIL_LINE.search(line) or _OFFER.search(line))


def drop_boilerplate_lines(lines: list[str], title: str) -> tuple[list[str], bool]:
    """Remove page furniture from the lines of an extracted text.

    Inputs: ``lines`` the text's lines, ``title`` the article's title ("" when unknown).
    Output: ``(kept lines, whether a subscription prompt was removed)``; the flag is evidence for
    the paywall rule (``reader.extract.paywall``). Ad labels, short subscription prompts, leaked
    script, links to other stories set in the text ("Related: …", an orphan "More:") and a split
    article's page links ("Page 1 of 2", "Next page ›") go wherever they are; at the end, agency
    credits ("Reporting by …; Editing by …"), copyright notices, subscription offers, comment
    prompts ("Tell us what YOU think") and author blurbs go; a first line repeating the title
    goes; a "You may also like" heading after at least ``_MIN_WORDS_BEFORE_RELATED`` words of text
    ends the text. Code is kept as it is.
    """
    out = []
    prompt_removed = False
    title_key = " ".join(WORD.findall(title.lower())) if title else ""
    for line, kind in zip(lines, line_kinds(lines), strict=True):
        if kind in (CODE, FENCE):
            out.append(line)  # code is kept as it is, blank lines and script included
            continue
        line = line.strip()
        if not line or _AD_LINE.match(line):
            continue
        if len(line.split()) <= 30 and _PROMPT_LINE.search(line):
            prompt_removed = True
            continue
        if _looks_like_code(line) or _LINK_LINE.match(line) or _is_pagination(line):
            continue
        out.append(line)
    while out and _is_tail(out[-1]) and not is_fence(out[-1]):
        out.pop()
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
    kinds = list(line_kinds(lines))
    candidates = [
        i
        for i, w in enumerate(words)
        if _MIN_REPEAT_WORDS <= len(w) <= _MAX_QUOTE_WORDS and kinds[i] == TEXT and _SENTENCE_END.search(lines[i])
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


# ---------------------------------------------------------------------------------------------
# Deep nesting


# Deeper trees are flattened: libxml2 keeps at most 255 levels without its "huge" option (the article
# inside was lost), and the extractors' recursive walks fail around a thousand.
MAX_DEPTH = 180
# Elements that carry meaning for the extractors even with a single child.
_KEPT_WRAPPERS = {"html", "head", "body", "article", "main", "table", "tr", "td", "th", "ul", "ol", "li", "pre", "p"}
_INLINE = {
    "span",
    "font",
    "b",
    "i",
    "u",
    "em",
    "strong",
    "small",
    "big",
    "a",
    "abbr",
    "cite",
    "q",
    "sub",
    "sup",
    "mark",
}


# An element at this level or deeper: one location path, evaluated by libxml2 level by level.
_TOO_DEEP = lxml.etree.XPath("/" + "/".join(["*"] * (MAX_DEPTH + 1)))


def too_deep(tree: lxml.html.HtmlElement) -> bool:
    """Whether ``tree`` nests elements deeper than ``MAX_DEPTH`` levels (the root is level 1)."""
    return bool(_TOO_DEEP(tree.getroottree()))


def flatten_deep_nesting(tree: lxml.html.HtmlElement) -> bool:
    """Flatten a tree nested deeper than ``MAX_DEPTH`` levels; returns whether it was.

    Page builders wrap an article in hundreds of ``<div>``s, and old pages leave ``<font>`` tags
    open by the hundred. First every wrapper that holds nothing but one element goes (its child
    takes its place); if that is not enough, inline elements below half the limit give up their
    tags (their text stays); then any element below the limit does, so its text joins its parent's.
    Nothing of the text is lost. Changes ``tree`` in place; cost linear in its size per pass.
    """
    if not too_deep(tree):
        return False
    for el in list(tree.iter(lxml.etree.Element)):
        if (
            el.tag not in _KEPT_WRAPPERS
            and len(el) == 1
            and not (el.text or "").strip()
            and not (el[0].tail or "").strip()
            and el.getparent() is not None
        ):
            el.drop_tag()
    for limit, tags in ((MAX_DEPTH // 2, _INLINE), (MAX_DEPTH, None)):
        if not too_deep(tree):
            break
        doomed = []
        depth = 0
        for event, el in lxml.etree.iterwalk(tree, events=("start", "end")):
            depth += 1 if event == "start" else -1
            if event == "start" and depth > limit and (tags is None or el.tag in tags):
                doomed.append(el)
        for el in doomed:
            if el.getparent() is not None:
                el.drop_tag()
    return True
