"""Extractive summaries built on sumy: offline, multilingual, fast on long articles.

``summarize(text, ...)`` returns sentences of ``text`` (with code-point spans) chosen by one of sumy's
algorithms or by our default, ``"digest"`` (see ``bench/README.md`` for how it was chosen and scored).

How it works:

* Sentences come from ``summaries.tokenizers`` (rule-based, no NLTK data), words from the same module
  (jieba for Chinese, tinysegmenter for Japanese). Stemmers and stop words are sumy's for the language
  (``LANGUAGES`` maps ISO 639-1 codes to sumy's names); other languages get lower-casing only.
* Headings and very short lines (see ``_is_eligible``) are never chosen; their words still count for
  the algorithms that read headings (LSA's and Luhn's vocabulary, Edmundson's title method).
* Speed: the pairwise algorithms (lexrank, textrank, reduction) are the same formulas as sumy 0.13.0 computed
  with numpy, and the greedy ones (kl, sumbasic) stop after the sentences asked for instead of ranking
  every sentence; lsa uses that sumy keeps every SVD dimension, so a sentence's rank is the norm of its
  column of the term matrix. Tests check they choose the same sentences as sumy. Only the first
  ``MAX_CANDIDATES`` eligible sentences of an article are scored, which bounds the quadratic part.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from summaries.tokenizers import (
    SumyTokenizer,
    base_language,
    sentence_spans,
    word_tokenizer,
)

logger = logging.getLogger(__name__)

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

SUMY_ALGORITHMS: tuple[str, ...] = (
    "lexrank",
    "lsa",
    "textrank",
    "luhn",
    "kl",
    "sumbasic",
    "reduction",
)
DEFAULT_ALGORITHM = "digest"
DEFAULT_SENTENCES = 3
# A summary stops growing at this many words per requested sentence (so 3 sentences -> 105 words):
# a run-on sentence gives way to the next best one. Measured in bench/README.md.
WORDS_PER_SENTENCE_CAP = 35
# Sentences scored per article (about 10,000 words of news); later sentences are never chosen.
MAX_CANDIDATES = 500
# A sentence needs this many words to be chosen; a line that is one sentence without final
# punctuation and shorter than HEADING_MAX_WORDS is a heading.
MIN_WORDS = 4
# digest: strength of the lead prior, and the summary share (of sentences) over which it fades out.
LEAD_PRIOR_EXPONENT = 1.5
LEAD_PRIOR_FADE = (0.30, 0.40)
HEADING_MAX_WORDS = 10
_FINAL_PUNCTUATION = tuple(".!?…。！？｡:;\"'”’»)」』）")


class UnknownAlgorithm(ValueError):
    """The algorithm name is not one of ``available_algorithms()``."""


@dataclass(frozen=True)
class SummarySentence:
    """One sentence of the input: ``text_in[start:end] == text`` (code-point offsets)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class EdmundsonWords:
    """Cue words for sumy's Edmundson summarizer; null words default to the language's stop words."""

    bonus: frozenset[str]
    stigma: frozenset[str]


_edmundson_words: EdmundsonWords | None = None


def configure_edmundson(bonus: Sequence[str], stigma: Sequence[str]) -> None:
    """Offer ``edmundson`` with these bonus and stigma words (strings; empty lists withdraw it)."""
    global _edmundson_words, ALGORITHMS
    _edmundson_words = EdmundsonWords(frozenset(bonus), frozenset(stigma)) if bonus and stigma else None
    ALGORITHMS = _algorithms()


def _algorithms() -> tuple[str, ...]:
    extra = ("edmundson",) if _edmundson_words else ()
    return (DEFAULT_ALGORITHM, *SUMY_ALGORITHMS, *extra)


def _configure_from_settings() -> None:
    # Read once at import: DIGEST_SUMMARY_BONUS_WORDS / DIGEST_SUMMARY_STIGMA_WORDS (lists of words).
    try:
        from django.conf import settings

        if settings.configured:
            bonus = settings.DIGEST_SUMMARY_BONUS_WORDS
            stigma = settings.DIGEST_SUMMARY_STIGMA_WORDS
            if bonus and stigma:
                configure_edmundson(bonus, stigma)
    except ImportError:
        pass


