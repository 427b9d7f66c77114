"""The summarizer's bounds: every text step linear in the text however its lines are broken, and the caps
on the text (``text_limit``) and the candidates (``MAX_CANDIDATES``) a summary reads.

Linearity is checked by counting, not by the clock: every compiled pattern of the summarizer's text
modules is wrapped so that it adds up the characters it is asked to scan, and that total must stay within
a small multiple of the text's length. The old splitter searched the whole prefix of a line again at every
full stop, which this count shows at once (about 100 million characters for a 120,000-character line).
One timing test compares a long line with the same sentences on many lines, as a ratio in one process.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reader.rendering import paragraphs_with_marks
from summaries import summarizer
from summaries.summarizer import (
    MAX_CANDIDATES,
    MAX_SEGMENTED_TEXT_CHARS,
    MAX_TEXT_CHARS,
    blocks,
    is_heading,
    split_sentences,
    summarize,
    text,
    text_limit,
    tokenizers,
)
from summaries.summarizer.text import prepare
from summaries.summarizer.tokenizers import lead_sentence_spans, sentence_spans

# Characters scanned per character of text that a linear pass may cost: each step (lines, terminators,
# words, the CJK check, the heading rule) reads the text a bounded number of times.
SCANS_PER_CHARACTER = 12

# Ordinary news prose that goes through every rule of the splitter: abbreviations, initials, dotted
# acronyms before a new sentence, ordinals, quotes, question marks, a lower-case word after a dot.
SENTENCES = (
    "The city council voted on Tuesday to build a riverside park on the old docks.",
    "Mr. Alvarez, who chairs the committee, said the vote was the largest since 1998.",
    'He added: "Work starts in the spring and takes two years."',
    "J. Smith of the U.S. The Harbour Trust asked whether the cranes would stay?",
    "They will, approx. five of them, lit at night as part of the park.",
    "Residents at the meeting applauded!",
)


def _story(count: int, separator: str) -> str:
    return separator.join(SENTENCES[i % len(SENTENCES)] for i in range(count))


class _CountingPattern:
    """A compiled pattern that adds the characters each call may scan to ``counter[0]``."""

    def __init__(self, pattern: re.Pattern[str], counter: list[int]) -> None:
        self._pattern = pattern
        self._counter = counter

    def _scan(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> None:
        self._counter[0] += max(0, min(len(string), endpos) - pos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        self._scan(string, pos, endpos)
        return self._pattern.search(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        self._scan(string, pos, endpos)
        return self._pattern.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        self._scan(string, pos, endpos)
        return self._pattern.findall(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        self._scan(string, pos, endpos)
        return self._pattern.fullmatch(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        # Anchored: it reads what it matches (and one character more to stop).
        found = self._pattern.match(string, pos, endpos)
        self._counter[0] += (found.end() - pos if found else 0) + 1
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], object]], int]:
    """``scanned(call)``: run ``call`` and return how many characters the summarizer's patterns scanned."""
    counter = [0]
    for module in (tokenizers, text, blocks):
        for name, value in list(vars(module).items()):
            if isinstance(value, re.Pattern):
                monkeypatch.setattr(module, name, _CountingPattern(value, counter))

    def run(call: Callable[[], object]) -> int:
        counter[0] = 0
        call()
        return counter[0]

    return run


# --- every text step is linear -----------------------------------------------------------------------


@pytest.mark.parametrize("separator", [" ", "\n"], ids=["one line", "a line each"])
def test_splitting_scans_each_character_a_bounded_number_of_times(scanned, separator: str) -> None:
    story = _story(1_600, separator)  # about 120,000 characters
    budget = SCANS_PER_CHARACTER * len(story)
    assert scanned(lambda: sentence_spans(story)) <= budget
    assert scanned(lambda: prepare(story, "en", "")) <= budget
    assert scanned(lambda: paragraphs_with_marks(story, [(0, 10)])) <= budget
    assert scanned(lambda: is_heading(story)) <= budget


def test_line_breaks_between_sentences_do_not_change_the_sentences() -> None:
    one_line, many_lines = _story(600, " "), _story(600, "\n")
    sentences = [s.text for s in split_sentences(one_line)]
    assert sentences == [s.text for s in split_sentences(many_lines)]
    assert len(sentences) == 600 + 100  # "... of the U.S. The Harbour Trust ..." is two sentences


def _best_time(call: Callable[[], object], runs: int = 3) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _costs_about_as_much(line: str, reference: str) -> bool:
    """Whether splitting ``line`` takes at most 4 times as long as splitting ``reference`` (plus 0.2 s of
    slack for a busy machine) in one of three tries: a ratio in one process, never an absolute time."""
    bound = 4 * _best_time(lambda: sentence_spans(reference)) + 0.2
    return any(_best_time(lambda: sentence_spans(line), runs=1) <= bound for _ in range(3))


def test_one_long_line_costs_about_what_the_same_sentences_on_many_lines_cost() -> None:
    # The old splitter took 14 s on this line and 0.03 s on the same sentences one per line.
    assert _costs_about_as_much(_story(1_600, " "), _story(1_600, "\n"))


