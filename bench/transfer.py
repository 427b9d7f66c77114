"""Import and export benchmark: big files in, a big library out, and the list page meanwhile.

Run ``python -m bench.transfer`` (``make bench-transfer``; ``--help`` for options). It never touches
your database: SQLite in a temporary folder by default; with ``--database-url postgres://...`` it
drops and creates the database ``digest_transfer_bench`` on that server (the one named in the URL is
not used) and drops it afterwards.

1. **Import**: a Pocket export zip of ``--rows`` (10,000) rows and a Netscape bookmark file of as many
   bookmarks (synthetic links on 500 sites, 0-3 of 40 tags, dates over five years) are imported with
   ``manage.py import`` in a child process: the time until every row is stored and the job's articles
   are ready to feed (not the fetching), and the child's peak RSS beside the peak RSS of a child that
   only starts Django (the baseline of the same run); then the same file again (every row already
   saved: the dedupe and merge path).
2. **The list page beside an import**: the list page's server time (in-process test client, as
   ``bench.web`` measures it) idle, then while a Pocket import runs in a child process; p95 of each.
3. **Export**: ``--articles`` (100,000) articles with texts of about 1,500 characters, a summary and
   tags; ``manage.py export`` of each format in a child process: time and peak RSS; Digest JSON also
   at a tenth of the library first, so memory that grows with the library would show. EPUB: a book of
   ``DIGEST_EXPORT_EPUB_MAX_ARTICLES`` (500) articles, the most one book holds.

Prints one line per figure; lines starting with ``#`` are notes. Figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "digest_transfer_bench"
SITES = 500
TAGS = [f"topic-{n}" for n in range(40)]
START = datetime(2020, 1, 1, tzinfo=UTC)
WORDS = (
    "harbour council river valley market winter ferry library orchard festival station bridge school "
    "museum garden forest island mountain village budget weather report season railway road hospital"
).split()


def links(count: int, seed: int) -> list[tuple[str, str, list[str], int]]:
    """(url, title, tags, unix seconds) for ``count`` made-up saved links."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        site = f"site{rng.randrange(SITES)}.example.org"
        words = rng.sample(WORDS, 5)
        when = START + timedelta(seconds=rng.randrange(5 * 365 * 86400))
        out.append(
            (
                f"https://{site}/{'-'.join(words)}-{n}",
                " ".join(words).capitalize(),
                rng.sample(TAGS, rng.randrange(4)),
                int(when.timestamp()),
            )
        )
    return out


