"""Offline sentence and word splitting for the summarizer (no NLTK data, no downloads).

Sentences: the text is stored one paragraph / heading / list item per line, so every line break ends a
sentence; inside a line a rule-based splitter (below) cuts after ``. ! ? …`` (plus closing quotes) when
whitespace follows and the token before is not an abbreviation, and after the CJK stops ``。！？``
with or without a following space. The last sentence of a line needs no final punctuation.

Words: ``jieba`` for Chinese, ``tinysegmenter`` for Japanese (both what sumy itself uses), a Unicode
letter regex for every other language (Korean included: no Java/konlpy). Words keep sumy's own
definition (``sumy.nlp.tokenizers.Tokenizer._WORD_PATTERN``): start with a letter, then letters,
apostrophes or hyphens; numbers and punctuation are not words.

Every function here takes time linear in the length of its text, however the text is broken into lines
(``tests/test_summarizer_limits.py`` counts the characters the patterns scan; ``make bench-limits``
times 50,000 words as one line and as 500 lines).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Iterator
from functools import lru_cache


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Tokens that end in "." without ending a sentence, lower-cased and without the dot. Only words that
# usually stand before a name or a number belong here: words like "Inc." or "etc." often end a sentence
# and are handled by the lower-case rule instead ("Acme Inc. said" does not split).
_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": _words(
        "mr mrs ms mx dr prof st sr jr mt ft gen col lt sgt capt cmdr adm gov sen rep rev hon "
        "pres supt insp det maj messrs mme mlle gen brig cpl pte sgt fr vs jan feb apr jun jul "
        "aug sep sept oct nov dec approx dept ave blvd rd no nos vol pp fig ch sec art"
    ),
    "de": _words(
        "dr prof st hr fr frl nr bzw vgl ca usw evtl ggf inkl bspw str tel dipl ing gebr jh jhd "
        "abs bd ff mio mrd tsd max min geb gest ehem jan feb mär apr jun jul aug sep sept okt nov "
        "dez sog u o a s z"
    ),
    "fr": _words("m mm mme mlle dr pr st ste cf av bd env no vol p pp ch janv févr avr juil sept oct nov déc"),
    "es": _words("sr sra srta dr dra ud uds av avda pág núm no vol p pp ee uu sto sta"),
    "it": _words("sig sigg dott prof avv ing arch geom pag no n vol sant"),
    "pt": _words("sr sra srs dr dra av prof pág n no vol sto sta"),
    "nl": _words("dhr mevr mr dr ir drs prof bijv ca nr st blz"),
    "ru": _words("г гг ул пр д др проф см стр тыс млн млрд руб им т н"),
    "uk": _words("ім о вул просп бул пров пл г р див п с м"),
    "pl": _words("dr prof mgr inż ul al np tj tzn itd ks św nr godz tys mln mld"),
    "cs": _words("dr prof ing mgr mudr tzv tj např čís č str sv ul"),
}
_ABBREVIATIONS["sk"] = _ABBREVIATIONS["cs"]
# Languages that write ordinals and dates as "3. Oktober": a dot after a short number does not end a
# sentence there.
_ORDINAL_DOT_LANGUAGES = _words("de da no nb nn fi cs sk pl hu sl hr sr bs et lv lt is tr")
# After a dotted abbreviation ("U.S.", "e.g.") these words start a new sentence ("... in the U.S. The").
_SENTENCE_STARTERS = _words(
    "the he she it they we i but and this that these those there a an in on at after its his her their our"
)

_CLOSERS = "\"'”’“»«›‹)]}」』）】〕"
# What ``_ends_sentence`` strips off the end of a terminator match to find its last stop.
_TRAILERS = frozenset(_CLOSERS + " ")
# Full stops, question and exclamation marks of the scripts written with spaces between sentences:
# Latin, Greek (";"), Arabic ("؟", Urdu "۔") and Devanagari ("।").
_LATIN_STOPS = ".!?…‼⁇⁈⁉\u037e\u061f\u06d4\u0964"
# Latin terminators need whitespace after them; PTB's closing quote '' (separated by a space in the
# CNN/DailyMail corpus) stays with the sentence it closes. A match starts only at the first stop of a
# run (the lookbehind): a run that is not followed by whitespace fails from every position inside it
# too, and retrying each would make a long run of stops ("!!!!…x") quadratic.
_LATIN_END = re.compile(
    r"(?<![" + _LATIN_STOPS + r"])[" + _LATIN_STOPS + r"]+[" + re.escape(_CLOSERS) + r"]*(?:\s+'')?(?=\s)"
)
# A full stop glued to the next sentence ("the harbour.The ferry"): a lower-case letter or a digit
# before it, a capital letter and a lower-case one after it (perhaps behind an opening quotation
# mark). ``_glued_cut`` checks the word before it.
_GLUED_STOP = re.compile(r"(?<=[^\W_])\.(?=[\"“„«»]?[^\W\d_][^\W\d_])")
_CJK_END = re.compile(
    r"(?:[。！？｡]+|(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff])[!?]+)[" + re.escape(_CLOSERS) + r"]*"
)
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_DOTTED = re.compile(r"^(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}$")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# sumy's definition of a word (sumy.nlp.tokenizers.Tokenizer._WORD_PATTERN).
_SUMY_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$")

# Double quotation marks, and the marks that may close a quotation each one opens: English “…”,
# German „…“ and »…«, French «…», Swiss ‹…›, Swedish ”…”, straight "…". (Single quotes double as
# apostrophes, so they are not followed.)
_QUOTE_MARK = re.compile(r"[\"“”„«»‹›]")
_QUOTE_CLOSERS = {'"': '"', "“": "”“", "”": "”", "„": "“”", "«": "»", "»": "«", "‹": "›", "›": "‹"}
# A quotation longer than this (characters) is a quoted speech, not one sentence: it is split inside.
MAX_QUOTATION_CHARS = 600
# A list bullet at the start of a line is not part of its sentence.
_BULLET = re.compile(r"[-–—•·*▪►‣●○◦]\s+")
# A dateline ("DEKALB, Ill. —", "WASHINGTON (Reuters) -", "(AP) —", "NEW YORK—") is found within
# the first _DATELINE_CHARS characters of a line, before a dash.
_DATELINE_CHARS = 80
_DATELINE_DASH = re.compile(r"\s(?:—|–|--|-)\s|(?<=\S)[—–](?=\S)|\s[—–](?=\S)")
_DATELINE_AGENCY = re.compile(r"\(\s*[^\W\d_][^()]{0,30}\)$")
_DATELINE_WORD = re.compile(r"[^\W_]+")


def base_language(language: str) -> str:
    """``"de-AT"``, ``"DE"`` or ``"zh_Hans"`` -> ``"de"`` / ``"zh"``; ``""`` for an empty code."""
    return re.split(r"[-_]", (language or "").strip().lower(), maxsplit=1)[0]


# What ends a line, as ``str.splitlines`` has it.
_LINE_BREAKS = r"\r\n\u2028\u2029\x0b\x0c\x1c-\x1e\x85"
_LINE = re.compile(f"[^{_LINE_BREAKS}]+")
# Blank space up to the end of a line (or of the text).
_REST_OF_LINE_BLANK = re.compile(rf"[^\S{_LINE_BREAKS}]*(?:[{_LINE_BREAKS}]|\Z)")


def line_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` code-point spans of the non-blank lines of ``text``, stripped."""
    for match in _LINE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            yield start, end


