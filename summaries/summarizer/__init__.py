"""Extractive summaries built on sumy: offline, multilingual, fast on long articles. Plain Python, no Django.

``summarize(text, ...)`` returns sentences of ``text`` (with code-point spans) chosen by one of sumy's
algorithms or by our default, ``"digest"`` (see ``bench/README.md`` for how it was chosen and scored).
Settings come in as a ``SummaryOptions`` value (``reader.conf.summary_options`` builds it).

The package:

* ``tokenizers``: sentence and word splitting (rule-based, no NLTK data; jieba for Chinese,
  tinysegmenter for Japanese).
* ``text``: sentences with spans, the heading rule (``is_heading``, shared with the full-text view),
  sumy's stemmers and stop words per language (``LANGUAGES`` maps ISO 639-1 codes to sumy's names;
  other languages get lower-casing only), and the candidates of one article (``prepare``).
* ``algorithms``: sumy's algorithms, same picks with fewer operations; ``digest``: our default;
  ``sumy_classes``: sumy's own classes (Edmundson, and the reference picks tests compare with).

Bounds: a summary reads at most ``text_limit(language)`` characters of the text (``MAX_TEXT_CHARS``,
``MAX_SEGMENTED_TEXT_CHARS`` for Chinese and Japanese; a longer text is summarized from its lead) and
scores only its first ``MAX_CANDIDATES`` eligible sentences, which bounds the quadratic part. Every
text step (splitting, words, the heading rule) is linear in the text, however its lines are broken.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

from summaries.summarizer import algorithms
from summaries.summarizer.digest import digest
from summaries.summarizer.options import SummaryOptions
from summaries.summarizer.sumy_classes import edmundson, sumy_reference
from summaries.summarizer.text import (
    LANGUAGES,
    MAX_CANDIDATES,
    MAX_SEGMENTED_TEXT_CHARS,
    MAX_TEXT_CHARS,
    Document,
    SummarySentence,
    is_heading,
    opens_with_quotation,
    prepare,
    split_sentences,
    text_limit,
)
from summaries.summarizer.tokenizers import word_tokenizer

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "DEFAULT_SENTENCES",
    "MAX_CANDIDATES",
    "MAX_SEGMENTED_TEXT_CHARS",
    "MAX_SENTENCES",
    "MAX_TEXT_CHARS",
    "SUMY_ALGORITHMS",
    "WORDS_PER_SENTENCE_CAP",
    "SummaryOptions",
    "SummarySentence",
    "UnknownAlgorithm",
    "available_algorithms",
    "is_heading",
    "self_check",
    "split_sentences",
    "summarize",
    "sumy_reference",
    "supported_languages",
    "text_limit",
]

logger = logging.getLogger(__name__)

SUMY_ALGORITHMS: tuple[str, ...] = (
    "lexrank",
    "lsa",
    "textrank",
    "luhn",
    "kl",
    "sumbasic",
    "reduction",
)
# The site's defaults (config/settings.py's DIGEST_SUMMARY_ALGORITHM / DIGEST_SUMMARY_SENTENCES default
# to these) and the longest summary a reader can ask for, in sentences.
DEFAULT_ALGORITHM = "digest"
DEFAULT_SENTENCES = 3
MAX_SENTENCES = 10
# Names offered with the default options, default first (``available_algorithms`` adds edmundson).
ALGORITHMS: tuple[str, ...] = (DEFAULT_ALGORITHM, *SUMY_ALGORITHMS)
# A summary stops growing at this many words per requested sentence (so 3 sentences -> 105 words):
# a run-on sentence gives way to the next best one. Measured in bench/README.md.
WORDS_PER_SENTENCE_CAP = 35


class UnknownAlgorithm(ValueError):
    """The algorithm name is not one of ``available_algorithms(options)``."""


def available_algorithms(options: SummaryOptions | None = None) -> tuple[str, ...]:
    """Names users may choose, default first: ``ALGORITHMS``, plus ``edmundson`` when ``options`` has its
    cue words (``SummaryOptions.offers_edmundson``)."""
    if options is not None and options.offers_edmundson:
        return (*ALGORITHMS, "edmundson")
    return ALGORITHMS


def supported_languages() -> dict[str, str]:
    """ISO 639-1 code -> sumy language name for languages with a stemmer, stop words or a segmenter.

    Any other code still works (lower-cased words, no stop words).
    """
    return dict(LANGUAGES)


# Each rater maps (article, sentences requested, options) to one rating per candidate, higher is better.
_RATERS: dict[str, Callable[[Document, int, SummaryOptions], list[float]]] = {
    "lexrank": lambda a, k, o: algorithms.lexrank(a),
    "lsa": lambda a, k, o: algorithms.lsa(a),
    "textrank": lambda a, k, o: algorithms.textrank(a),
    "luhn": lambda a, k, o: algorithms.luhn(a),
    "reduction": lambda a, k, o: algorithms.reduction(a),
    "kl": lambda a, k, o: algorithms.kl(a, k),
    "sumbasic": lambda a, k, o: algorithms.sumbasic(a, k),
    "edmundson": lambda a, k, o: edmundson(a, o),
    "digest": lambda a, k, o: digest(a, k),
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
    options: SummaryOptions | None = None,
) -> list[SummarySentence]:
    """Choose up to ``sentences`` sentences of ``text`` (str, one paragraph per line).

    ``language`` is an ISO 639-1 code (any code works; see ``supported_languages``); ``title`` (the
    article's headline) feeds Edmundson's title method and the LSA/Luhn vocabularies. ``max_words``
    caps the summary's length in words: ``-1`` (default) means ``WORDS_PER_SENTENCE_CAP * sentences``,
    ``None`` no cap. A sentence that would pass the cap is skipped for the next best one (if none
    fits, the best sentence alone is returned). ``options`` (default ``SummaryOptions()``) are the
    site's settings.

    Returns sentences of ``split_sentences(text, language)`` in document order, at most as many as the
    text has eligible ones; ``[]`` for empty text. Raises ``UnknownAlgorithm`` for a name not in
    ``available_algorithms(options)``; odd text (no words, one word, all capitals) never raises.

    Length never raises either: only the first ``text_limit(language)`` characters are read (a longer
    text is summarized from its lead; the spans still point into ``text``) and only the first
    ``MAX_CANDIDATES`` eligible sentences are scored. Time is linear in the text read, plus the
    algorithm's work on the candidates (kl and sumbasic grow with ``sentences`` times their words).
    """
    options = options or SummaryOptions()
    offered = available_algorithms(options)
    name = (algorithm or "").strip().lower()
    if name not in offered:
        raise UnknownAlgorithm(f"unknown summarization algorithm {algorithm!r}; choose one of {', '.join(offered)}")
    if not text or not text.strip() or sentences <= 0:
        return []
    article = prepare(text, language, title)
    n = len(article.candidates)
    if n == 0:
        return []
    if max_words == -1:
        max_words = WORDS_PER_SENTENCE_CAP * sentences
    if n <= sentences and max_words is None:
        return [article.sentences[i] for i in article.candidates]
    try:
        ratings = _RATERS[name](article, sentences, options)
    except (ArithmeticError, ValueError, LookupError) as exc:
        # A summary must not fail an article's save: log it and fall back to the lead sentences.
        logger.warning("summarizer %s failed on a %d-sentence text: %r", name, n, exc, exc_info=True)
        ratings = [-float(i) for i in range(n)]
    ranked = _top(ratings, n)
    # A summary of quotations alone says what people said but not what happened: at most one in
    # three of its sentences may open with a quotation mark, unless nothing else is left.
    quotes_allowed = max(1, sentences // 3)
    quotations = [p for p in ranked if opens_with_quotation(article.sentences[article.candidates[p]].text)]
    later = set(quotations[quotes_allowed:])
    picked: list[int] = []
    used = 0
    for position in [p for p in ranked if p not in later] + [p for p in ranked if p in later]:
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


# Cue words that exercise edmundson in ``self_check`` whatever the site configured.
_CHECK_OPTIONS = SummaryOptions(bonus_words=frozenset({"park"}), stigma_words=frozenset({"soon"}))


def self_check() -> None:
    """Fail fast at startup: raises RuntimeError naming what is missing (numpy, sumy, a segmenter,
    a stemmer) instead of failing on the first article. Runs every algorithm, edmundson included, on a
    short sample. Takes about a second (jieba loads its dictionary).
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
        for name in available_algorithms(_CHECK_OPTIONS):
            if not summarize(sample, algorithm=name, sentences=1, options=_CHECK_OPTIONS):
                raise RuntimeError(f"{name} returned no sentence")
        if not summarize(
            "市政府周一开会。新公园的投票通过了。公园工程即将开始。",
            language="zh",
            sentences=1,
        ):
            raise RuntimeError("Chinese summary is empty")
    except Exception as exc:  # any failure here means summaries would fail on every article
        raise RuntimeError(f"summarizer self-check failed: {exc!r}") from exc
