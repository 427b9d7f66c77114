"""Web benchmark: server time of the list page, its filters, search and the article page at scale.

Run ``python -m bench.web`` from the repo (``--help`` for options). It never touches your database:

* SQLite (default): new database files in a temporary folder, deleted afterwards.
* PostgreSQL (``--database-url postgres://user@host:port/anything``): on that server it drops and
  creates one database per library measured, ``digest_bench_<shape>_<articles>`` (the database named
  in the URL is not used), and drops them afterwards unless ``--keep``.
* ``--reuse DIR`` keeps the filled databases between runs (the SQLite files in DIR, or the
  ``digest_bench_*`` databases) and measures them again after applying new migrations, so a change
  can be timed without a 2-6 minute fill; ``--rounds N`` measures everything N times in one run, to
  see the machine's noise.

Libraries: every ``--articles`` size (default 100,000) in every ``--shape`` (default both): ``one``
person owns every article, or ``many`` users share them (bench/web_fill.py says how they are made).

Measure: in-process Django test ``Client`` requests as the logged-in user (server time: no network,
no browser), each URL 2 warm-up requests then ``--repeat`` (30) timed ones; ``reader.search.search``
is also timed directly, and so are the list page's parts that grow with the number of articles. Each
library is measured by its own process, one library after the other in each round, so that the
libraries compared share the machine's moments of load. Prints one line per figure:
``ENGINE SHAPE ARTICLES VIEW median_ms=X p95_ms=Y`` (p95: the value below which 95% of the timed runs
fall, nearest rank). With two sizes or more it ends with the growth of each figure, ``ENGINE SHAPE
VIEW p95_ratio=X`` (p95 at the largest size / p95 at the smallest, over the samples of every round),
and the highest ratio among the list pages. Lines starting with ``#`` are notes.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from bench.web_fill import SHAPES

BENCH_DB = "digest_bench"
# The growth allowed to a list page from the smallest library to the largest (issue 13).
LIST_GROWTH_GOAL = 1.5


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    """``repeat`` timings of ``fn`` in milliseconds, after 2 untimed calls."""
    for _ in range(2):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median_p95(samples: list[float]) -> tuple[float, float]:
    """(median, p95 by nearest rank) of ``samples`` (milliseconds)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[math.ceil(0.95 * len(ordered)) - 1]


def list_urls(info: dict) -> list[tuple[str, str]]:
    """The list pages measured, as (label, URL): every view, each narrowing filter and a page deep in
    the list. The label names what differs from one library to the next (the deep page's cursor, the
    most common site) by its role, so that figures of two libraries can be compared."""
    return [
        ("/", "/"),
        *(
            (f"/?show={show}", f"/?show={show}")
            for show in ("unread", "archived", "favourites", "pending", "failed", "all")
        ),
        (f"/?tag={info['tag']}", f"/?tag={quote(info['tag'])}"),
        ("/?site=(most common)", f"/?site={quote(info['site'])}"),
        ("/?lang=de", "/?lang=de"),
        ("/?cursor=(two thirds down)", f"/?cursor={info['deep_cursor']}"),
    ]