ALGORITHMS: tuple[str, ...] = _algorithms()
_configure_from_settings()


def available_algorithms() -> tuple[str, ...]:
    """Names users may choose, default first (``edmundson`` only once configured)."""
    return ALGORITHMS


def supported_languages() -> dict[str, str]:
    """ISO 639-1 code -> sumy language name for languages with a stemmer, stop words or a segmenter.

    Any other code still works (lower-cased words, no stop words).
    """
    return dict(LANGUAGES)


def split_sentences(text: str, language: str = "en") -> list[SummarySentence]:
    """Every sentence of ``text`` in order with its span; a line break always ends a sentence.

    Only whitespace between sentences is left out. ``[]`` for empty or blank text.
    """
    return [SummarySentence(text[a:b], a, b) for a, b, _ in sentence_spans(text or "", language)]


# --- language resources ---------------------------------------------------------------------------


@dataclass
class _Language:
    code: str
    sumy_name: str | None
    stem: Callable[[str], str]  # lower-cased word -> stem, memoized
    stop_words: frozenset[str]
    words: Callable[[str], list[str]]
    # sumy's stemmer itself (not memoized), handed to sumy's summarizer classes.
    sumy_stemmer: Callable[[str], str]


@lru_cache(maxsize=64)
def _language(language: str) -> _Language:
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

    return _Language(code, name, stem, stop_words, word_tokenizer(code), stemmer)


# --- the article as the algorithms see it ---------------------------------------------------------


@dataclass
class _Article:
    """Sentences and words of one article, computed once and shared by every algorithm."""

    lang: _Language
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
        return [[w.lower() for w in ws] for ws in self.words]

    def content_stems(self) -> list[list[str]]:
        """sumy's ``_to_words_set``: stems of the lower-cased words that are not stop words."""
        stop, stem = self.lang.stop_words, self.lang.stem
        return [[stem(w) for w in ws if w not in stop] for ws in self.lower]


def _is_eligible(words: int, text: str, alone_on_line: bool) -> bool:
    if words < MIN_WORDS:
        return False
    # A heading: a whole line, short, without final punctuation ("Why it matters", "Related stories").
    return not (alone_on_line and words < HEADING_MAX_WORDS and not text.endswith(_FINAL_PUNCTUATION))


def _prepare(text: str, language: str, title: str, cap: int | None = MAX_CANDIDATES) -> _Article:
    lang = _language(language)
    spans = sentence_spans(text, lang.code)
    sentences = [SummarySentence(text[a:b], a, b) for a, b, _ in spans]
    per_line = Counter(line for _, _, line in spans)
    line_texts: dict[int, list[int]] = {}
    candidates: list[int] = []
    words: list[list[str]] = []
    other: list[list[str]] = []
    fallback: list[tuple[int, list[str]]] = []
    for index, (sentence, (_, _, line)) in enumerate(zip(sentences, spans, strict=True)):
        if cap is not None and len(candidates) >= cap:
            break
        line_texts.setdefault(line, []).append(index)
        ws = lang.words(sentence.text)
        if _is_eligible(len(ws), sentence.text, per_line[line] == 1):
            candidates.append(index)
            words.append(ws)
        else:
            other.append(ws)
            if ws:
                fallback.append((index, ws))
    if not candidates and fallback:
        # Nothing but headings and fragments: better those than an empty summary.
        candidates = [i for i, _ in fallback]
        words = [ws for _, ws in fallback]
        other = []
    title_words = lang.words(title) if title else []
    if title_words:
        other.append(title_words)
    return _Article(lang, sentences, candidates, words, other, line_texts, title_words)


# --- sumy's algorithms, same results, fewer operations --------------------------------------------