def _ends_sentence(line: str, match_start: int, dot_end: int, after: int, language: str, cased: bool) -> bool:
    """Whether the terminator match ``line[match_start:dot_end]`` (next word at ``after``) ends a sentence.

    Reads only the match, the token before its last stop and the word after it, never the whole prefix
    of the line: over one line the tokens of successive matches do not overlap (a match is followed by
    whitespace), so splitting a line costs time linear in its length.
    """
    # The match without its closing quotes and spaces: it always keeps its first character, a stop.
    end = dot_end
    while end > match_start + 1 and line[end - 1] in _TRAILERS:
        end -= 1
    if line[end - 1] != ".":
        # "?" / "!" end a sentence unless a lower-case word goes on ("Yahoo! said").
        return not (cased and line[after].islower())
    if line[max(0, end - 2) : end] == "..":
        return not line[after].islower()
    # The token: the non-space characters before the last dot, back to a space or the start of the line.
    token_start = end - 1
    while token_start > 0 and not line[token_start - 1].isspace():
        token_start -= 1
    token = line[token_start : end - 1].lstrip("\"'“‘«»„([{")
    next_char = line[after]
    if token:
        lower = token.lower()
        # "FT." or "NO." in capitals is an acronym or a word, not the abbreviation "Ft." / "No.".
        is_acronym = len(token) > 1 and token.isupper()
        if (
            not is_acronym
            and lower in _ABBREVIATIONS.get(language, _ABBREVIATIONS["en"])
            and (lower not in {"no", "nos", "vol", "pp", "fig", "ch", "sec", "art", "n", "p"} or next_char.isdigit())
        ):
            return False
        if len(token) == 1 and token.isalpha() and token.isupper():
            return False  # an initial: "J. Smith"
        if _DOTTED.match(token):  # "U.S", "e.g", "z.B"
            next_word = _WORD.match(line, after)
            return bool(
                language == "en"
                and next_word
                and next_word.group().lower() in _SENTENCE_STARTERS
                and next_word.group()[0].isupper()
            )
        if token.isdigit() and len(token) <= 2 and language in _ORDINAL_DOT_LANGUAGES:
            return False
    # A lower-case word after a dot continues the sentence in cased text ("approx. five", "Inc. said");
    # in all-lower-case text (the CNN/DailyMail corpus) the dot is all we have.
    return not (cased and next_char.islower())


