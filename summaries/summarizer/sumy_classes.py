"""sumy's own summarizer classes run on our ``Document``: Edmundson (which we use as sumy has it) and the
reference picks that ``tests/test_summarizer.py`` and ``bench/summarization.py`` compare our fast
versions with.

sumy is imported inside the functions: it loads nltk (over a second), and every Django process imports
this package at start-up (``config.celery``'s self-check).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from summaries.summarizer.options import SummaryOptions
from summaries.summarizer.text import MAX_CANDIDATES, Document, Language, SummarySentence, prepare
from summaries.summarizer.tokenizers import SumyTokenizer


def sumy_document(article: Document) -> Any:
    """The article as a sumy ``ObjectDocumentModel``: one paragraph per line, our sentences,
    non-candidates (and the title) as headings. Sentences are made unique by position so that two
    identical sentences stay two entries in sumy's rating dicts; each carries its index into
    ``article.sentences`` as ``_index`` (``-1`` for the title).
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


def sumy_summarizer(name: str, lang: Language, options: SummaryOptions | None = None) -> Any:
    """A configured sumy summarizer object for ``name`` (one of ``SUMY_ALGORITHMS`` or ``"edmundson"``)
    with sumy's stemmer and stop words for ``lang``; Edmundson gets ``options``' cue words.
    Raises KeyError for another name.
    """
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
        words = options or SummaryOptions()
        summarizer.bonus_words = words.bonus_words
        summarizer.stigma_words = words.stigma_words
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
    options: SummaryOptions | None = None,
) -> list[SummarySentence]:
    """What sumy's own summarizer class picks on the same document (slow; for tests and benchmarks).

    Same inputs as ``summarize``; no word cap. ``capped=False`` gives sumy every sentence of the whole
    text, not only the first ``MAX_CANDIDATES`` eligible ones of its first ``text_limit`` characters.
    """
    article = prepare(text or "", language, title, MAX_CANDIDATES if capped else None, -1 if capped else None)
    if not article.candidates or sentences <= 0:
        return []
    summarizer = sumy_summarizer(algorithm, article.lang, options)
    picked = summarizer(sumy_document(article), sentences)
    return [article.sentences[s._index] for s in picked]


def edmundson(article: Document, options: SummaryOptions) -> list[float]:
    """sumy EdmundsonSummarizer's rating (cue + title + location methods, default weights), one per
    candidate, read from its method objects because its ``__call__`` returns only the chosen sentences
    in document order. sumy raises ValueError when ``options`` lacks bonus or stigma words.
    """
    summarizer = sumy_summarizer("edmundson", article.lang, options)
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