def _overlap_matrix(bags: list[list[str]]):
    """``counts @ counts.T`` for bags of words: entry (i, j) = sum over words of count_i * count_j.

    Only words that occur in two or more sentences can meet off the diagonal, so the matrix product
    runs over those; the diagonal is computed on its own. Returns a float64 array (n, n).
    """
    import numpy as np

    n = len(bags)
    counters = [Counter(b) for b in bags]
    df = Counter(w for c in counters for w in c)
    shared = {w: i for i, w in enumerate(w for w, d in df.items() if d > 1)}
    matrix = np.zeros((n, len(shared)))
    for row, c in enumerate(counters):
        for w, k in c.items():
            col = shared.get(w)
            if col is not None:
                matrix[row, col] = k
    result = matrix @ matrix.T
    np.fill_diagonal(result, [sum(k * k for k in c.values()) for c in counters])
    return result


def _lexrank(article: _Article) -> list[float]:
    """sumy LexRankSummarizer: idf-modified cosine, threshold 0.1, power method with epsilon 0.1."""
    import numpy as np

    bags = article.content_stems()
    n = len(bags)
    counters = [Counter(b) for b in bags]
    df = Counter(w for c in counters for w in c)
    idf = {w: math.log(n / (1 + d)) for w, d in df.items()}
    # Weighted vectors tf/max_tf * idf; only the shared words matter off the diagonal.
    shared = {w: i for i, w in enumerate(w for w, d in df.items() if d > 1)}
    weights = np.zeros((n, len(shared)))
    norms = np.zeros(n)
    for row, c in enumerate(counters):
        top = max(c.values()) if c else 1
        total = 0.0
        for w, k in c.items():
            value = k / top * idf[w]
            total += value * value
            col = shared.get(w)
            if col is not None:
                weights[row, col] = value
        norms[row] = math.sqrt(total)
    numerator = weights @ weights.T
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(np.outer(norms, norms) > 0, numerator / np.outer(norms, norms), 0.0)
    np.fill_diagonal(cosine, (norms > 0).astype(float))
    matrix = (cosine > 0.1).astype(float)
    degrees = matrix.sum(axis=1)
    degrees[degrees == 0] = 1
    matrix /= degrees[:, None]
    p = np.full(n, 1.0 / n)
    for _ in range(10_000):
        following = matrix.T @ p
        size = np.linalg.norm(following)
        if size == 0:  # sumy divides by zero here and ranks by NaN; we keep document order
            return [0.0] * n
        following /= size
        change = np.linalg.norm(following - p)
        p = following
        if not change > 0.1:
            break
    return p.tolist()


def _pair_norms(bags: list[list[str]]):
    import numpy as np

    logs = np.array([math.log(len(b)) if b else 0.0 for b in bags])
    return logs[:, None] + logs[None, :]


def _textrank(article: _Article) -> list[float]:
    """sumy TextRankSummarizer: shared words / (log len_i + log len_j), PageRank d=0.85, eps 1e-4."""
    import numpy as np

    bags = article.content_stems()
    n = len(bags)
    rank = _overlap_matrix(bags)
    norm = _pair_norms(bags)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(rank == 0, 0.0, np.where(np.isclose(norm, 0.0), rank, rank / norm))
    weights /= weights.sum(axis=1)[:, None] + 1e-7
    matrix = np.full((n, n), 0.15 / n) + 0.85 * weights
    p = np.full(n, 1.0 / n)
    for _ in range(10_000):
        following = matrix.T @ p
        change = np.linalg.norm(following - p)
        p = following
        if not change > 1e-4:
            break
    return p.tolist()


def _reduction_scores(bags: list[list[str]]) -> list[float]:
    import numpy as np

    rank = _overlap_matrix(bags)
    norm = _pair_norms(bags)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where((rank == 0) | (norm == 0.0), 0.0, rank / norm)
    np.fill_diagonal(weights, 0.0)
    return weights.sum(axis=1).tolist()


def _reduction(article: _Article) -> list[float]:
    """sumy ReductionSummarizer: sum over the other sentences of shared words / (log len_i + log len_j)."""
    return _reduction_scores(article.content_stems())


