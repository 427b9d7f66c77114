"""A search hit's snippet: a few lines of the article around the first match, the matches marked.

The marking follows the index's rules, not the database's: both engines fold case and diacritics and
split words on every character that is not a letter or a digit, so the pattern does the same.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.html import escape

from reader.models import Article
from reader.search.query import Term

SNIPPET_CHARS = 240
SNIPPET_BEFORE = 80

# Folding accented Latin letters to their base letter, one character for one so that positions in
# the folded text are positions in the original: what the index does with remove_diacritics/unaccent.
_FOLD = {
    cp: unicodedata.normalize("NFD", chr(cp))[0]
    for cp in range(0xC0, 0x250)
    if len(unicodedata.normalize("NFD", chr(cp))) > 1
}


def highlight_pattern(terms: tuple[Term, ...]) -> re.Pattern | None:
    """A case-insensitive pattern matching any of ``terms`` in accent-folded text (phrases across any
    run of non-word characters, a prefix term's last piece as a word start, CJK terms as substrings);
    None when there are no terms."""
    alternatives = []
    for t in terms:
        if t.cjk:
            alternatives.append(re.escape(t.text))
            continue
        body = r"[\W_]+".join(re.escape(p.translate(_FOLD)) for p in t.pieces)
        alternatives.append(r"(?<![^\W_])" + body + (r"[^\W_]*" if t.prefix else r"(?![^\W_])"))
    if not alternatives:
        return None
    # Longest first, so a phrase is marked as a whole rather than word by word.
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the window ends to whitespace when there is some nearby, so no word is cut in two."""
    if start > 0:
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > start else end
    return start, end


def snippet_html(article: Article, summary_text: str, pattern: re.Pattern | None) -> str:
    """About ``SNIPPET_CHARS`` characters of the article text (else summary, else title) around the first
    match of ``pattern``, HTML-escaped, each match in ``<mark>``; the start of the summary or text
    when nothing matches there (a site or tag match)."""
    for source in (article.text or "", summary_text, article.title or ""):
        folded = source if source.isascii() else source.translate(_FOLD)
        match = pattern.search(folded) if pattern else None
        if match:
            start, end = _cut(
                source,
                max(0, match.start() - SNIPPET_BEFORE),
                match.start() + SNIPPET_CHARS,
            )
            break
    else:
        source = summary_text or article.text or ""
        folded = source
        match = None
        start, end = _cut(source, 0, SNIPPET_CHARS)
    out = ["…" if start > 0 else ""]
    pos = start
    if match and pattern:
        for m in pattern.finditer(folded, start, end):
            out.append(escape(source[pos : m.start()]))
            out.append("<mark>" + escape(source[m.start() : m.end()]) + "</mark>")
            pos = m.end()
    out.append(escape(source[pos:end]))
    if end < len(source):
        out.append("…")
    return " ".join("".join(out).split())
