"""Web benchmark: server time of the list page, its filters, search and the article page at scale.

Run ``python -m bench.web`` from the repo (``--help`` for options). It never touches your database:

* SQLite (default): a new database file in a temporary folder, deleted afterwards.
* PostgreSQL (``--database-url postgres://user@host:port/anything``): on that server it drops and
  creates the database ``digest_bench`` (the database named in the URL is not used), and drops it
  afterwards unless ``--keep``.
* ``--reuse DIR`` keeps the filled database between runs (the SQLite file in DIR, or ``digest_bench``)
  and measures it again after applying new migrations, so a change can be timed without a 2-6 minute
  fill; ``--rounds N`` measures everything N times in one run, to see the machine's noise.

Fill: ``--articles`` (default 100,000) articles made from the real texts in ``../shared/bench``
(BBC News Summary articles and the extraction set's ground-truth bodies, several languages including
Japanese and Korean): paragraphs of one text shuffled and mixed with paragraphs of another text in the
same language, spread over five years, about 200 sites, 4 users (85% of articles belong to the one
measured), statuses (90% ready, 5% failed, 5% pending), read/archived/favourite/deleted flags, 0-3 of 30
tags each and a 3-sentence summary for ready articles. Inserted with ``bulk_create`` in batches in one
transaction; the search index is then built in bulk (``reader.search.rebuild_index``), and the
database settled as one in use would be (``settle``: ANALYZE, and VACUUM on PostgreSQL).

Measure: in-process Django test ``Client`` requests as the logged-in user (server time: no network,
no browser), each URL 2 warm-up requests then ``--repeat`` (30) timed ones; ``reader.search.search``
is also timed directly. Prints one line per figure: ``ENGINE VIEW median_ms=X p95_ms=Y`` (p95: the
value below which 95% of the timed runs fall, nearest rank). Lines starting with ``#`` are notes.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SHARED = Path(os.environ.get("DIGEST_SHARED_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))
BENCH_DB = "digest_bench"
USERS = 4
MAIN_USER_SHARE = 0.85
TAGS_PER_USER = 30
SITES = 200
TOPIC_TAGS = [
    "business",
    "entertainment",
    "politics",
    "sport",
    "tech",
    "to-read",
    "work",
]


@dataclass
class Source:
    title: str
    paragraphs: list[str]
    language: str
    site: str


def load_sources() -> list[Source]:
    """The real texts to build articles from; fails clearly when the shared data is missing."""
    from reader.extract.language import detect_language
    from reader.fetch.urls import site_of

    bbc = SHARED / "bench" / "summarization" / "bbc-news-summary" / "News Articles"
    truth = SHARED / "bench" / "extraction" / "ground-truth.json"
    if not bbc.is_dir() or not truth.is_file():
        sys.exit(f"shared benchmark data not found under {SHARED} (set DIGEST_SHARED_DIR)")
    sources = []
    for path in sorted(bbc.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        title, _, body = text.strip().partition("\n")
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        if paragraphs:
            sources.append(Source(title.strip(), paragraphs, "en", "bbc.co.uk"))
    for item in json.loads(truth.read_text(encoding="utf-8")).values():
        paragraphs = [p.strip() for p in item["articleBody"].split("\n") if p.strip()]
        if not paragraphs:
            continue
        language = detect_language(" ".join(paragraphs)[:3000]) or "en"
        first = paragraphs[0]
        title = first[:60] if language in ("ja", "zh", "ko") else " ".join(first.split()[:10])
        sources.append(Source(title, paragraphs, language, site_of(item["url"]) or "example.com"))
    return sources


def _sentences(text: str, count: int) -> list[dict]:
    spans = []
    for m in re.finditer(r"[^.!?。！？\n]+[.!?。！？]?", text):
        sentence = m.group(0).strip()
        if len(sentence) > 20:
            start = text.index(sentence, m.start())
            spans.append({"text": sentence, "start": start, "end": start + len(sentence)})
        if len(spans) == count:
            break
    return spans


def fill(n: int, seed: int = 5) -> dict:
    """Insert ``n`` articles and their tags and summaries; returns what the measurements need."""
    from django.contrib.auth import get_user_model
    from django.db import models, transaction
    from django.utils import timezone

    from reader.models import Article, Tag
    from summaries.models import Summary

    rng = random.Random(seed)
    sources = load_sources()
    by_language: dict[str, list[Source]] = {}
    for s in sources:
        by_language.setdefault(s.language, []).append(s)
    # Other languages are scarce in the data; weigh them up so that each is a few percent of articles.
    weights = [1.0 if s.language == "en" else 12.0 for s in sources]
    real_sites = sorted({s.site for s in sources})
    sites = real_sites + [f"news{i}.example.org" for i in range(max(0, SITES - len(real_sites)))]
    site_weights = [1 / (rank + 1) for rank in range(len(sites))]  # Zipf: a few sites dominate
    rng.shuffle(sites)

    # bulk_create would otherwise stamp every row with "now".
    for name in ("created_at", "updated_at"):
        field = Article._meta.get_field(name)
        assert isinstance(field, models.DateTimeField)
        field.auto_now_add = field.auto_now = False

    now = timezone.now()
    User = get_user_model()
    started = time.perf_counter()
    with transaction.atomic():
        users = [User.objects.create_user(f"bench{i}", password="bench-pw-123") for i in range(USERS)]
        tags = {
            u.pk: Tag.objects.bulk_create(
                Tag(owner=u, name=name)
                for name in TOPIC_TAGS + [f"topic-{j:02d}" for j in range(TAGS_PER_USER - len(TOPIC_TAGS))]
            )
            for u in users
        }
        tag_weights = [1 / (rank + 1) ** 0.8 for rank in range(TAGS_PER_USER)]
        batch = 2000
        made = 0
        while made < n:
            rows = []
            for _ in range(min(batch, n - made)):
                source = rng.choices(sources, weights)[0]
                paragraphs = list(source.paragraphs)
                if rng.random() < 0.6:
                    other = rng.choice(by_language[source.language])
                    paragraphs += rng.sample(other.paragraphs, min(len(other.paragraphs), rng.randint(1, 3)))
                body = paragraphs[1:]
                rng.shuffle(body)
                text = "\n\n".join(paragraphs[:1] + body)
                owner = users[0] if rng.random() < MAIN_USER_SHARE else rng.choice(users[1:])
                created = now - timedelta(seconds=rng.uniform(0, 5 * 365 * 86400))
                roll = rng.random()
                status = (
                    Article.Status.READY
                    if roll < 0.90
                    else Article.Status.FAILED
                    if roll < 0.95
                    else rng.choice(Article.PENDING_STATUSES)
                )
                ready = status == Article.Status.READY
                site = source.site if source.site != "bbc.co.uk" else rng.choices(sites, site_weights)[0]
                url = f"https://{site}/{created:%Y/%m}/{made}-{rng.randrange(10**9)}"
                rows.append(
                    Article(
                        owner=owner,
                        url=url,
                        canonical_url=url,
                        final_url=url if ready else "",
                        site=site,
                        status=status,
                        error="" if status != Article.Status.FAILED else "The site did not answer in time.",
                        created_at=created,
                        updated_at=created,
                        status_changed_at=created,
                        ready_at=created if ready else None,
                        title=source.title if ready else "",
                        language=source.language if ready else "",
                        text=text if ready else "",
                        word_count=len(text.split()) if ready else 0,
                        read_at=created + timedelta(days=1) if ready and rng.random() < 0.6 else None,
                        archived_at=created + timedelta(days=2) if ready and rng.random() < 0.3 else None,
                        favourite=ready and rng.random() < 0.05,
                        deleted_at=now if rng.random() < 0.02 else None,
                    )
                )
                made += 1
            Article.objects.bulk_create(rows, batch_size=500)
            links = []
            summaries = []
            for a in rows:
                for tag in set(rng.choices(tags[a.owner_id], tag_weights, k=rng.choice((0, 1, 1, 2, 3)))):
                    links.append(Article.tags.through(article_id=a.pk, tag_id=tag.pk))
                if a.status == Article.Status.READY:
                    summaries.append(
                        Summary(
                            article_id=a.pk,
                            algorithm="lexrank",
                            sentence_count=3,
                            language=a.language,
                            status=Summary.Status.READY,
                            sentences=_sentences(a.text, 3),
                        )
                    )
            Article.tags.through.objects.bulk_create(links, batch_size=2000)
            Summary.objects.bulk_create(summaries, batch_size=500)
    fill_seconds = time.perf_counter() - started

    from reader.search import rebuild_index

    started = time.perf_counter()
    indexed = rebuild_index()
    index_seconds = time.perf_counter() - started
    settle()
    return {
        **bench_info(),
        "fill_seconds": fill_seconds,
        "index_seconds": index_seconds,
        "indexed": indexed,
    }


def settle() -> None:
    """Bring the database to the state of one in use for years: statistics gathered and, on
    PostgreSQL, the tables vacuumed. Autovacuum does that a while after a bulk load (until then no
    index-only scan can skip the table, and list counts take twice as long); measuring in that
    first hour would measure the load, not the app."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def bench_info() -> dict:
    """What the measurements ask for, read from a filled bench database: the measured ``user``
    (bench0), a ``rare`` English word (in 2 of their first 3,000 English texts), their most common
    ``site``, their first ``tag``, the ``detail`` article id (a recent summarized English article) and
    ``deep_cursor``, the list cursor two thirds of the way down their unread articles."""
    from django.contrib.auth import get_user_model

    from reader.models import Article, Tag

    main = get_user_model().objects.get(username="bench0")
    mine = Article.objects.for_user(main)
    words: Counter[str] = Counter()
    for text in mine.filter(status="ready", language="en").values_list("text", flat=True)[:3000]:
        words.update(set(re.findall(r"[a-z]{5,}", text.lower())))
    rare = min((w for w, c in words.items() if c >= 2), key=lambda w: (words[w], w))
    common_site = Counter(mine.values_list("site", flat=True)[:20000]).most_common(1)[0][0]
    detail = (
        mine.filter(status="ready", summaries__isnull=False, word_count__gte=300, language="en")
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    # A cursor two thirds of the way down the default (unread) list: keyset pages cost the same there.
    from reader import selectors as queries

    unread = queries.ordered(queries.list_queryset(main, queries.list_filters({})), "saved")
    deep_row = unread.only("id", "created_at")[max(0, unread.count() * 2 // 3)]
    return {
        "user": main,
        "rare": rare,
        "site": common_site,
        "deep_cursor": queries.encode_cursor(deep_row, "saved"),
        "tag": Tag.objects.filter(owner=main).order_by("pk").values_list("name", flat=True).first(),
        "detail": detail,
    }


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[math.ceil(0.95 * len(samples)) - 1]


def measure(info: dict, repeat: int) -> None:
    from urllib.parse import quote

    from django.db import connection
    from django.test import Client

    from reader.search import search

    engine = connection.vendor
    client = Client()
    client.force_login(info["user"])
    common, phrase = "said", '"prime minister"'
    urls = [
        "/",
        "/?show=unread",
        "/?show=archived",
        "/?show=favourites",
        "/?show=pending",
        "/?show=failed",
        f"/?tag={quote(info['tag'])}",
        f"/?site={quote(info['site'])}",
        "/?lang=de",
        f"/?cursor={info['deep_cursor']}",
        f"/?q={common}",
        f"/?q={info['rare']}",
        f"/?q={quote(phrase)}",
        f"/articles/{info['detail']}/",
    ]
    for url in urls:

        def get(url=url):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        median, p95 = _time(get, repeat)
        print(
            f"{engine} {url.replace(' ', '+')} median_ms={median:.1f} p95_ms={p95:.1f}",
            flush=True,
        )
    queries = [
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
    for q in queries:
        results = search(info["user"], q)
        median, p95 = _time(functools.partial(search, info["user"], q), repeat)
        label = "search:" + q.replace(" ", "+")
        print(
            f"{engine} {label} median_ms={median:.1f} p95_ms={p95:.1f} total={results.total}",
            flush=True,
        )
    # The parts of the list page that grow with the number of articles, to explain its figures.
    from reader import selectors as list_queries

    user, unread = info["user"], list_queries.list_filters({})
    parts = {
        "part:view_counts": lambda: list_queries.view_counts(user, unread),
        "part:tags_of": lambda: list_queries.tags_of(user),
        "part:article_page": lambda: list_queries.article_page(user, unread),
    }
    for label, fn in parts.items():
        median, p95 = _time(fn, repeat)
        print(f"{engine} {label} median_ms={median:.1f} p95_ms={p95:.1f}", flush=True)


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


def _postgres_url(url: str) -> tuple[str, str]:
    """(URL of the server's maintenance database, URL of the bench database) for the server in ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("--database-url must be a postgres:// URL (SQLite is the default without it)")
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path="/" + BENCH_DB))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles",
        type=int,
        default=100_000,
        help="articles to insert (default 100000)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help=f"a PostgreSQL server URL; the bench uses (drops, creates) database {BENCH_DB} there",
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per figure (default 30)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        default="",
        help="keep the bench database between runs and measure the one a former run filled with the same "
        f"--articles, after applying new migrations (SQLite: its file lives in DIR; PostgreSQL: database {BENCH_DB}, "
        "whatever DIR); fills it when there is none",
    )
    parser.add_argument("--rounds", type=int, default=1, help="measure everything this many times (default 1)")
    args = parser.parse_args(argv)

    workdir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="digest-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    admin_url = ""
    if args.database_url:
        import psycopg

        admin_url, bench_url = _postgres_url(args.database_url)
        reuse = bool(args.reuse) and _bench_size(bench_url) == args.articles
        if not reuse:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = bench_url
    else:
        reuse = bool(args.reuse) and _bench_size(workdir / "bench.sqlite3") == args.articles
        if not reuse:
            for name in ("bench.sqlite3", "bench.sqlite3-wal", "bench.sqlite3-shm"):
                (workdir / name).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DIGEST_DATA_DIR"] = str(workdir)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        engine = connection.vendor
        if reuse:
            settle()
            info = bench_info()
            print(f"# {engine}: reusing the bench database in {workdir}", flush=True)
        else:
            info = fill(args.articles)
            print(
                f"# {engine}: {args.articles} articles inserted in {info['fill_seconds']:.1f} s, "
                f"search index of {info['indexed']} built in {info['index_seconds']:.1f} s",
                flush=True,
            )
        print(f"# rare word {info['rare']!r}, site {info['site']!r}, tag {info['tag']!r}", flush=True)
        for round_ in range(args.rounds):
            if args.rounds > 1:
                print(f"# round {round_ + 1} of {args.rounds}", flush=True)
            measure(info, args.repeat)
    finally:
        connection.close()
        if args.keep or args.reuse:
            print(f"# kept: {os.environ['DATABASE_URL']}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if admin_url:
                import psycopg

                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
