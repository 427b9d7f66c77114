"""Metadata benchmark: title, authors and published date on the 136 shared pages.

Run: ``python -m bench.metadata [--shared PATH] [--misses]`` (or ``make bench-metadata``). Reads the
pages of ``shared/bench/extraction`` and our own annotation of them, ``bench/metadata_truth.json``
(each value checked by reading the page; how it was made is in its ``note`` and in bench/README.md),
and scores, on the same pages:

* Digest (``reader.extract.extract_html``: title, authors, published date);
* trafilatura 2.3.1's ``extract_metadata`` alone (title, author, date);
* htmldate alone (``find_date(original_date=True)``: date only);
* newspaper3k 0.2.8 alone (``Article.parse()``: title, authors, publish date).

A title is right when it equals the annotated one after Unicode normalisation (NFKC), with curly and
straight quotes and dashes made alike, white space collapsed and case ignored. Authors are right when
the set of names equals the annotated set (case, dots and a leading "The" ignored; an empty set is
right for a page that names nobody). A date is right when its calendar day, in the page's own time
zone when it gave one, equals the annotated day (no date is right for a page that shows none). Prints
the accuracy per field and system; ``--misses`` lists Digest's wrong values.
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bench.extraction import newspaper_article, page_arguments, shared_pages

TRUTH = Path(__file__).resolve().parent / "metadata_truth.json"
FIELDS = ("title", "authors", "published")

# (title or None, authors or None, published day "YYYY-MM-DD" or None); None: the system does not give it.
Prediction = tuple[str | None, list[str] | None, str | None]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "…": "..."})


def norm_title(title: str) -> str:
    """A title as compared: NFKC, quotes and dashes made alike, white space collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", title or "").translate(_QUOTES).split()).casefold()


def norm_name(name: str) -> str:
    """A person's name as compared: NFKC, case folded, no dots or commas, no leading "the"."""
    words = re.sub(r"[.,]", " ", unicodedata.normalize("NFKC", name)).casefold().split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


def day(value: Any) -> str | None:
    """The calendar day of a datetime, a date or an ISO string, as "YYYY-MM-DD"; None for nothing."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


def digest(html: str, url: str) -> Prediction:
    from reader.extract import extract_html

    article = extract_html(html, url)
    return article.title, article.authors, day(article.published_at)


def trafilatura_alone(html: str, url: str) -> Prediction:
    import trafilatura

    meta = trafilatura.extract_metadata(html, default_url=url)
    if meta is None:
        return "", [], None
    authors = [a.strip() for a in (meta.author or "").split(";") if a.strip()]
    return meta.title or "", authors, day(meta.date)


def htmldate_alone(html: str, url: str) -> Prediction:
    import htmldate

    return None, None, day(htmldate.find_date(html, url=url, original_date=True))


def newspaper3k_alone(html: str, url: str) -> Prediction:
    article = newspaper_article(html, url)
    return article.title, list(article.authors), day(article.publish_date)


SYSTEMS: dict[str, Callable[[str, str], Prediction]] = {
    "digest": digest,
    "trafilatura": trafilatura_alone,
    "htmldate": htmldate_alone,
    "newspaper3k": newspaper3k_alone,
}


def correct(field: str, predicted: Any, truth: Any) -> bool:
    """Whether one predicted value of ``field`` (one of ``FIELDS``) matches the annotated one."""
    if field == "title":
        return norm_title(predicted or "") == norm_title(truth or "")
    if field == "authors":
        return {norm_name(n) for n in predicted or []} == {norm_name(n) for n in truth or []}
    return (predicted or None) == (truth or None)


def load_truth(path: Path = TRUTH) -> dict[str, dict]:
    """The annotation: page id -> {"title", "authors", "published"} (see the file's "note")."""
    return json.loads(path.read_text("utf8"))["pages"]


def run(
    pages: list[tuple[str, str, str, str]], truth: dict[str, dict], systems: list[str] | None = None
) -> dict[str, dict[str, list]]:
    """``systems`` (default: all of ``SYSTEMS``) on every annotated page: system -> field -> [(page id,
    predicted, right)]."""
    chosen = {name: SYSTEMS[name] for name in systems or SYSTEMS}
    results: dict[str, dict[str, list]] = {name: {f: [] for f in FIELDS} for name in chosen}
    for page_id, url, html, _body in pages:
        if page_id not in truth:
            continue
        for name, system in chosen.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                predicted = system(html, url)
            for field, value in zip(FIELDS, predicted, strict=True):
                if value is not None or field == "published":
                    if name == "htmldate" and field != "published":
                        continue
                    results[name][field].append((page_id, value, correct(field, value, truth[page_id][field])))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = page_arguments(__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list Digest's wrong values")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated systems to run")
    args = parser.parse_args(argv)
    pages = shared_pages(args)
    if pages is None:
        return 2
    truth = load_truth()
    results = run(pages, truth, [s for s in args.systems.split(",") if s in SYSTEMS])
    print(f"{sum(1 for page_id, *_ in pages if page_id in truth)} annotated pages")
    print("| system | title | authors | published date |")
    print("|---|---|---|---|")
    for name, fields in results.items():
        cells = []
        for field in FIELDS:
            rows = fields[field]
            cells.append(f"{sum(r for _, _, r in rows) / len(rows):.3f}" if rows else "–")
        print(f"| {name} | {' | '.join(cells)} |")
    if args.misses and "digest" in results:
        for field in FIELDS:
            for page_id, value, right in results["digest"][field]:
                if not right:
                    print(f"{field} {page_id[:12]}: got {value!r}, annotated {truth[page_id][field]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