def _lsa(article: _Article) -> list[float]:
    """sumy LsaSummarizer. It keeps all singular values (REDUCTION_RATIO = 1), so its rank
    sqrt(sum_k sigma_k^2 v_kj^2) equals the norm of column j of the smoothed term matrix: no SVD needed.
    """
    stop, stem = article.lang.stop_words, article.lang.stem
    dictionary = {stem(w.lower()) for ws in [*article.words, *article.other_words] for w in ws if w.lower() not in stop}
    size = len(dictionary)
    ranks = []
    for ws in article.words:
        counts = Counter(s for s in (stem(w.lower()) for w in ws) if s in dictionary)
        if not counts:
            ranks.append(0.0)
            continue
        top = max(counts.values())
        # Every dictionary row gets the 0.4 smoothing, words of the sentence 0.4 + 0.6 * tf / max_tf.
        total = 0.16 * (size - len(counts)) + sum((0.4 + 0.6 * k / top) ** 2 for k in counts.values())
        ranks.append(math.sqrt(total))
    return ranks


def _luhn(article: _Article) -> list[float]:
    """sumy LuhnSummarizer (max gap 4, significant words = stems seen more than once), with a set."""
    stop, stem = article.lang.stop_words, article.lang.stem
    all_words = [w.lower() for ws in [*article.words, *article.other_words] for w in ws]
    counts = Counter(stem(w).lower() for w in all_words if w not in stop)
    significant = {w for w, k in counts.items() if k > 1}
    ratings = []
    for ws in article.words:
        chunks: list[list[int]] = []
        in_chunk = False
        for w in ws:
            hit = stem(w.lower()) in significant
            if hit and not in_chunk:
                in_chunk = True
                chunks.append([1])
            elif in_chunk:
                chunks[-1].append(int(hit))
            if chunks and chunks[-1][-4:] == [0, 0, 0, 0]:
                in_chunk = False
        best = 0.0
        for chunk in chunks:
            while chunk and chunk[-1] == 0:
                chunk.pop()
            significant_count = sum(chunk)
            if significant_count > 1:
                best = max(best, significant_count**2 / len(chunk))
        ratings.append(best)
    return ratings


# kl and sumbasic pick greedily; sumy ranks every sentence (quadratic), we stop after this many times
# the sentences asked for (the first picks are the same), leaving spares for the word cap.
_GREEDY_SPARE = 3


def _ranked_to_ratings(order: list[int], n: int) -> list[float]:
    ratings = [-float(n)] * n
    for position, index in enumerate(order):
        ratings[index] = -float(position)
    return ratings


def _kl(article: _Article, count: int) -> list[float]:
    """sumy KLSummarizer's greedy KL-Sum, stopped after ``count`` picks (sumy ranks all n: O(n^2))."""
    stop = article.lang.stop_words
    doc_words = [w.lower() for ws in article.words for w in ws if w not in stop]
    total = len(doc_words)
    doc_freq = {w: k / total for w, k in Counter(doc_words).items()} if total else {}
    content = [[w for w in (x.lower() for x in ws) if w not in stop] for ws in article.words]
    content_counts = [Counter(c) for c in content]
    remaining = list(range(len(content)))
    summary_counts: Counter[str] = Counter()
    summary_len = 0
    # KL(doc || summary + s) = sum over words w of f_w * (log f_w - log c_w + log L) where f is the
    # document frequency, c the joint count and L the joint length. The summary's own words are
    # summed once per pick (base, mass); each sentence then costs only its own words, not the summary's.
    base = mass_base = 0.0
    order: list[int] = []
    while remaining and len(order) < _GREEDY_SPARE * count:
        best, best_kl = 0, math.inf
        for position, index in enumerate(remaining):
            joint_len = len(content[index]) + summary_len
            kl, mass = base, mass_base
            for w, k in content_counts[index].items():
                frequency = doc_freq.get(w)
                if not frequency:
                    continue
                in_summary = summary_counts.get(w)
                if in_summary:
                    kl += frequency * (math.log(in_summary) - math.log(in_summary + k))
                else:
                    kl += frequency * (math.log(frequency) - math.log(k))
                    mass += frequency
            if mass:
                kl += mass * math.log(joint_len)
            if kl < best_kl:
                best, best_kl = position, kl
        chosen = remaining.pop(best)
        order.append(chosen)
        # sumy adds the chosen sentence's raw words (not lower-cased, stop words kept) to the summary.
        summary_counts.update(article.words[chosen])
        summary_len += len(article.words[chosen])
        base = mass_base = 0.0
        for w, c in summary_counts.items():
            frequency = doc_freq.get(w)
            if frequency:
                base += frequency * (math.log(frequency) - math.log(c))
                mass_base += frequency
    return _ranked_to_ratings(order, len(content))


