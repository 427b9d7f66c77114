"""The web benchmark's data: a reading list of real texts, in the shape of a real library.

``fill(n, shape)`` inserts ``n`` articles made from the real texts in ``../shared/bench`` (BBC News
Summary articles and the extraction set's ground-truth bodies, several languages including Japanese and
Korean): paragraphs of one text shuffled and mixed with paragraphs of another text in the same
language, spread over five years, about 200 sites, statuses (90% ready, 5% failed, 5% pending),
read/archived/favourite/deleted flags, 0-3 of 30 tags each and a 3-sentence summary for ready
articles. ``shape`` is who owns them: ``one`` person owns every row (the usual self-hosted library),
or ``many``: 4 users, 85% of the articles on the one measured. Inserted with ``bulk_create`` in
batches in one transaction; the search index is then built in bulk (``reader.search.rebuild_index``),
and the database settled as one in use would be (``settle``: ANALYZE, and VACUUM on PostgreSQL).
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

SHARED = Path(os.environ.get("DIGEST_SHARED_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))
SHAPES = ("one", "many")
# Users, and the share of the articles the measured one (bench0) owns, in each shape.
SHAPE_USERS = {"one": (1, 1.0), "many": (4, 0.85)}
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


def fill(n: int, shape: str = "many", seed: int = 5) -> dict:
    """Insert ``n`` articles owned as ``shape`` (one of ``SHAPES``) says, with their tags and summaries;
    returns what the measurements need (``bench_info``) and the fill's times in seconds."""
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
        user_count, main_share = SHAPE_USERS[shape]
        users = [User.objects.create_user(f"bench{i}", password="bench-pw-123") for i in range(user_count)]
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
                owner = users[0] if len(users) == 1 or rng.random() < main_share else rng.choice(users[1:])
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
