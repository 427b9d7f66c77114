"""The summarizer's bounds: the same text as one line and as many lines, and the worst texts at the caps.

Run ``python -m bench.limits`` from the repo (``make bench-limits``). The first part needs the BBC News
Summary articles of ``../shared/bench/summarization`` (or ``$DIGEST_SHARED_DIR``); the second part is
made up here and always runs.

* **One line against 500 lines**: 50,000 words of BBC articles glued together (as ``bench.summarization``
  builds its speed texts), their sentences joined by spaces into one line and dealt into 500 lines.
  Median CPU ms of ``--runs`` runs (``time.process_time``, one BLAS thread) to split the text
  (``split_sentences``, which reads all of it), to lay it out for the full-text view
  (``reader.rendering.paragraphs_with_marks``) and to summarize it with each algorithm (3 sentences;
  the summary reads the first ``text_limit`` characters). The last column is one line / 500 lines:
  about 1 when every step is linear in the text whatever its line breaks.
* **Worst texts at the cap**: texts of ``MAX_TEXT_CHARS`` characters built to be slow (a vocabulary of
  distinct words, single-character words, fragments only, long runs of stops), Chinese and Japanese
  without punctuation under their own cap, and a 9 MB one-paragraph page. One run each, CPU ms for
  the default and the slowest algorithm (10 sentences), and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import resource
import statistics
import time
import warnings
from collections.abc import Callable

from bench.summarization import DATA, load_bbc
from reader.rendering import paragraphs_with_marks
from summaries import summarizer as S
from summaries.summarizer.text import prepare

# One core, as in bench.summarization: set before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

WORDS = 50_000
LINES = 500


def _median_ms(call: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.process_time()
        call()
        timings.append(1000 * (time.process_time() - started))
    return statistics.median(timings)


def one_line_and_many(runs: int) -> None:
    """Print the one-line / 500-line table for 50,000 words of BBC articles."""
    pool = load_bbc(offset=1, step=1)
    random.Random(1).shuffle(pool)
    lines: list[str] = []
    words = 0
    for pair in pool:
        for line in pair.text.splitlines():
            lines.append(line)
            words += len(line.split())
        if words >= WORDS:
            break
    sentences = [s.text for s in S.split_sentences("\n".join(lines))]
    per_line = -(-len(sentences) // LINES)
    one_line = " ".join(sentences)
    many = "\n".join(" ".join(sentences[i : i + per_line]) for i in range(0, len(sentences), per_line))
    print(
        f"== {words:,} words, {len(sentences):,} sentences, {len(one_line):,} characters:"
        f" one line against {many.count(chr(10)) + 1} lines; median CPU ms of {runs}"
    )
    steps: dict[str, Callable[[str], object]] = {
        "split_sentences": S.split_sentences,
        "paragraphs_with_marks": lambda text: paragraphs_with_marks(text, [(0, 50)]),
    }
    for name in S.ALGORITHMS:
        steps[f"summarize {name}"] = functools.partial(_summary, algorithm=name)
    S.summarize(many[:20_000])  # import numpy and sumy, fill the stem cache: outside the timings
    print(f"{'step':<24} {'one line':>10} {'500 lines':>10} {'ratio':>6}")
    for label, step in steps.items():
        single = _median_ms(functools.partial(step, one_line), runs)
        multi = _median_ms(functools.partial(step, many), runs)
        print(f"{label:<24} {single:8.0f}ms {multi:8.0f}ms {single / max(multi, 0.001):6.2f}")


def _summary(text: str, algorithm: str) -> object:
    return S.summarize(text, algorithm=algorithm, sentences=3)


def _worst_texts() -> dict[str, tuple[str, str]]:
    """Name -> (text, language) of texts built to be slow, each at (or past) its language's cap."""
    rng = random.Random(0)
    cap = S.MAX_TEXT_CHARS
    letters = "abcdefghijklmnopqrstuvwxyz"
    # Distinct five-letter words, each twice: the widest sentence x shared-word matrix the cap allows.
    vocabulary = ["".join(rng.choice(letters) for _ in range(5)) for _ in range(cap // 12)]
    words = vocabulary + vocabulary
    rng.shuffle(words)
    distinct = " ".join(" ".join(words[i : i + 80]).capitalize() + "." for i in range(0, len(words), 80))
    # Single CJK characters as words of an English text: the most words per character.
    characters = [chr(0x4E00 + rng.randrange(20_000)) for _ in range(cap // 2)]
    one_char = " ".join(" ".join(characters[i : i + 250]) + "." for i in range(0, len(characters), 250))
    segmented = S.MAX_SEGMENTED_TEXT_CHARS - 10
    common_han = [chr(0x4E00 + i) for i in range(3_000)]
    return {
        "distinct words": (distinct, "en"),
        "one-character words": (one_char, "en"),
        "fragments only": ("\n".join(f"Item {i}" for i in range(cap // 10)), "en"),
        "runs of stops": (" ".join(f"Wow{'!' * 500}x" for _ in range(cap // 504)), "en"),
        "zh, one sentence": ("".join(rng.choice(common_han) for _ in range(segmented)) + "。", "zh"),
        "ja, one sentence": (
            "".join(rng.choice("あいうえおかきくけこ漢字東京") for _ in range(segmented)) + "。",
            "ja",
        ),
        "9 MB page, one line": (
            " ".join(f"The council voted {i} times on the new park by the river." for i in range(9_000_000 // 56)),
            "en",
        ),
    }


def worst_texts() -> None:
    """Print one summary's cost for each text of ``_worst_texts``."""
    print(
        f"== Worst texts at the cap (MAX_TEXT_CHARS = {S.MAX_TEXT_CHARS:,}, zh/ja {S.MAX_SEGMENTED_TEXT_CHARS:,}"
        f" characters; MAX_CANDIDATES = {S.MAX_CANDIDATES}): CPU ms of one summary, 10 sentences"
    )
    S.summarize("预热。公园工程即将开始了。", language="zh")  # load jieba's dictionary outside the timings
    print(f"{'text':<22} {'characters':>11} {'candidates':>10} {'digest':>8} {'slowest':>18} {'peak RSS':>9}")
    for label, (text, language) in _worst_texts().items():
        candidates = len(prepare(text, language, "").candidates)
        timings = {}
        for name in S.ALGORITHMS:
            started = time.process_time()
            S.summarize(text, language=language, algorithm=name, sentences=10)
            timings[name] = 1000 * (time.process_time() - started)
        slowest = max(timings, key=timings.__getitem__)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(
            f"{label:<22} {len(text):>11,} {candidates:>10} {timings['digest']:6.0f}ms"
            f" {slowest:>9} {timings[slowest]:6.0f}ms {rss:>7}MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["all", "lines", "worst"], default="all")
    parser.add_argument("--runs", type=int, default=5, help="one line against 500 lines: runs per step")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # sumy's LSA warns on short texts
    if args.part in ("all", "lines"):
        if DATA.is_dir():
            one_line_and_many(args.runs)
        else:
            print(f"== one line against 500 lines: skipped, benchmark data not found at {DATA} (set DIGEST_SHARED_DIR)")
    if args.part in ("all", "worst"):
        worst_texts()


if __name__ == "__main__":
    main()