def _sumbasic(article: _Article, count: int) -> list[float]:
    """sumy SumBasicSummarizer's greedy picks, stopped after ``count`` picks."""
    bags = article.content_stems()
    all_words = [w for b in bags for w in b]
    total = len(all_words)
    freq = {w: k / total for w, k in Counter(all_words).items()} if total else {}
    remaining = list(range(len(bags)))
    order: list[int] = []
    while remaining and len(order) < _GREEDY_SPARE * count:
        best, best_value = 0, -1.0
        for position, index in enumerate(remaining):
            bag = bags[index]
            value = sum(freq[w] for w in bag) / len(bag) if bag else 0
            if value > best_value:
                best, best_value = position, value
        chosen = remaining.pop(best)
        order.append(chosen)
        for w in bags[chosen]:  # sumy squares once per occurrence
            freq[w] *= freq[w]
    return _ranked_to_ratings(order, len(bags))


def sumy_document(article: _Article):
    """The article as a sumy ``ObjectDocumentModel``: one paragraph per line, our sentences,
    non-candidates (and the title) as headings. Sentences are made unique by position so that two
    identical sentences stay two entries in sumy's rating dicts.
    """
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tokenizer = SumyTokenizer(article.lang.code)

    class _Sentence(Sentence):
        __slots__ = ("_index",)

        def __init__(self, text: str, index: int, is_heading: bool) -> None:
            super().__init__(text, tokenizer, is_heading)
            self._index = index

        def __eq__(self, other: object) -> bool:
            return isinstance(other, _Sentence) and self._index == other._index

        def __hash__(self) -> int:
            return hash(self._index)

    chosen = set(article.candidates)
    paragraphs = []
    if article.title_words:
        paragraphs.append(Paragraph([_Sentence(" ".join(article.title_words), -1, True)]))
    for line in sorted(article.line_texts):
        paragraphs.append(
            Paragraph([_Sentence(article.sentences[i].text, i, i not in chosen) for i in article.line_texts[line]])
        )
    return ObjectDocumentModel(paragraphs)


def _sumy_summarizer(name: str, lang: _Language):
    """A configured sumy summarizer object for ``name`` (sumy's stemmer and stop words)."""
    from sumy.summarizers.edmundson import EdmundsonSummarizer
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    classes = {
        "lexrank": LexRankSummarizer,
        "lsa": LsaSummarizer,
        "textrank": TextRankSummarizer,
        "luhn": LuhnSummarizer,
        "kl": KLSummarizer,
        "sumbasic": SumBasicSummarizer,
        "reduction": ReductionSummarizer,
        "edmundson": EdmundsonSummarizer,
    }
    summarizer = classes[name](lang.sumy_stemmer)
    if name == "edmundson":
        words = _edmundson_words or EdmundsonWords(frozenset(), frozenset())
        summarizer.bonus_words = words.bonus
        summarizer.stigma_words = words.stigma
        summarizer.null_words = lang.stop_words or frozenset({""})
    else:
        summarizer.stop_words = lang.stop_words
    return summarizer