def measure(
    info: dict, repeat: int, prefix: str, *, lists_only: bool = False
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Time every page, search and list part of the library ``info`` describes; print a line per
    figure (starting with ``prefix``) and return the samples by label (milliseconds) and the number of
    articles each page showed. ``lists_only``: the list pages and the list's parts, no search."""
    from django.test import Client

    from reader import selectors
    from reader.search import search

    client = Client()
    client.force_login(info["user"])
    common, phrase = "said", '"prime minister"'
    samples: dict[str, list[float]] = {}
    shown: dict[str, int] = {}  # articles on each page: a page of 5 costs less to render than one of 30

    def record(label: str, fn: Callable[[], object], extra: str = "") -> None:
        samples[label] = _time(fn, repeat)
        median, p95 = median_p95(samples[label])
        rows = f" rows={shown[label]}" if label in shown else ""
        print(f"{prefix} {label} median_ms={median:.1f} p95_ms={p95:.1f}{rows}{extra}", flush=True)

    pages = list_urls(info)
    if not lists_only:
        pages += [
            (f"/?q={common}", f"/?q={common}"),
            ("/?q=(rare word)", f"/?q={info['rare']}"),
            (f"/?q={phrase}", f"/?q={quote(phrase)}"),
            ("/articles/(id)/", f"/articles/{info['detail']}/"),
        ]
    for spaced, url in pages:
        label = spaced.replace(" ", "+")

        def get(url=url, label=label):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            shown[label] = response.content.count(b" data-row")

        record(label, get)
    queries = (
        []
        if lists_only
        else [
            common,
            info["rare"],
            phrase,
            "minis",  # prefix while typing
            "government minister said",
            f"{common} is:unread tag:{info['tag']}",
            f"{common} lang:de",  # a common word and a filter that keeps few articles
            f"{common} tag:{info['tag']} tag:sport",  # two tags seldom on one article
            "商標",  # CJK, 2 characters: the scan fallback
            "商標法違反",  # CJK, trigram index
            "연기",
            "モバイル端末",
        ]
    )
    for q in queries:
        total = search(info["user"], q).total
        label = "search:" + ("(rare word)" if q == info["rare"] else q).replace(" ", "+")
        record(label, functools.partial(search, info["user"], q), f" total={total}")
    # The parts of the list page that grow with the number of articles, to explain its figures.
    user, unread = info["user"], selectors.list_filters({})
    tagged = selectors.list_filters({"tag": info["tag"]})
    parts = {
        "part:view_counts": lambda: selectors.view_counts(user, unread),
        "part:view_counts(tag)": lambda: selectors.view_counts(user, tagged),
        "part:tags_of": lambda: selectors.tags_of(user),
        "part:article_page": lambda: selectors.article_page(user, unread),
    }
    for label, fn in parts.items():
        record(label, fn)
    return samples, shown


def is_list_page(label: str) -> bool:
    """Whether a figure's label names a list page (not a search, an article page or a part)."""
    return label.startswith("/") and not label.startswith(("/?q=", "/articles/"))


def _bench_size(database: str | Path) -> int | None:
    """Articles in a bench database already filled (a PostgreSQL URL or a SQLite file), None when
    there is none or it is not one (so ``--reuse`` refills it rather than measure something else)."""
    query = "SELECT count(*) FROM reader_article WHERE EXISTS (SELECT 1 FROM auth_user WHERE username = 'bench0')"
    try:
        if isinstance(database, Path):
            if not database.exists():
                return None
            import sqlite3

            with closing(sqlite3.connect(database)) as conn:
                row = conn.execute(query).fetchone()
            return row[0] if row and row[0] else None
        import psycopg

        with psycopg.connect(database) as conn:
            row = conn.execute(query).fetchone()
            return row[0] if row and row[0] else None
    except Exception:  # no database, no tables: nothing to reuse
        return None


def _postgres_urls(url: str, name: str) -> tuple[str, str]:
    """(URL of the server's maintenance database, URL of database ``name``) for the server in ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("--database-url must be a postgres:// URL (SQLite is the default without it)")
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path="/" + name))


def _database(args, shape: str, articles: int, workdir: Path) -> tuple[str, str | Path]:
    """(DATABASE_URL, what ``_bench_size`` reads) of the library ``shape``/``articles``."""
    name = f"{BENCH_DB}_{shape}_{articles}"
    if args.database_url:
        _, url = _postgres_urls(args.database_url, name)
        return url, url
    path = workdir / f"{name}.sqlite3"
    return f"sqlite:///{path}", path


def _drop(args, shape: str, articles: int, workdir: Path) -> None:
    """Remove the library's database (the SQLite file and its journal, or the PostgreSQL database)."""
    name = f"{BENCH_DB}_{shape}_{articles}"
    if args.database_url:
        import psycopg

        admin_url, _ = _postgres_urls(args.database_url, name)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm"):
            (workdir / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)


def run_library(args) -> None:
    """In the child process: fill (or reuse) one library, then measure it once when asked to."""
    workdir = Path(args.workdir)
    url, where = _database(args, args.shape, args.articles[0], workdir)
    reuse = _bench_size(where) == args.articles[0]
    if not reuse:
        _drop(args, args.shape, args.articles[0], workdir)
        if args.database_url:
            import psycopg

            name = f"{BENCH_DB}_{args.shape}_{args.articles[0]}"
            admin_url, _ = _postgres_urls(args.database_url, name)
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = url
    os.environ["DIGEST_DATA_DIR"] = str(workdir)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import web_fill

    try:
        call_command("migrate", verbosity=0)
        engine = connection.vendor
        prefix = f"{engine} {args.shape} {args.articles[0]}"
        if args.measure:
            info = web_fill.bench_info()
            samples, shown = measure(info, args.repeat, prefix, lists_only=args.lists_only)
            Path(args.samples).write_text(json.dumps({"engine": engine, "samples": samples, "rows": shown}))
        elif reuse:
            web_fill.settle()
            info = web_fill.bench_info()
            print(f"# {prefix}: reusing the bench database {url}", flush=True)
        else:
            info = web_fill.fill(args.articles[0], args.shape)
            print(
                f"# {prefix}: inserted in {info['fill_seconds']:.1f} s, "
                f"search index of {info['indexed']} built in {info['index_seconds']:.1f} s",
                flush=True,
            )
        if not args.measure:
            print(f"# {prefix}: rare word {info['rare']!r}, site {info['site']!r}, tag {info['tag']!r}", flush=True)
    finally:
        connection.close()


def _child(args, shape: str, articles: int, workdir: Path, samples: Path | None = None) -> None:
    """Run ``run_library`` for one library in a new process (its own Django, its own database)."""
    command = [sys.executable, "-m", "bench.web", "--library", "--shape", shape, "--articles", str(articles)]
    command += ["--workdir", str(workdir), "--repeat", str(args.repeat)] + (["--lists-only"] if args.lists_only else [])
    if args.database_url:
        command += ["--database-url", args.database_url]
    if samples is not None:
        command += ["--measure", "--samples", str(samples)]
    subprocess.run(command, check=True)


def growth(pooled: dict, rows: dict, engine: str, shapes: list[str], sizes: list[int]) -> None:
    """Print each figure's p95 at the largest size over its p95 at the smallest, per shape, and the
    highest among the list pages against ``LIST_GROWTH_GOAL``. A page that shows fewer articles in the
    smaller library (a rare language: 5 of them at 1,000, a full page at 100,000) renders less there,
    so its growth is printed with both counts and left out of the verdict."""
    small, large = min(sizes), max(sizes)
    for shape in shapes:
        worst = (0.0, "")
        for label, base in pooled[(shape, small)].items():
            big = pooled[(shape, large)].get(label)
            if not big:
                continue
            ratio = median_p95(big)[1] / median_p95(base)[1]
            counts = (rows[(shape, small)].get(label), rows[(shape, large)].get(label))
            unequal = counts[0] != counts[1]
            note = f" rows={counts[0]}/{counts[1]}, not compared" if unequal else ""
            print(f"{engine} {shape} {label} p95_ratio={ratio:.2f} ({large}/{small}){note}", flush=True)
            if is_list_page(label) and not unequal and ratio > worst[0]:
                worst = (ratio, label)
        verdict = "meets" if worst[0] <= LIST_GROWTH_GOAL else "misses"
        print(
            f"# {engine} {shape}: highest list-page p95 ratio {worst[0]:.2f} ({worst[1]}), "
            f"{verdict} the goal of {LIST_GROWTH_GOAL}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles",
        type=int,
        nargs="+",
        default=[100_000],
        help="library sizes to measure, articles (default 100000); with two sizes or more, each figure's "
        "growth from the smallest to the largest is printed too",
    )
    parser.add_argument(
        "--shape",
        choices=(*SHAPES, "both"),
        default="both",
        help="who owns the articles: one person, many users, or both libraries (default both)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help=f"a PostgreSQL server URL; the bench uses (drops, creates) databases {BENCH_DB}_* there",
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per figure (default 30)")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        default="",
        help="keep the bench databases between runs and measure the ones a former run filled with the same "
        f"--articles and --shape, after applying new migrations (SQLite: their files live in DIR; PostgreSQL: "
        f"databases {BENCH_DB}_*, whatever DIR); fills those there are not",
    )
    parser.add_argument("--rounds", type=int, default=1, help="measure everything this many times (default 1)")
    parser.add_argument(
        "--lists-only",
        action="store_true",
        help="only the list pages and the list's parts (no search, no article page)",
    )
    # How the main process asks a child for one library (not for people).
    parser.add_argument("--library", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", default="", help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--samples", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.library:
        run_library(args)
        return

    shapes = list(SHAPES) if args.shape == "both" else [args.shape]
    sizes = sorted(set(args.articles))
    libraries = [(shape, n) for shape in shapes for n in sizes]
    workdir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="digest-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    pooled: dict[tuple[str, int], dict[str, list[float]]] = {lib: {} for lib in libraries}
    rows: dict[tuple[str, int], dict[str, int]] = {lib: {} for lib in libraries}
    engine = "postgresql" if args.database_url else "sqlite"
    try:
        for shape, n in libraries:
            _child(args, shape, n, workdir)
        for round_ in range(args.rounds):
            if args.rounds > 1:
                print(f"# round {round_ + 1} of {args.rounds}", flush=True)
            for shape, n in libraries:
                out = workdir / f"samples-{shape}-{n}.json"
                _child(args, shape, n, workdir, samples=out)
                result = json.loads(out.read_text())
                out.unlink()
                engine = result["engine"]
                for label, values in result["samples"].items():
                    pooled[(shape, n)].setdefault(label, []).extend(values)
                rows[(shape, n)].update(result.get("rows", {}))
        if len(sizes) > 1:
            growth(pooled, rows, engine, shapes, sizes)
    finally:
        if args.keep or args.reuse:
            print(f"# kept: the bench databases ({engine}) in {workdir if not args.database_url else 'the server'}")
        else:
            for shape, n in libraries:
                _drop(args, shape, n, workdir)
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