# The most letters read back from a glued full stop to find the word before it.
_GLUED_WORD_CHARS = 40
# Words after a dot that end a web address, not start a sentence.
_DOMAIN_ENDINGS = _words("com org net edu gov info biz io uk ru eu ca au ch nl dk pl")


def _glued_cut(line: str, dot: int, language: str) -> bool:
    """Whether the full stop at ``line[dot]``, with a letter right after it, ends a sentence.

    It does when the word before it is a lower-case word of two letters or more (or a number) that
    stands on its own (a space, an opening mark or the line's start before it) and is no
    abbreviation, and the word after it is capitalized and not followed by another dot ("harbour.The
    ferry" splits; "Node.js", "example.Com.au", "U.S.Army", "Mr.Smith" do not). Reads a bounded
    number of characters.
    """
    start = dot
    while start > 0 and dot - start < _GLUED_WORD_CHARS and line[start - 1].isalnum():
        start -= 1
    word = line[start:dot]
    if len(word) < 2 or (start > 0 and not (line[start - 1].isspace() or line[start - 1] in '"“„«»([')):
        return False
    if not (word[-1].islower() or word.isdigit()) or word.lower() in _ABBREVIATIONS.get(language, _ABBREVIATIONS["en"]):
        return False
    after = dot + 1
    if line[after] in '"“„«»':
        after += 1
    end = after
    while end < len(line) and end - after < _GLUED_WORD_CHARS and line[end].isalpha():
        end += 1
    following = line[after:end]
    if len(following) < 2 or not following[0].isupper() or not following[1].islower():
        return False
    if following.lower() in _DOMAIN_ENDINGS:
        return False  # "Example.Com"
    return not (end < len(line) and line[end] == "." and end + 1 < len(line) and line[end + 1].isalnum())


def _quotations(line: str) -> list[tuple[int, int]]:
    """The quotations of ``line``, outermost only, as ``(opening mark, closing mark)`` positions in order.

    A mark opens a quotation where it cannot close the one open before it and stands before a word
    (after a space, a bracket, a dash or the start of the line); it closes the innermost open
    quotation when it is one of that quotation's closing marks. Marks that open nothing that is
    closed on the line are ignored, and so are quotations longer than ``MAX_QUOTATION_CHARS``. Time
    linear in the line.
    """
    stack: list[tuple[str, int]] = []
    outer: list[tuple[int, int]] = []
    for match in _QUOTE_MARK.finditer(line):
        mark, i = match.group(), match.start()
        if stack and mark in stack[-1][0]:
            closers, opened = stack.pop()
            if not stack and i - opened <= MAX_QUOTATION_CHARS:
                outer.append((opened, i))
            continue
        before = line[i - 1] if i else " "
        after = line[i + 1] if i + 1 < len(line) else " "
        spaced_guillemet = mark == "«" and after in " \u00a0\u202f"  # French: « Bonjour »
        if (before.isspace() or before in "([{—–-/'‘") and (not after.isspace() or spaced_guillemet):
            stack.append((_QUOTE_CLOSERS[mark], i))
    return outer