def sumy_reference(
    text: str,
    *,
    language: str = "en",
    algorithm: str,
    sentences: int,
    title: str = "",
    capped: bool = True,
) -> list[SummarySentence]:
    """What sumy's own summarizer class picks on the same document (slow; for tests and benchmarks).

    Same inputs as ``summarize``; no word cap. ``capped=False`` gives sumy every sentence, not only
    the first ``MAX_CANDIDATES`` eligible ones.
    """
    article = _prepare(text or "", language, title, MAX_CANDIDATES if capped else None)
    if not article.candidates or sentences <= 0:
        return []
    summarizer = _sumy_summarizer(algorithm, article.lang)
    picked = summarizer(sumy_document(article), sentences)
    return [article.sentences[s._index] for s in picked]


def _edmundson(article: _Article, count: int) -> list[float]:
    """sumy EdmundsonSummarizer's rating (cue + title + location methods, default weights), read from
    its method objects because its ``__call__`` returns only the chosen sentences in document order.
    """
    summarizer = _sumy_summarizer("edmundson", article.lang)
    document = sumy_document(article)
    ratings: Counter = Counter()
    for weight, build in (
        (summarizer._cue_weight, summarizer._build_cue_method_instance),
        (summarizer._key_weight, summarizer._build_key_method_instance),
        (summarizer._title_weight, summarizer._build_title_method_instance),
        (summarizer._location_weight, summarizer._build_location_method_instance),
    ):
        if weight > 0:
            for sentence, rating in build().rate_sentences(document).items():
                ratings[sentence._index] += rating
    return [float(ratings[i]) for i in article.candidates]


def _digest(article: _Article, count: int) -> list[float]:
    """Our default: sumy's Reduction centrality times a lead prior (see bench/README.md).

    centrality_i = mean of Reduction's score on stems and on the words as written, each scaled to max 1
    (stems catch inflections, exact words weigh names and terms that recur as they are);
    prior_i = (1 + i / k) ** -1.5 for the i-th candidate and k = ``count`` (news puts the gist first:
    a short summary comes mostly from the top); the prior fades out linearly as the summary grows from
    30% to 40% of the article's sentences, where a summary is a condensed article rather than a lead.
    """
    n = len(article.candidates)
    stop = article.lang.stop_words
    centrality = [0.0] * n
    for bags in (
        article.content_stems(),
        [[w for w in ws if w not in stop] for ws in article.lower],
    ):
        scores = _reduction_scores(bags)
        top = max(scores)
        if top > 0:
            centrality = [c + s / top / 2 for c, s in zip(centrality, scores, strict=True)]
    k = max(1, count)
    fade = min(
        1.0,
        max(
            0.0,
            (k / n - LEAD_PRIOR_FADE[0]) / (LEAD_PRIOR_FADE[1] - LEAD_PRIOR_FADE[0]),
        ),
    )
    # Ties (no shared words at all) fall back to document order through the stable sort.
    return [c * (fade + (1 - fade) * (1 + i / k) ** -LEAD_PRIOR_EXPONENT) for i, c in enumerate(centrality)]


# Each rater maps (article, sentences requested) to one rating per candidate, higher is better.
_RATERS: dict[str, Callable[[_Article, int], list[float]]] = {
    "lexrank": lambda a, k: _lexrank(a),
    "lsa": lambda a, k: _lsa(a),
    "textrank": lambda a, k: _textrank(a),
    "luhn": lambda a, k: _luhn(a),
    "reduction": lambda a, k: _reduction(a),
    "kl": _kl,
    "sumbasic": _sumbasic,
    "edmundson": _edmundson,
    "digest": _digest,
}


def _top(ratings: Sequence[float], count: int) -> list[int]:
    """Indices of the ``count`` best ratings, ties to the earlier sentence (as sumy's stable sort)."""
    order = sorted(
        range(len(ratings)),
        key=lambda i: -ratings[i] if ratings[i] == ratings[i] else math.inf,
    )
    return order[:count]


