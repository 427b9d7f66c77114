"""Summary sentences that are not sentences: a measure over the 136 shared extraction pages.

Run: ``python -m bench.summary_sentences [--limit N] [--shared PATH]`` (or ``make bench-sentences``).
Each page of ``shared/bench/extraction`` goes through Digest's extractor (``reader.extract.extract_html``)
and the default summary (``summaries.summarizer.summarize`` with the site defaults: ``digest``, 3
sentences, the language and title extraction found), as a saved article gets it. Every sentence of
those summaries is checked for the four faults a person notices (issue 13):

* ``punctuation start``: it starts with punctuation other than an opening quotation mark or bracket
  (``— Mike Glass threw…``, ``(AP) — …`` are dateline remnants);
* ``pipe``: it contains ``|`` (a table row or a navigation line);
* ``short``: it has fewer than 4 words;
* ``no end``: it does not end with sentence punctuation (``. ! ? …``, perhaps inside closing
  quotation marks or brackets).

It prints the share of flagged sentences (goal 0) and every flagged sentence with its page, its fault
and why the summarizer chose it (``why_kept``), so a person can judge it. Nothing is timed.
"""

from __future__ import annotations

import re
from collections import Counter

from bench.extraction import page_arguments, shared_pages

# Opening quotation marks and brackets a sentence may start with.
OPENERS = "\"'“‘«»„‚‹›「『（([¿¡"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ENDS = re.compile(r"[.!?…。！？][\"'”’»«›‹)\]」』）]*$")
MIN_WORDS = 4


def faults(sentence: str, language: str = "en") -> list[str]:
    """The faults of one summary sentence (str, in ``language``, an ISO 639-1 code), as the names
    listed in the module docstring; [] for none. Words are counted as the summarizer counts them
    (``summaries.summarizer.tokenizers.word_tokenizer``: a segmenter for Chinese and Japanese), numbers
    included."""
    from summaries.summarizer.tokenizers import word_tokenizer

    text = sentence.strip()
    found = []
    first = text[:1]
    if first and not first.isalnum() and first not in OPENERS:
        found.append("punctuation start")
    if "|" in text:
        found.append("pipe")
    if len(word_tokenizer(language)(text)) + len(_NUMBER.findall(text)) < MIN_WORDS:
        found.append("short")
    if not _ENDS.search(text):
        found.append("no end")
    return found


def why_kept(text: str, language: str) -> str:
    """Why the summarizer may choose sentences without final punctuation from ``text``: the page is
    mostly such lines (a checklist, a meal plan, a schedule), or nothing on it reads as prose. Counts
    its sentences of running text with the summarizer's own rule (``summaries.summarizer.text``)."""
    from summaries.summarizer.blocks import never_a_sentence, span_kinds
    from summaries.summarizer.text import PROSE, UNFINISHED, language_resources, sentence_tier
    from summaries.summarizer.tokenizers import sentence_spans

    spans = sentence_spans(text, language)
    kinds = [kind for _, _, kind in span_kinds(text)]
    per_line = Counter(line for _, _, line in spans)
    words = language_resources(language).words
    tiers = Counter(
        sentence_tier(text[a:b], words(text[a:b]), per_line[line] == 1)
        for a, b, line in spans
        if not never_a_sentence(kinds[line])
    )
    if not tiers[PROSE]:
        return "kept: no sentence of the page reads as prose"
    if tiers[UNFINISHED] >= tiers[PROSE]:
        return f"kept: the page is mostly lines without final punctuation ({tiers[UNFINISHED]} against {tiers[PROSE]} sentences)"
    return "not expected: the page is prose"


def measure(pages: list[tuple[str, str, str, str]]) -> tuple[int, list[tuple[str, str, list[str], str]]]:
    """Summarize every page as Digest saves it; return (sentences seen, [(page id, sentence, faults,
    why the summarizer kept it)])."""
    from reader.extract import extract_html
    from summaries.summarizer import DEFAULT_ALGORITHM, DEFAULT_SENTENCES, summarize

    total = 0
    flagged: list[tuple[str, str, list[str], str]] = []
    for page_id, url, html, _truth in pages:
        article = extract_html(html, url)
        language = article.language or "en"
        summary = summarize(
            article.text,
            language=language,
            algorithm=DEFAULT_ALGORITHM,
            sentences=DEFAULT_SENTENCES,
            title=article.title,
        )
        for sentence in summary:
            total += 1
            if found := faults(sentence.text, language):
                flagged.append((page_id, sentence.text, found, why_kept(article.text, language)))
    return total, flagged


def main(argv: list[str] | None = None) -> int:
    pages = shared_pages(page_arguments(__doc__.split("\n")[0]).parse_args(argv))
    if pages is None:
        return 2
    total, flagged = measure(pages)
    share = len(flagged) / total if total else 0.0
    print(f"{len(pages)} pages, {total} default summary sentences, {len(flagged)} flagged ({share:.1%})")
    for reason in ("punctuation start", "pipe", "short", "no end"):
        print(f"  {reason}: {sum(reason in f for _p, _s, f, _k in flagged)}")
    for page_id, sentence, found, kept in flagged:
        print(f"{page_id[:12]} [{', '.join(found)}; {kept}] {sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
