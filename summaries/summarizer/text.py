"""Text handling for the summarizer: sentences with spans, the heading rule, and each article's candidates.

The stored text has one paragraph, heading or list item per line (``reader.extract`` writes it so).
``prepare`` splits it once (``tokenizers.sentence_spans``) and decides which sentences may be chosen:
headings and very short lines never are, though their words still count for the algorithms that read
them (LSA's and Luhn's vocabulary, Edmundson's title method). ``is_heading`` is the one heading rule:
``reader.rendering`` shows a line as a heading exactly when the summarizer would never choose it.
``prepare`` reads at most ``text_limit(language)`` characters and keeps at most ``MAX_CANDIDATES``
candidates: the two bounds on what a summary considers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from summaries.summarizer.blocks import never_a_sentence, span_kinds
from summaries.summarizer.tokenizers import base_language, lead_sentence_spans, sentence_spans, word_tokenizer

# ISO 639-1 -> sumy's language name, for every language sumy has a stemmer, stop words or a segmenter for.
LANGUAGES: dict[str, str] = {
    "ar": "arabic",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "he": "hebrew",
    "hu": "hungarian",
    "it": "italian",
    "ja": "japanese",
    "ko": "korean",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sk": "slovak",
    "sv": "swedish",
    "th": "thai",
    "uk": "ukrainian",
    "zh": "chinese",
}

# Sentences scored per article (about 10,000 words of news); later sentences are never chosen. The
# algorithms are quadratic in this number (lexrank, textrank, reduction and digest compare every pair).
MAX_CANDIDATES = 500
# The most text a summary reads, in characters (code points): a longer text is summarized from its
# lead, the first MAX_TEXT_CHARS characters less the sentence the cut falls in. 500 candidates end
# about 62,000 characters into BBC News articles glued together (119 characters a sentence), so the
# cap leaves room for four times as much text with headings, short lines and lists before them, and
# no article of the benchmarks or the cases reaches it. It bounds the worst text a page can hold:
# ``make bench-limits`` (bench/README.md) times texts at the cap built to be slow.
MAX_TEXT_CHARS = 250_000
# The same cap for Chinese and Japanese, where a character is about a word (jieba finds 1.8 characters
# a word in the Chinese test case, English takes 6 with its space): a quarter of the characters holds
# as many words. Their segmenters are also the slowest step of a summary: 20,000 (random characters)
# to 130,000 (news) characters a second here.
MAX_SEGMENTED_TEXT_CHARS = MAX_TEXT_CHARS // 4
_SEGMENTED_LANGUAGES = frozenset({"zh", "ja"})
# A sentence needs this many words to be chosen.
MIN_WORDS = 4
# A line that is one sentence of fewer than HEADING_MAX_WORDS words and does not end in FINAL_PUNCTUATION
# is a heading ("Why it matters", "Related stories"). The summarizer's figures were measured with this
# rule (bench/README.md); the full-text view follows it too.
HEADING_MAX_WORDS = 10
FINAL_PUNCTUATION = tuple(".!?…。！？｡:;\"'”’»)」』）")


@dataclass(frozen=True)
class SummarySentence:
    """One sentence of the input: ``text_in[start:end] == text`` (code-point offsets)."""

    text: str
    start: int
    end: int


def split_sentences(text: str, language: str = "en") -> list[SummarySentence]:
    """Every sentence of ``text`` (str) in order with its span; a line break always ends a sentence.

    ``language`` is an ISO 639-1 code (any code works). Only whitespace between sentences is left out.
    ``[]`` for empty or blank text.
    """
    return [SummarySentence(text[a:b], a, b) for a, b, _ in sentence_spans(text or "", language)]


# Marks a quotation opens with, in the languages Digest splits (English, German, French, ...).
OPENING_QUOTES = "\"“„«»‹‘'"


def opens_with_quotation(sentence: str) -> bool:
    """Whether ``sentence`` (a summary candidate's text) starts with a quotation mark: someone's
    words, whose context (who, about what) is in another sentence."""
    return sentence.lstrip()[:1] in OPENING_QUOTES if sentence.strip() else False


def _reads_as_heading(sentence: str, words: int) -> bool:
    """The heading rule for a sentence that is a whole line: short and without final punctuation."""
    return words < HEADING_MAX_WORDS and not sentence.endswith(FINAL_PUNCTUATION)


def is_heading(line: str, language: str = "en") -> bool:
    """True when ``line`` (one line of stored text, str) reads as a heading: ``prepare`` never makes it a
    candidate (unless the text has nothing but headings and fragments).

    A heading is a line that is one sentence, has fewer than ``HEADING_MAX_WORDS`` words (as
    ``tokenizers.word_tokenizer(language)`` counts them: letters only, jieba / tinysegmenter for zh / ja)
    and does not end in ``FINAL_PUNCTUATION``. Blank lines and lines of several sentences are not
    headings. Raises ImportError only when ``language`` needs a segmenter that is not installed.
    """
    line = line.strip()
    if not line or line.endswith(FINAL_PUNCTUATION):
        return False
    code = base_language(language) or "en"  # as ``language_resources`` reads it
    if len(sentence_spans(line, code)) != 1:
        return False
    return _reads_as_heading(line, len(word_tokenizer(code)(line)))


def text_limit(language: str) -> int:
    """The most characters of a text a summary in ``language`` (ISO 639-1 code) reads:
    ``MAX_SEGMENTED_TEXT_CHARS`` for Chinese and Japanese, ``MAX_TEXT_CHARS`` for every other language.
    """
    return MAX_SEGMENTED_TEXT_CHARS if base_language(language) in _SEGMENTED_LANGUAGES else MAX_TEXT_CHARS


# --- language resources ---------------------------------------------------------------------------


@dataclass
class Language:
    """What the algorithms need of one language: sumy's stemmer and stop words, our word splitter."""

    code: str
    sumy_name: str | None
    stem: Callable[[str], str]  # lower-cased word -> stem, memoized
    stop_words: frozenset[str]
    words: Callable[[str], list[str]]
    # sumy's stemmer itself (not memoized), handed to sumy's summarizer classes.
    sumy_stemmer: Callable[[str], str]


@lru_cache(maxsize=64)
def language_resources(language: str) -> Language:
    """The ``Language`` for an ISO 639-1 code (``"de-AT"`` -> German; unknown codes get lower-casing only).

    Raises ImportError when the language needs jieba (zh) or tinysegmenter (ja) and it is missing.
    """
    # Deferred: sumy loads nltk (over a second), and a Django process imports this package at start-up.
    from sumy.nlp.stemmers import Stemmer, null_stemmer
    from sumy.utils import get_stop_words

    code = base_language(language) or "en"
    name = LANGUAGES.get(code)
    stemmer: Callable[[str], str] = null_stemmer
    stop_words: frozenset[str] = frozenset()
    if name:
        try:
            stemmer = Stemmer(name)
        except LookupError:
            pass
        try:
            stop_words = frozenset(w.lower() for w in get_stop_words(name))
        except LookupError:
            pass
    cache: dict[str, str] = {}

    def stem(word: str) -> str:
        # Stemming is most of the time spent on long texts; news repeats its words.
        try:
            return cache[word]
        except KeyError:
            cache[word] = result = stemmer(word)
            return result

    return Language(code, name, stem, stop_words, word_tokenizer(code), stemmer)


# --- the article as the algorithms see it ---------------------------------------------------------


@dataclass
class Document:
    """Sentences and words of one article, computed once and shared by every algorithm."""

    lang: Language
    sentences: list[SummarySentence]
    # Indices into sentences of the sentences that may be chosen, in document order.
    candidates: list[int]
    # Words of each candidate (sumy's Sentence.words).
    words: list[list[str]]
    # Words of headings, the title and short lines before the cap.
    other_words: list[list[str]]
    # Line number -> indices of its sentences (up to the cap), for sumy's paragraphs.
    line_texts: dict[int, list[int]]
    title_words: list[str]

    @property
    def lower(self) -> list[list[str]]:
        """The candidates' words, lower-cased (one list per candidate)."""
        return [[w.lower() for w in ws] for ws in self.words]

    def content_stems(self) -> list[list[str]]:
        """sumy's ``_to_words_set``: stems of the lower-cased words that are not stop words."""
        stop, stem = self.lang.stop_words, self.lang.stem
        return [[stem(w) for w in ws if w not in stop] for ws in self.lower]


# A sentence that reads as a sentence ends with one of these (perhaps inside closing quotation marks
# or brackets); a colon or a semicolon introduces something more.
_SENTENCE_END = re.compile(r"[.!?…。！？｡‼⁇⁈⁉\u037e\u061f\u06d4\u0964](?:\s*[\"'”’»«›‹)\]」』）])*$")
# "Price: £24 Rating: 4/5": a label is a capitalized word, perhaps with two more, before a colon.
_LABEL = re.compile(r"(?:^|(?<=\s))[^\W\d_]+(?:\s[^\W\d_]+){0,2}:(?=\s)")
# The kinds of sentence, best first: what ``prepare`` offers as candidates.
PROSE, UNFINISHED, FRAGMENT, NEVER = 0, 1, 2, 3


def sentence_tier(text: str, words: list[str], alone_on_line: bool) -> int:
    """How well one sentence of running text (not a table row or code) reads as a sentence of prose.

    Inputs: the sentence (str), its words (``Language.words``) and whether it is the whole line.
    Returns ``PROSE`` (a candidate), ``UNFINISHED`` (a candidate only when most of the text is like
    it: a checklist, a feed without punctuation), ``FRAGMENT`` (a heading or fewer than ``MIN_WORDS``
    words: chosen only when nothing else is there) or ``NEVER``:

    * ``NEVER``: a line of links or cells run together (``|``), a sentence ending in a dash (a
      dateline, a cut-off clause), a list of tags (four or more comma-separated items, three in four
      of them of at most four words and none over eight, no final punctuation) or a run of labels ("Tested by: … RRP: … More info: …");
    * ``FRAGMENT``: fewer than ``MIN_WORDS`` words, or a heading (``is_heading``'s rule);
    * ``UNFINISHED``: no final sentence punctuation (``. ! ? …`` and their CJK and Arabic forms,
      perhaps inside closing quotes or brackets; a colon introduces a list or a quote), or no
      verb-like shape: in cased text, a sentence whose words after the first are mostly
      capitalized (a title, a run of names) rather than the lower-case verbs and function words of
      prose (fewer than two of them, or under a quarter).
    """
    stripped = text.rstrip()
    labels = sum(1 for label in _LABEL.findall(text) if label[:1].isupper())
    if "|" in text or stripped.endswith(("—", "–", "-")) or labels >= 2:
        return NEVER
    ended = bool(_SENTENCE_END.search(stripped))
    if not ended:
        sizes = [len(item.split()) for item in text.split(",")]
        if len(sizes) >= 4 and max(sizes) <= 8 and sum(size <= 4 for size in sizes) >= 0.75 * len(sizes):
            return NEVER
    if len(words) < MIN_WORDS or (alone_on_line and _reads_as_heading(text, len(words))):
        return FRAGMENT
    if not ended or not _verb_like(words):
        return UNFINISHED
    return PROSE


def _verb_like(words: list[str]) -> bool:
    cased = [w for w in words[1:] if w[:1].isupper() or w[:1].islower()]
    if len(cased) < 3:
        return True  # uncased scripts, or too few words to tell
    lower = sum(1 for w in cased if w[:1].islower())
    return lower >= 2 and lower >= 0.25 * len(cased)


def prepare(
    text: str,
    language: str,
    title: str,
    cap: int | None = MAX_CANDIDATES,
    max_chars: int | None = -1,
) -> Document:
    """Split ``text`` (one paragraph per line) into the ``Document`` the algorithms rate.

    ``title`` (may be empty) joins the heading words; ``cap`` bounds the candidates (``None``: all);
    ``max_chars`` bounds the text read, in characters: ``-1`` (default) means ``text_limit(language)``,
    ``None`` all of it; a longer text is read up to the sentence the cut falls in
    (``tokenizers.lead_sentence_spans``). When no sentence qualifies, headings and fragments become the
    candidates rather than none, the first ``cap`` of them. Time is linear in the text read; the
    quadratic algorithms see only the candidates.
    """
    lang = language_resources(language)
    if max_chars == -1:
        max_chars = text_limit(lang.code)
    spans = lead_sentence_spans(text, lang.code, max_chars)
    sentences = [SummarySentence(text[a:b], a, b) for a, b, _ in spans]
    per_line = Counter(line for _, _, line in spans)
    read = spans[-1][1] if spans else 0
    kinds = [kind for _, _, kind in span_kinds(text[:read], cut=read < len(text.rstrip()))]
    line_texts: dict[int, list[int]] = {}
    # (tier, sentence index, words) of each sentence of running text, in document order.
    rated: list[tuple[int, int, list[str]]] = []
    other: list[list[str]] = []
    prose = unfinished = 0
    for index, (sentence, (_, _, line)) in enumerate(zip(sentences, spans, strict=True)):
        if cap is not None and prose >= cap:
            break
        line_texts.setdefault(line, []).append(index)
        ws = lang.words(sentence.text)
        if never_a_sentence(kinds[line]):
            other.append(ws)
            continue
        tier = sentence_tier(sentence.text, ws, per_line[line] == 1)
        prose += tier == PROSE
        unfinished += tier == UNFINISHED
        rated.append((tier, index, ws))
    # Lines without final punctuation are candidates when the text is mostly made of them (a
    # checklist, a feed that drops punctuation); headings and fragments when there is nothing else:
    # better those than an empty summary.
    best = PROSE if unfinished < max(prose, 1) else UNFINISHED
    if not any(tier <= best and ws for tier, _, ws in rated):
        best = FRAGMENT
    candidates: list[int] = []
    words: list[list[str]] = []
    for tier, index, ws in rated:
        if tier <= best and ws and (cap is None or len(candidates) < cap):
            candidates.append(index)
            words.append(ws)
        else:
            other.append(ws)
    if cap is not None and len(candidates) >= cap:
        # The cap holds for every tier (a list of 40,000 short lines would otherwise be 40,000
        # candidates); the sentences read end where the last candidate is.
        last = candidates[-1]
        line_texts = {line: kept for line, indices in line_texts.items() if (kept := [i for i in indices if i <= last])}
    title_words = lang.words(title) if title else []
    if title_words:
        other.append(title_words)
    return Document(lang, sentences, candidates, words, other, line_texts, title_words)
