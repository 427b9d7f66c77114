"""Article-body extraction benchmark: our pipeline vs newspaper3k alone vs trafilatura alone.

Run: ``python -m bench.extraction [--limit N] [--shared PATH]``. Reads the 136 pages of
``shared/bench/extraction`` (Scrapinghub article-extraction-benchmark, MIT) and prints, per
extractor, F1 / precision / recall, pages with empty or mostly-boilerplate text, and median and
p95 milliseconds per page (CPU time of this process, which other work on a shared machine
barely disturbs, and wall-clock time), all measured in this one process on the same pages,
the extractors taking turns page by page.

The metric is the benchmark's own (its ``evaluate.py``, described in the data's README): word
4-gram shingles, per-page TP/FP/FN normalised to sum 1, precision averaged over pages with a
prediction, recall over pages with a truth, F1 of the two means.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared"

_TOKEN = re.compile(r"\w+")

# A prediction this short counts as an empty page; one whose precision is below this share is
# mostly boilerplate.
EMPTY_WORDS = 25
BOILERPLATE_PRECISION = 0.5


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    # Fewer than n tokens still make one (short) shingle, as in the benchmark.
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(pred: str, truth: str) -> tuple[float, float, float]:
    """Shingle TP, FP, FN of one page, divided by their sum (all 0.0 when both texts are empty)."""
    p, t = _shingles(pred), _shingles(truth)
    tp = sum((p & t).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if not total:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def score(pred: str, truth: str) -> tuple[float, float]:
    """Precision and recall of one predicted article body against the true one (0.0..1.0 each).

    Word 4-gram shingles as in the Scrapinghub benchmark; both are 1.0 when the texts match.
    """
    return _precision(*tp_fp_fn(pred, truth)), _recall(*tp_fp_fn(pred, truth))


def aggregate(rows: Iterable[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(F1, precision, recall) over pages from their normalised (TP, FP, FN) triples.

    Precision is averaged over pages with a non-empty prediction (TP + FP > 0), recall over
    pages with a non-empty truth (TP + FN > 0), and F1 = 2PR / (P + R) of those means.
    """
    rows = list(rows)
    precisions = [_precision(*r) for r in rows if r[0] + r[1] > 0]
    recalls = [_recall(*r) for r in rows if r[0] + r[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def load_pages(shared: Path, limit: int | None = None) -> list[tuple[str, str, str, str]]:
    """``[(page id, url, html, true article body)]`` from ``shared/bench/extraction``, sorted by id."""
    root = shared / "bench" / "extraction"
    truth = json.loads((root / "ground-truth.json").read_text("utf8"))
    pages = []
    for page_id in sorted(truth)[: limit or None]:
        with gzip.open(root / "html" / f"{page_id}.html.gz", "rt", encoding="utf8") as f:
            html = f.read()
        pages.append(
            (
                page_id,
                truth[page_id]["url"],
                html,
                truth[page_id].get("articleBody", ""),
            )
        )
    return pages


def ours(html: str, url: str) -> str:
    """Digest's extractor, from decoded HTML (the fetcher's decoding is not timed here)."""
    from reader.extract import extract_html

    return extract_html(html, url).text


def newspaper_article(html: str, url: str) -> Any:
    """newspaper3k 0.2.8's ``Article`` for a page, as the design first used it: ``download(input_html)``
    + ``parse()``, no image fetching, no memo of seen articles."""
    from newspaper import Article, Config

    config = Config()
    config.fetch_images = False
    config.memoize_articles = False
    article = Article(url, config=config)
    article.download(input_html=html)
    article.parse()
    return article


def newspaper3k_alone(html: str, url: str) -> str:
    """newspaper3k 0.2.8 alone: the text of ``newspaper_article``."""
    return str(newspaper_article(html, url).text)


def trafilatura_alone(html: str, url: str) -> str:
    """trafilatura with default settings, as the benchmark runs it."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "digest": ours,
    "newspaper3k": newspaper3k_alone,
    "trafilatura": trafilatura_alone,
}


def run(pages: list[tuple[str, str, str, str]]) -> dict[str, dict]:
    """Run every extractor on every page; return per-extractor figures.

    The extractors take turns page by page, so a change in machine load hits all of them alike.
    """
    for func in EXTRACTORS.values():
        func(pages[0][2], pages[0][1])  # imports and lazy models load outside the timing
    rows: dict[str, list] = {name: [] for name in EXTRACTORS}
    times: dict[str, list[float]] = {name: [] for name in EXTRACTORS}
    cpu_times: dict[str, list[float]] = {name: [] for name in EXTRACTORS}
    empty: dict[str, list[str]] = {name: [] for name in EXTRACTORS}
    boilerplate: dict[str, list[str]] = {name: [] for name in EXTRACTORS}
    per_page: dict[str, dict] = {name: {} for name in EXTRACTORS}
    for page_id, url, html, truth in pages:
        for name, func in EXTRACTORS.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            text = func(html, url)
            cpu_times[name].append(time.process_time() - cpu_start)
            times[name].append(time.perf_counter() - start)
            row = tp_fp_fn(text, truth)
            rows[name].append(row)
            per_page[name][page_id] = {
                "precision": _precision(*row),
                "recall": _recall(*row),
                "text": text,
            }
            if len(_TOKEN.findall(text)) < EMPTY_WORDS:
                empty[name].append(page_id)
            elif _precision(*row) < BOILERPLATE_PRECISION:
                boilerplate[name].append(page_id)
    results: dict[str, dict] = {}
    for name in EXTRACTORS:
        f1, p, r = aggregate(rows[name])
        ms = sorted(t * 1000 for t in times[name])
        cpu_ms = sorted(t * 1000 for t in cpu_times[name])
        results[name] = {
            "cpu_median_ms": statistics.median(cpu_ms),
            "cpu_p95_ms": _p95(cpu_ms),
            "f1": f1,
            "precision": p,
            "recall": r,
            "empty": empty[name],
            "boilerplate": boilerplate[name],
            "median_ms": statistics.median(ms),
            "p95_ms": _p95(ms),
            "pages": per_page[name],
        }
    return results


def _p95(sorted_values: list[float]) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(0.95 * (len(sorted_values) - 1)))]


def page_arguments(description: str) -> argparse.ArgumentParser:
    """The command line of a benchmark over the shared pages: ``--limit N`` and ``--shared PATH``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="shared data folder")
    return parser


def shared_pages(args: argparse.Namespace) -> list[tuple[str, str, str, str]] | None:
    """``load_pages`` for the parsed ``page_arguments``, with the repository importable; None (and a
    line on stderr) when the shared data is not there."""
    if not (args.shared / "bench" / "extraction").is_dir():
        print(f"benchmark data not found under {args.shared}", file=sys.stderr)
        return None
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return load_pages(args.shared, args.limit)


def main(argv: list[str] | None = None) -> int:
    parser = page_arguments(__doc__.split("\n")[0])
    parser.add_argument(
        "--dump",
        type=Path,
        default=None,
        help="write per-page texts and scores as JSON",
    )
    args = parser.parse_args(argv)
    pages = shared_pages(args)
    if pages is None:
        return 2
    results = run(pages)
    if args.dump:
        args.dump.write_text(json.dumps({n: r["pages"] for n, r in results.items()}, indent=1), "utf8")
    base = results["newspaper3k"]
    print(f"{len(pages)} pages")
    print(
        "| extractor | F1 | P | R | empty | mostly boilerplate | CPU ms median / p95 | "
        "wall ms median / p95 | median vs newspaper3k (CPU / wall) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, res in results.items():
        print(
            f"| {name} | {res['f1']:.3f} | {res['precision']:.3f} | {res['recall']:.3f} | "
            f"{len(res['empty'])} | {len(res['boilerplate'])} | "
            f"{res['cpu_median_ms']:.0f} / {res['cpu_p95_ms']:.0f} | "
            f"{res['median_ms']:.0f} / {res['p95_ms']:.0f} | "
            f"{res['cpu_median_ms'] / base['cpu_median_ms']:.2f}x / "
            f"{res['median_ms'] / base['median_ms']:.2f}x |"
        )
    for name, res in results.items():
        for label in ("empty", "boilerplate"):
            if res[label]:
                print(f"{name} {label}: {', '.join(i[:12] for i in res[label])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