@pytest.mark.parametrize(
    "line",
    [
        "Wow" + "!" * 10_000 + "x",
        "So" + "?!." * 3_000 + "x",
        "End." + '"' * 10_000 + "x",
        "End." + " " * 10_000 + "next",
        "a" * 10_000 + ". b",
        "a." * 5_000 + " The",
        '"We went. ' * 2_000 + "End.",
        "«»„“" * 2_500 + " x.",
        "ab.Cd" * 2_000,
    ],
    ids=["stops", "mixed stops", "closing quotes", "spaces", "long token", "dotted", "open quotes", "marks", "glued"],
)
def test_long_runs_of_stops_quotes_and_spaces_are_linear(scanned, line: str) -> None:
    # A pattern retried from every position of a run is quadratic inside the regex engine, where the
    # count cannot see it (the old splitter took 8 s on the 10,000 stops): compare with prose.
    assert scanned(lambda: sentence_spans(line)) <= SCANS_PER_CHARACTER * len(line)
    assert _costs_about_as_much(line, _story(len(line) // 70, " "))


def test_the_candidate_cap_holds_when_only_fragments_qualify() -> None:
    # Short lines only (no sentence has four words): they become the candidates, but no more than the cap.
    fragments = "\n".join(f"Item {i}" for i in range(MAX_CANDIDATES * 4))
    article = prepare(fragments, "en", "")
    assert len(article.candidates) == MAX_CANDIDATES
    assert article.candidates == list(range(MAX_CANDIDATES))
    assert max(i for indices in article.line_texts.values() for i in indices) == MAX_CANDIDATES - 1
    summary = summarize(fragments, algorithm="lexrank", sentences=3)
    assert len(summary) == 3 and all(s.end <= fragments.index(f"Item {MAX_CANDIDATES}\n") for s in summary)


# --- the text cap ------------------------------------------------------------------------------------


def test_text_limits_are_documented_figures() -> None:
    assert text_limit("en") == text_limit("de-AT") == text_limit("") == MAX_TEXT_CHARS == 250_000
    assert text_limit("zh") == text_limit("ja") == text_limit("zh_Hans") == MAX_SEGMENTED_TEXT_CHARS
    assert MAX_SEGMENTED_TEXT_CHARS == MAX_TEXT_CHARS // 4
    assert {"MAX_TEXT_CHARS", "MAX_SEGMENTED_TEXT_CHARS", "text_limit"} <= set(summarizer.__all__)


def test_a_cut_inside_a_sentence_leaves_that_sentence_out() -> None:
    line = "First sentence here. Second sentence here. Third sentence here."
    cut = line.index("Second") + 3
    assert [line[a:b] for a, b, _ in lead_sentence_spans(line, "en", cut)] == ["First sentence here."]
    # A cut between two sentences of one line also drops the last one: the boundary there depends on
    # the word after it.
    cut = line.index("Second")
    assert [line[a:b] for a, b, _ in lead_sentence_spans(line, "en", cut)] == []
    assert lead_sentence_spans(line, "en", len(line)) == sentence_spans(line)
    assert lead_sentence_spans(line, "en", None) == sentence_spans(line)


def test_a_cut_at_the_end_of_a_line_keeps_the_whole_line() -> None:
    story = "One full sentence.\nTwo full sentences here. And more.   \nThird line."
    cut = story.index("   \n")
    assert lead_sentence_spans(story, "en", cut) == sentence_spans(story)[:3]
    assert lead_sentence_spans(story, "en", cut + 1) == sentence_spans(story)[:3]


def test_a_text_past_the_cap_is_summarized_from_its_lead(scanned) -> None:
    # A 9 MB one-paragraph page, shortened: the summary comes from the first MAX_TEXT_CHARS characters,
    # its spans point into the whole text, and nothing past the cap is read.
    page = _story(100, "\n") + "\n" + _story(MAX_TEXT_CHARS // 15, " ")
    assert len(page) > 4 * MAX_TEXT_CHARS
    for algorithm in summarizer.ALGORITHMS:
        summary = summarize(page, algorithm=algorithm, sentences=3)
        assert len(summary) == 3
        assert all(page[s.start : s.end] == s.text and s.end <= MAX_TEXT_CHARS for s in summary)
    article = prepare(page, "en", "")
    assert article.sentences[-1].end <= MAX_TEXT_CHARS
    assert [s.text for s in article.sentences] == [s.text for s in split_sentences(page)][: len(article.sentences)]
    lead = page[:MAX_TEXT_CHARS]
    assert scanned(lambda: summarize(page, sentences=3)) <= scanned(lambda: summarize(lead, sentences=3)) + 10
    # A text up to the cap is read whole.
    assert prepare(lead, "en", "", cap=None).sentences == split_sentences(lead)


def test_one_endless_sentence_past_the_cap_gives_no_summary_and_no_error() -> None:
    endless = " ".join(["word"] * (MAX_TEXT_CHARS // 4))
    assert len(endless) > MAX_TEXT_CHARS
    assert summarize(endless) == []
    chinese = "公园工程即将开始" * (MAX_SEGMENTED_TEXT_CHARS // 7)
    assert summarize(chinese, language="zh") == []
    assert len(summarize(chinese[: MAX_SEGMENTED_TEXT_CHARS // 2] + "。", language="zh")) == 1