def pocket_zip(rows: list[tuple[str, str, list[str], int]]) -> bytes:
    lines = ["title,url,time_added,cursor,tags,status"]
    lines += [
        f"{title},{url},{ts},{n},{'|'.join(tags)},{'archive' if n % 3 == 0 else 'unread'}"
        for n, (url, title, tags, ts) in enumerate(rows)
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in range(0, len(lines) - 1, 10_000):  # Pocket's parts hold 10,000 rows each
            archive.writestr(
                f"part_{part // 10_000:06d}.csv", "\n".join([lines[0], *lines[1 + part : 1 + part + 10_000]]) + "\n"
            )
    return out.getvalue()


def netscape(rows: list[tuple[str, str, list[str], int]]) -> bytes:
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<TITLE>Bookmarks</TITLE>", "<H1>Bookmarks</H1>", "<DL><p>"]
    for n, (url, title, tags, ts) in enumerate(rows):
        if n % 1000 == 0:
            lines.append(f"<DT><H3>Folder {n // 1000}</H3>\n<DL><p>")
        lines.append(f'<DT><A HREF="{url}" ADD_DATE="{ts}" TAGS="{",".join(tags)}">{title}</A>')
        if n % 1000 == 999 or n == len(rows) - 1:
            lines.append("</DL><p>")
    lines.append("</DL><p>")
    return "\n".join(lines).encode()


def child(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``python -m bench.transfer --child ARGS``: (seconds, its peak RSS in MB, its output)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.transfer", "--child", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"child {args} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    rss = float(lines[-1].split("peak_rss_mb=")[1])
    # The command's own time, without the child's start-up (Python, Django, the extractors' imports).
    seconds = float(lines[-2].split("seconds=")[1]) if "seconds=" in lines[-2] else time.perf_counter() - started
    return seconds, rss, done.stdout


def run_child(argv: list[str]) -> None:
    """In the child: run one command, then print its own peak RSS (MB)."""
    import django

    django.setup()
    from django.core.management import call_command

    kind, *rest = argv
    started = time.perf_counter()
    if kind == "import":
        out = io.StringIO()
        try:
            call_command("import", rest[0], user="bench", stdout=out)
        except Exception as exc:  # exit status 1 (invalid entries) is a result, not a failure here
            if getattr(exc, "returncode", 2) != 1:
                raise
        print(out.getvalue().strip().splitlines()[-1])
    elif kind == "export":
        call_command("export", rest[1], user="bench", format=rest[0], stderr=io.StringIO())
    print(f"seconds={time.perf_counter() - started:.2f}")
    print(f"peak_rss_mb={peak_rss_mb():.1f}")


def peak_rss_mb() -> float:
    """This process's peak resident memory, MB: ``VmHWM`` of its own memory since it started. Not
    ``getrusage``'s ``ru_maxrss``, which Linux carries over from the parent through fork and exec (a
    child of a 200 MB parent would report 200 MB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def time_list(client, seconds: float | None = None, repeat: int = 40) -> list[float]:
    """Server times (ms) of the list page: ``repeat`` requests, or as many as fit in ``seconds``."""
    for _ in range(2):
        client.get("/?show=all")
    times: list[float] = []
    deadline = None if seconds is None else time.monotonic() + seconds
    while (deadline is None and len(times) < repeat) or (deadline is not None and time.monotonic() < deadline):
        started = time.perf_counter()
        response = client.get("/?show=all")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def fill_library(count: int, start: int = 0) -> None:
    """Articles ``start`` to ``count`` of user "bench": ready, with ~1,500-character texts, a summary, tags."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from reader.models import Article, Tag
    from summaries.models import Summary

    user = get_user_model().objects.get(username="bench")
    rng = random.Random(7 + start)
    tags = {name: Tag.objects.get_or_create(owner=user, name=name)[0] for name in TAGS}
    through = Article.tags.through
    for first in range(start, count, 2000):
        with transaction.atomic():
            batch = []
            for n in range(first, min(first + 2000, count)):
                sentences = [" ".join(rng.choices(WORDS, k=14)).capitalize() + "." for _ in range(10)]
                text = "\n".join(" ".join(sentences[i : i + 2]) for i in range(0, 10, 2))
                url = f"https://site{rng.randrange(SITES)}.example.net/story-{n}"
                batch.append(Article(owner=user, url=url, canonical_url=url, site=url.split("/")[2], status="ready",
                                     title=" ".join(rng.sample(WORDS, 6)).capitalize(), text=text, word_count=140, language="en"))  # fmt: skip
            created = Article.objects.bulk_create(batch)
            Summary.objects.bulk_create(
                Summary(
                    article=a,
                    algorithm="digest",
                    sentence_count=3,
                    status="ready",
                    language="en",
                    sentences=[{"text": a.text[:50], "start": 0, "end": 50}],
                )
                for a in created  # fmt: skip
            )
            through.objects.bulk_create(
                [
                    through(article_id=a.pk, tag_id=tags[name].pk)
                    for a in created
                    for name in rng.sample(TAGS, rng.randrange(4))
                ],
                ignore_conflicts=True,
            )
        print(f"# filled {min(first + 2000, count):,} articles", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows in each import file (default 10,000)")
    parser.add_argument("--articles", type=int, default=100_000, help="articles to export (default 100,000)")
    parser.add_argument("--database-url", default="", help="postgres://... to run on PostgreSQL (see above)")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return
    folder = Path(tempfile.mkdtemp(prefix="digest-transfer-bench-"))
    env = dict(os.environ)
    # A private broker of this run: the import's first feed message is sent (and never consumed).
    from config.broker import start_private_redis

    broker = start_private_redis(folder / "redis.sock")
    env.update({"SECRET_KEY": "bench", "DIGEST_DATA_DIR": str(folder), "LOG_LEVEL": "CRITICAL",
                "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": f"redis+socket://{folder / 'redis.sock'}",
                "ALLOWED_HOSTS": "testserver"})  # fmt: skip
    engine = "sqlite"
    if args.database_url:
        import psycopg

        engine = "postgresql"
        base = args.database_url.rsplit("/", 1)[0]
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
        env["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    os.environ.update(env)
    try:
        measure(args, env, folder, engine)
    finally:
        broker.terminate()
        broker.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
        if args.database_url:
            import psycopg

            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def measure(args, env: dict[str, str], folder: Path, engine: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from reader.models import Article

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench")
    rows = links(args.rows, seed=1)
    files = {
        "pocket": (folder / "pocket.zip", pocket_zip(rows)),
        "netscape": (folder / "bookmarks.html", netscape(links(args.rows, seed=2))),
    }
    for path, data in files.values():
        path.write_bytes(data)
    connection.close()
    _, baseline_rss, _ = child(["noop"], env)
    print(f"# {engine}: {args.rows:,} rows per file; a child that only starts Django peaks at {baseline_rss:.0f} MB")
    for name, (path, data) in files.items():
        seconds, rss, out = child(["import", str(path)], env)
        stored = next(line for line in out.splitlines() if "entries read" in line)
        print(
            f"{engine} import {name} rows={args.rows} seconds={seconds:.1f} peak_rss_mb={rss:.0f} above_baseline_mb={rss - baseline_rss:.0f} file_kb={len(data) // 1024} target_s=30  # {stored}"
        )
        again, rss2, _ = child(["import", str(path)], env)
        print(f"{engine} import {name} again (all already saved) seconds={again:.1f} peak_rss_mb={rss2:.0f}")

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # settled, as a database in use is (bench.web does the same)
    client = Client()
    client.force_login(user)
    idle = time_list(client, repeat=60)
    beside = folder / "beside.zip"
    beside.write_bytes(pocket_zip(links(args.rows, seed=3)))
    connection.close()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.transfer", "--child", "import", str(beside)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.0)  # past Django's start-up, into the import
    busy: list[float] = []
    while process.poll() is None:
        busy.extend(time_list(client, seconds=1.0))
    print(
        f"{engine} list page idle median_ms={statistics.median(idle):.1f} p95_ms={p95(idle):.1f} (n={len(idle)}, {Article.objects.count():,} articles)"
    )
    if busy:
        print(
            f"{engine} list page beside an import median_ms={statistics.median(busy):.1f} p95_ms={p95(busy):.1f} (n={len(busy)}) ratio_p95={p95(busy) / p95(idle):.2f}"
        )

    if args.skip_export:
        return
    Article.objects.all().delete()
    tenth = args.articles // 10
    fill_library(tenth)
    connection.close()
    seconds, rss, _ = child(["export", "json", str(folder / "tenth.json")], env)
    print(
        f"{engine} export json articles={tenth} seconds={seconds:.1f} peak_rss_mb={rss:.0f} above_baseline_mb={rss - baseline_rss:.0f}"
    )
    fill_library(args.articles, start=tenth)
    connection.close()
    for format, extension in (
        ("json", "json"),
        ("html", "html"),
        ("csv", "csv"),
        ("markdown", "zip"),
        ("epub", "epub"),
    ):
        target = folder / f"export.{extension}"
        seconds, rss, _ = child(["export", format, str(target)], env)
        size = target.stat().st_size / 1e6
        count = min(args.articles, 500) if format == "epub" else args.articles
        print(
            f"{engine} export {format} articles={count} seconds={seconds:.1f} peak_rss_mb={rss:.0f} above_baseline_mb={rss - baseline_rss:.0f} file_mb={size:.1f}"
        )
        target.unlink()


if __name__ == "__main__":
    main()