def _inside(quotes: list[tuple[int, int]], position: int, start: int) -> tuple[bool, int]:
    """Whether ``position`` falls strictly inside one of ``quotes`` (after its opening mark, before
    its closing mark), looking from index ``start`` of the sorted list on; returns (inside, index to
    start from next time), so that positions asked in increasing order cost linear time in all."""
    while start < len(quotes) and quotes[start][1] < position:
        start += 1
    inside = start < len(quotes) and quotes[start][0] < position <= quotes[start][1]
    return inside, start


def dateline_end(line: str) -> int:
    """The length of the dateline that opens ``line`` (its dash included), or 0 when there is none.

    A dateline is a place, a date or a news agency before a dash at the start of a news story:
    "DEKALB, Ill. —", "WASHINGTON, Nov 19 (Reuters) -", "(AP) —", "NEW YORK—", "( cnn ) --". Up to
    ``_DATELINE_CHARS`` characters and six words before a dash, which either end in an agency in
    brackets, or are all capitalized (or numbers) with a capital letter, a digit or a quotation mark
    after the dash. Reads at most ``_DATELINE_CHARS`` characters.
    """
    dash = _DATELINE_DASH.search(line, 0, min(len(line), _DATELINE_CHARS))
    if dash is None:
        return 0
    before = line[: dash.start()].strip()
    rest = line[dash.end() :].lstrip()
    words = _DATELINE_WORD.findall(before)
    if not rest or len(words) > 6 or any(ch in before for ch in '!?;:"“”'):
        return 0
    if _DATELINE_AGENCY.search(before):
        return dash.end()
    if not words or not all(w[0].isupper() or w[0].isdigit() for w in words) or not any(w[0].isalpha() for w in words):
        return 0
    first = rest[0]
    return dash.end() if first.isupper() or first.isdigit() or first in "\"“„«»'‘" else 0


