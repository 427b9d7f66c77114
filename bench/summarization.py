"""Summarization benchmark: ROUGE on CNN/DailyMail mini and BBC News Summary, plus speed.

Run ``python -m bench.summarization`` from the repo (``--help`` for options). Data is read from
``../shared/bench/summarization`` (or ``$DIGEST_SHARED_DIR``); see that folder's README.

* Quality: ROUGE-1/2/L F1 (``rouge-score`` 0.1.2, Porter stemming, ``rougeL`` not ``rougeLsum``, as the
  data README's own figures) for Lead-k, every sumy algorithm (our exact fast versions) and our default.
  Times are CPU seconds of this process (``time.process_time``), steady on a shared machine.
  CNN/DM mini: all 100 pairs, 3 sentences. BBC: every 5th pair (``--offset`` picks which of the five,
  0 is the reported test split; 2 was used while tuning), as many sentences as the reference has, no
  word cap. Each line prints mean R-1/R-2/R-L and ms per article; then a paired bootstrap (1,000
  resamples of the articles) 95% interval for the difference to Lead-k in R-1 and R-2.
* Speed: median CPU ms per article over 5 runs for articles of 1k-50k words (real BBC articles glued
  together), one thread, for every algorithm; sumy's own classes are timed too (one run each, on
  every sentence, no candidate cap), with a time limit per run after which larger sizes are skipped.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from summaries import summarizer as S

# One core: BLAS threads would make the numpy algorithms look faster than on a busy worker. Set before
# numpy is first imported (the summarizer and rouge-score import it lazily).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

SHARED = Path(os.environ.get("DIGEST_SHARED_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))
DATA = SHARED / "bench" / "summarization"


@dataclass
class Pair:
    title: str
    text: str  # one paragraph per line
    reference: list[str]  # reference sentences
    language: str = "en"


def load_cnndm() -> list[Pair]:
    """100 pairs; the article is one lower-cased PTB-tokenized line, highlights split on two spaces."""
    pairs = []
    path = DATA / "cnndm-mini-explainaboard" / "cnndm_mini-dataset.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        article, reference = line.split("\t")
        pairs.append(
            Pair(
                "",
                article.strip(),
                [s.strip() for s in reference.split("  ") if s.strip()],
            )
        )
    return pairs


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # sport/199.txt is cp1252
        return data.decode("cp1252")


_GLUE = re.compile(r"(?<=[.!?])(?=[A-Z\"'])")


def load_bbc(offset: int = 0, step: int = 5, limit: int | None = None) -> list[Pair]:
    """Every ``step``-th pair from ``offset`` in sorted (category, file) order."""
    root = DATA / "bbc-news-summary"
    files = sorted((root / "News Articles").glob("*/*.txt"))[offset::step]
    pairs = []
    for path in files[:limit]:
        title, _, body = _read(path).partition("\n")
        text = "\n".join(line.strip() for line in body.splitlines() if line.strip())
        summary = _read(root / "Summaries" / path.parent.name / path.name)
        # The reference sentences are glued without a space: "...year-earlier.The firm..."
        reference = [s.strip() for s in _GLUE.sub("\n", summary).splitlines() if s.strip()]
        pairs.append(Pair(title.strip(), text, reference))
    return pairs


def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


System = Callable[[Pair, int], list[str]]


def lead(pair: Pair, k: int) -> list[str]:
    """Lead-k: the first k sentences of the text as our splitter finds them."""
    return [s.text for s in S.split_sentences(pair.text, pair.language)[:k]]


def algorithm(name: str, max_words: int | None = None) -> System:
    def run(pair: Pair, k: int) -> list[str]:
        chosen = S.summarize(
            pair.text,
            language=pair.language,
            algorithm=name,
            sentences=k,
            title=pair.title,
            max_words=max_words,
        )
        return [s.text for s in chosen]

    return run


def evaluate(pairs: list[Pair], systems: dict[str, System], k: int | None, baseline: str) -> None:
    scorer = _scorer()
    scores: dict[str, list[tuple[float, float, float]]] = {}
    print(f"{'system':<22} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'words':>6} {'ms/art':>7}")
    for name, system in systems.items():
        rows = []
        words = 0
        elapsed = 0.0
        for pair in pairs:
            count = k or len(pair.reference)
            started = time.process_time()
            summary = system(pair, count)
            elapsed += time.process_time() - started
            words += sum(len(s.split()) for s in summary)
            result = scorer.score("\n".join(pair.reference), "\n".join(summary))
            rows.append(tuple(100 * result[m].fmeasure for m in ("rouge1", "rouge2", "rougeL")))
        scores[name] = rows
        means = [statistics.fmean(r[i] for r in rows) for i in range(3)]
        print(
            f"{name:<22} {means[0]:6.1f} {means[1]:6.1f} {means[2]:6.1f} {words / len(pairs):6.0f}"
            f" {1000 * elapsed / len(pairs):7.1f}"
        )
    if baseline not in scores:
        return
    rng = random.Random(0)
    n = len(pairs)
    samples = [[rng.randrange(n) for _ in range(n)] for _ in range(1000)]

    def interval(name: str, other: str) -> str:
        parts = []
        for metric, label in ((0, "R-1"), (1, "R-2")):
            diff = [scores[name][i][metric] - scores[other][i][metric] for i in range(n)]
            means = sorted(statistics.fmean(diff[i] for i in sample) for sample in samples)
            parts.append(f"{label} {statistics.fmean(diff):+5.2f} [{means[25]:+5.2f}, {means[974]:+5.2f}]")
        return "   ".join(parts)

    print(f"paired bootstrap, difference to {baseline} (mean [95% interval]), 1,000 resamples:")
    for name in scores:
        if name != baseline:
            print(f"  {name:<20} {interval(name, baseline)}")
    sumy_runs = [name for name in scores if name in S.SUMY_ALGORITHMS]
    if sumy_runs and S.DEFAULT_ALGORITHM in scores:
        best = max(sumy_runs, key=lambda name: statistics.fmean(r[0] for r in scores[name]))
        print(f"  {S.DEFAULT_ALGORITHM} - best sumy algorithm ({best}): {interval(S.DEFAULT_ALGORITHM, best)}")


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def speed(sizes: list[int], names: list[str], runs: int, sumy_limit: float) -> None:
    """Median ms per call for each algorithm on articles of each size in words."""
    pool = load_bbc(offset=1, step=1)
    rng = random.Random(1)
    rng.shuffle(pool)
    texts = {}
    for size in sizes:
        lines: list[str] = []
        words = 0
        for pair in pool:
            for line in pair.text.splitlines():
                lines.append(line)
                words += len(line.split())
            if words >= size:
                break
        texts[size] = "\n".join(lines)
    header = f"{'algorithm':<16}" + "".join(f"{str(s // 1000) + 'k words':>11}" for s in sizes)
    print(header)
    for name in names:
        cells = []
        for size in sizes:
            timings = []
            for _ in range(runs):
                started = time.process_time()
                S.summarize(texts[size], algorithm=name, sentences=3)
                timings.append(1000 * (time.process_time() - started))
            cells.append(f"{statistics.median(timings):9.0f}ms")
        print(f"{name:<16}" + "".join(f"{c:>11}" for c in cells))
    signal.signal(signal.SIGALRM, _alarm)
    for name in S.SUMY_ALGORITHMS:
        cells = []
        skip = False
        for size in sizes:
            if skip:
                cells.append("skipped")
                continue
            signal.setitimer(signal.ITIMER_REAL, sumy_limit)
            started = time.process_time()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    S.sumy_reference(texts[size], algorithm=name, sentences=3, capped=False)
                cells.append(f"{1000 * (time.process_time() - started):9.0f}ms")
            except _Timeout:
                cells.append(f">{sumy_limit:.0f}s")
                skip = True
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        print(f"sumy {name:<11}" + "".join(f"{c:>11}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["all", "cnndm", "bbc", "speed"], default="all")
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="BBC pairs at most (default: all of the split)",
    )
    parser.add_argument("--offset", type=int, default=0, help="BBC split: pairs offset, offset+5, ...")
    parser.add_argument("--systems", default="", help="comma-separated subset of systems to run")
    parser.add_argument("--runs", type=int, default=5, help="speed: runs per size")
    parser.add_argument(
        "--sumy-limit",
        type=float,
        default=10.0,
        help="speed: seconds allowed per sumy run",
    )
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"benchmark data not found at {DATA} (set DIGEST_SHARED_DIR)")
    warnings.simplefilter("ignore")  # sumy's LSA warns on short texts

    def systems(k_label: str) -> dict[str, System]:
        table: dict[str, System] = {f"lead-{k_label}": lead}
        for name in S.SUMY_ALGORITHMS:
            table[name] = algorithm(name)
        table[S.DEFAULT_ALGORITHM] = algorithm(S.DEFAULT_ALGORITHM)
        table[f"{S.DEFAULT_ALGORITHM} (word cap)"] = algorithm(S.DEFAULT_ALGORITHM, max_words=-1)
        wanted = [s for s in args.systems.split(",") if s]
        return {k: v for k, v in table.items() if not wanted or k in wanted or k.startswith("lead")}

    if args.part in ("all", "cnndm"):
        print("== CNN/DailyMail mini: 100 pairs, 3 sentences")
        evaluate(load_cnndm(), systems("3"), 3, "lead-3")
    if args.part in ("all", "bbc"):
        pairs = load_bbc(offset=args.offset, limit=args.limit)
        print(f"== BBC News Summary: {len(pairs)} pairs (every 5th from {args.offset}), k = reference sentences")
        evaluate(pairs, systems("k"), None, "lead-k")
    if args.part in ("all", "speed"):
        print("== Speed: median CPU ms per article, 3 sentences, one thread")
        speed(
            [1000, 5000, 10000, 20000, 50000],
            list(S.ALGORITHMS),
            args.runs,
            args.sumy_limit,
        )


if __name__ == "__main__":
    main()