def summarize(
    text: str,
    *,
    language: str = "en",
    algorithm: str = DEFAULT_ALGORITHM,
    sentences: int = DEFAULT_SENTENCES,
    title: str = "",
    max_words: int | None = -1,
) -> list[SummarySentence]:
    """Choose up to ``sentences`` sentences of ``text`` (str, one paragraph per line).

    ``language`` is an ISO 639-1 code (any code works; see ``supported_languages``); ``title`` (the
    article's headline) feeds Edmundson's title method and the LSA/Luhn vocabularies. ``max_words``
    caps the summary's length in words: ``-1`` (default) means ``WORDS_PER_SENTENCE_CAP * sentences``,
    ``None`` no cap. A sentence that would pass the cap is skipped for the next best one (if none
    fits, the best sentence alone is returned).

    Returns sentences of ``split_sentences(text, language)`` in document order, at most as many as the
    text has eligible ones; ``[]`` for empty text. Raises ``UnknownAlgorithm`` for a name not in
    ``ALGORITHMS``; odd text (no words, one word, all capitals) never raises.
    """
    name = (algorithm or "").strip().lower()
    if name not in ALGORITHMS:
        raise UnknownAlgorithm(f"unknown summarization algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    if not text or not text.strip() or sentences <= 0:
        return []
    article = _prepare(text, language, title)
    n = len(article.candidates)
    if n == 0:
        return []
    if max_words == -1:
        max_words = WORDS_PER_SENTENCE_CAP * sentences
    if n <= sentences and max_words is None:
        return [article.sentences[i] for i in article.candidates]
    try:
        ratings = _RATERS[name](article, sentences)
    except (ArithmeticError, ValueError, LookupError) as exc:
        # A summary must not fail an article's save: log it and fall back to the lead sentences.
        logger.warning("summarizer %s failed on a %d-sentence text: %r", name, n, exc, exc_info=True)
        ratings = [-float(i) for i in range(n)]
    ranked = _top(ratings, n if max_words is not None else sentences)
    picked: list[int] = []
    used = 0
    for position in ranked:
        length = len(article.words[position])
        if max_words is not None and used + length > max_words:
            continue
        picked.append(position)
        used += length
        if len(picked) == sentences:
            break
    if not picked:  # every sentence is longer than the cap: the best one still beats nothing
        picked = ranked[:1]
    return [article.sentences[article.candidates[p]] for p in sorted(picked)]


def self_check() -> None:
    """Fail fast at startup: raises RuntimeError naming what is missing (numpy, sumy, a segmenter,
    a stemmer) instead of failing on the first article. Takes about a second (jieba loads its dictionary).
    """
    problems = []
    for module, why in (
        ("numpy", "lexrank, lsa and textrank need numpy (pip install numpy)"),
        ("sumy", "summaries are built on sumy (pip install sumy)"),
        ("nltk.stem.snowball", "sumy's stemmers come from nltk (pip install nltk)"),
    ):
        try:
            __import__(module)
        except ImportError as exc:
            problems.append(f"{why}: {exc}")
    for code, why in (
        ("zh", "Chinese word segmentation needs jieba (pip install jieba)"),
        (
            "ja",
            "Japanese word segmentation needs tinysegmenter (pip install tinysegmenter)",
        ),
    ):
        try:
            word_tokenizer(code)
        except ImportError as exc:
            problems.append(f"{why}: {exc}")
    if problems:
        raise RuntimeError("summarizer self-check failed: " + "; ".join(problems))
    sample = "The council met on Monday to vote. The vote on the new park passed. Work on the park starts soon."
    try:
        for name in ALGORITHMS:
            if not summarize(sample, algorithm=name, sentences=1):
                raise RuntimeError(f"{name} returned no sentence")
        if not summarize(
            "市政府周一开会。新公园的投票通过了。公园工程即将开始。",
            language="zh",
            sentences=1,
        ):
            raise RuntimeError("Chinese summary is empty")
    except Exception as exc:  # any failure here means summaries would fail on every article
        raise RuntimeError(f"summarizer self-check failed: {exc!r}") from exc