def split_line(line: str, language: str = "en") -> list[tuple[int, int]]:
    """Split one line into sentence spans ``(start, end)`` relative to ``line``, stripped, none empty.

    The last sentence runs to the end of the line whether or not it has final punctuation. A
    quotation (``_quotations``) is not cut inside: its sentence ends where the quotation ends
    (``»Die Übergabe fand statt.« Seit…`` cuts after ``«``; ``"We won. It was hard," she said.`` is
    one sentence). A full stop glued to the next capitalized word cuts too (``_glued_cut``). A
    dateline (``dateline_end``) is a span of its own, and a list bullet at the start of the line
    belongs to no sentence. Time is linear in ``len(line)`` (each character is read a bounded number
    of times).
    """
    language = base_language(language)
    cased = any(map(str.isupper, line))
    quotes = _quotations(line) if _QUOTE_MARK.search(line) else []
    first = 0
    bullet = _BULLET.match(line)
    if bullet and bullet.end() < len(line):
        first = bullet.end()
    head = dateline_end(line[first : first + _DATELINE_CHARS + 2])
    cuts: list[int] = []
    if head:
        cuts.append(first + head)
    index = 0
    for match in _LATIN_END.finditer(line, first + head):
        after = match.end()
        while after < len(line) and line[after].isspace():
            after += 1
        if after < len(line) and _ends_sentence(line, match.start(), match.end(), after, language, cased):
            inside, index = _inside(quotes, match.end(), index)
            if not inside:
                cuts.append(match.end())
            elif quotes[index][1] == after:
                # A closing mark after a space ("« Bonjour. » Il part."): the sentence ends after it.
                following = after + 1
                while following < len(line) and line[following].isspace():
                    following += 1
                if following < len(line) and not (cased and line[following].islower()):
                    cuts.append(after + 1)
    if cased:
        index = 0
        for match in _GLUED_STOP.finditer(line, first + head):
            if _glued_cut(line, match.start(), language):
                inside, index = _inside(quotes, match.end(), index)
                if not inside:
                    cuts.append(match.end())
    if _CJK_CHAR.search(line):
        cuts.extend(m.end() for m in _CJK_END.finditer(line) if m.end() < len(line))
    spans: list[tuple[int, int]] = []
    start = first
    for cut in [*sorted(set(cuts)), len(line)]:
        a, b = start, cut
        while a < b and line[a].isspace():
            a += 1
        while b > a and line[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
        start = cut
    return spans


def sentence_spans(text: str, language: str = "en") -> list[tuple[int, int, int]]:
    """Every sentence of ``text`` as ``(start, end, line_number)``, in order; nothing but space dropped.

    ``start``/``end`` are code-point offsets into ``text``; ``line_number`` counts non-blank lines from 0.
    Time is linear in the length of the text.
    """
    spans: list[tuple[int, int, int]] = []
    for number, (line_start, line_end) in enumerate(line_spans(text)):
        for a, b in split_line(text[line_start:line_end], language):
            spans.append((line_start + a, line_start + b, number))
    return spans


def lead_sentence_spans(text: str, language: str = "en", max_chars: int | None = None) -> list[tuple[int, int, int]]:
    """``sentence_spans`` of the first ``max_chars`` characters of ``text`` (``None``: all of it).

    When the cut falls anywhere but at the end of a line, the last sentence before it is left out: it
    may be cut short, or be two sentences whose boundary is decided by the word after the cut. The
    sentences before it are those of ``sentence_spans(text)`` (a boundary depends only on the text up
    to the next word), but for two rare cases at the cut: a dotted abbreviation whose next word the cut
    shortens ("U.S. The|odore") may end a sentence there, and a line longer than the cut whose only
    capital letters lie past it reads as all-lower-case text. Time is linear in
    ``min(len(text), max_chars)`` plus the blank space after the cut.
    """
    if max_chars is None or len(text) <= max_chars:
        return sentence_spans(text, language)
    spans = sentence_spans(text[:max_chars], language)
    if spans and not _REST_OF_LINE_BLANK.match(text, max_chars):
        spans.pop()
    return spans


def _regex_words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=1)
def _jieba() -> Callable[[str], list[str]]:
    with warnings.catch_warnings():
        # jieba 0.42.1 imports pkg_resources, which warns that it is deprecated.
        warnings.simplefilter("ignore", UserWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs dictionary loading at INFO on first use
    return jieba.lcut


@lru_cache(maxsize=1)
def _tinysegmenter() -> Callable[[str], list[str]]:
    import tinysegmenter

    return tinysegmenter.TinySegmenter().tokenize


def word_tokenizer(language: str) -> Callable[[str], list[str]]:
    """A function ``sentence text -> list of words`` for an ISO 639-1 code (any code works).

    Raises ImportError if the language needs jieba (zh) or tinysegmenter (ja) and it is missing.
    """
    language = base_language(language)
    if language == "zh":
        cut = _jieba()
    elif language == "ja":
        cut = _tinysegmenter()
    else:
        return _regex_words

    def segmented(text: str) -> list[str]:
        return [w for w in cut(text) if _SUMY_WORD.match(w)]

    return segmented


class SumyTokenizer:
    """The tokenizer object sumy's parsers and summarizers accept (``language``, ``to_sentences``,
    ``to_words``), built on the splitters above so that sumy never loads NLTK punkt.
    """

    def __init__(self, language: str = "en") -> None:
        self._code = base_language(language) or "en"
        self._words = word_tokenizer(self._code)

    @property
    def language(self) -> str:
        return self._code

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Sentences of ``paragraph`` (str) as a tuple of stripped strings."""
        return tuple(paragraph[a:b] for a, b, _ in sentence_spans(paragraph, self._code))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Words of ``sentence`` (str) as a tuple of strings, punctuation and numbers left out."""
        return tuple(self._words(sentence))
