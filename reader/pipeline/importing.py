"""The import job: read an uploaded file, store its entries in batches, then feed its articles to the
fetch worker a window at a time.

Two phases, each a chain of short task runs (``reader.pipeline.tasks``) that holds the job under a
lease with a token, so a chain that died is taken over and a second chain stops at once:

1. **Reading** (``read_import``): the file is parsed (``reader.transfer.importers``) and stored
   ``BATCH`` entries per transaction: links checked and deduplicated by canonical URL per person
   (an existing article gains the tags and keeps the earliest saved date; a second import of the
   same file creates nothing), articles created ``queued`` but not yet sent, pages the file carries
   stored as captured pages (extracted without a fetch), and every row not imported recorded with its
   reason (``ImportProblem``). The job's position moves with each batch, so a run stopped after
   ``seconds`` (or a worker that died) resumes at the next entry.
2. **Feeding** (``feed``): the articles are sent to ``DIGEST_IMPORT_QUEUE`` newest first, at most
   ``DIGEST_IMPORT_IN_FLIGHT`` of the job's at once in the queue or in a worker: the queue stays
   short, so no message waits long enough for the sweep to take it for lost, and a person's new
   pastes (on ``DIGEST_FETCH_QUEUE``, which the fetch worker empties first) never wait behind an import.

Nothing here sends a message: the functions return what to send, and the tasks send it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from itertools import islice
from typing import cast

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, Q
from django.db.models.functions import Lower
from django.utils import timezone

from reader import conf
from reader.fetch.urls import InvalidURL, check_url, site_of
from reader.models import Article, FetchedPage, ImportJob, ImportProblem, Tag
from reader.pipeline.restoring import restore_fields, restore_summaries
from reader.pipeline.steps import update_search_index
from reader.services.organize import clean_tag_names
from reader.transfer.importers import HEAD_BYTES, BadEntry, Entry, UnreadableFile, parse_file, refuse_binary

log = logging.getLogger(__name__)

Status = Article.Status
State = ImportJob.State
Kind = ImportProblem.Kind

BATCH = 500  # entries stored per transaction (about 10 queries each, whatever its size)
READ_LEASE = 60.0  # seconds a reading run holds the job, renewed per batch
FEED_INTERVAL = 2.0  # seconds between two looks at how many of a job's articles are in flight
FEED_LEASE = FEED_INTERVAL + 30.0  # seconds a feeding chain holds the job between its runs
TITLE_MAX_CHARS = 2000


class ImportTooLarge(ValueError):
    """An upload over ``DIGEST_IMPORT_MAX_BYTES``; ``str(exc)`` says so in words."""


@dataclass(frozen=True)
class Outcome:
    """What became of one entry: ``status`` created, existing, invalid or skipped; ``reason`` why it was
    not imported ("" when created); ``article_id`` the article it is now (None when not imported)."""

    position: str
    url: str
    status: str
    reason: str = ""
    article_id: int | None = None


def new_token() -> str:
    return uuid.uuid4().hex


def create_job(*, user, upload: File, name: str, folders_as_tags: bool = False, format: str = "") -> ImportJob:
    """Keep an uploaded file (``DIGEST_IMPORT_DIR``) and make its job, ``waiting``. Raises
    ``ImportTooLarge`` over ``DIGEST_IMPORT_MAX_BYTES``, and ``UnreadableFile`` for an empty file or one
    whose first bytes show it is no import format (an image, a PDF: ``refuse_binary``); nothing is
    kept then. Files that only a full read can refuse fail their job with the reason instead."""
    size = upload.size or 0
    limit = settings.DIGEST_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportTooLarge(f"This file is {size / 1e6:,.1f} MB; the limit is {limit / 1e6:,.1f} MB.")
    # Said on the form at once, rather than by a job a worker fails later.
    upload.seek(0)
    refuse_binary(upload.read(HEAD_BYTES))
    upload.seek(0)
    job = ImportJob.objects.create(
        owner=user, file_name=name[:255], size=size, folders_as_tags=folders_as_tags, format=format
    )
    job.file.save(name, upload, save=False)
    ImportJob.objects.filter(pk=job.pk).update(file=job.file.name)
    return job


def claim(job_id: int, token: str, states: Iterable[str], lease: float) -> bool:
    """Hold the job for the chain ``token`` for ``lease`` seconds: True when it is in one of
    ``states`` and free (no lease, a lapsed one, or this chain's own)."""
    now = timezone.now()
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now) | Q(token=token)
    return bool(
        ImportJob.objects.filter(pk=job_id, state__in=list(states))
        .filter(free)
        .update(token=token, lease_expires_at=now + timedelta(seconds=lease))
    )


def read_import(
    job_id: int, *, token: str, seconds: float | None = None, on_outcome: Callable[[Outcome], None] | None = None
) -> bool:
    """Read the job's file from its position on and store the entries, for at most about ``seconds``
    (None: to the end); ``on_outcome`` is called with each entry's ``Outcome`` in file order.

    Returns True when entries are left (run again with the same ``token``), False when the job is
    not this chain's, or reading ended: then the job is ``queueing`` (its articles are ready to feed)
    or ``failed`` with a readable ``error`` (the file could not be read at all; entries stored from it
    before a break are kept). Past ``DIGEST_IMPORT_MAX_ENTRIES`` entries the rest are not read, and the
    report says so. Database errors propagate (the chain is taken over when the lease lapses).
    """
    if not claim(job_id, token, (State.WAITING, State.READING), READ_LEASE):
        return False
    ImportJob.objects.filter(pk=job_id, state=State.WAITING).update(state=State.READING)
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        stream = job.file.open("rb")
    except (FileNotFoundError, ValueError):
        _finish_reading(job, error="The uploaded file is gone; upload it again.")
        return False
    with stream:
        try:
            parsed = parse_file(stream, format=job.format or None, max_content_bytes=settings.DIGEST_FETCH_MAX_BYTES)
        except UnreadableFile as exc:
            _finish_reading(job, error=str(exc))
            return False
        if job.format != parsed.format:
            ImportJob.objects.filter(pk=job.pk).update(format=parsed.format)
            job.format = parsed.format
        entries = islice(parsed.entries, job.position, None)
        limit = settings.DIGEST_IMPORT_MAX_ENTRIES
        while True:
            room = limit - job.position
            batch = list(islice(entries, min(BATCH, room) if room > 0 else 0))
            over = room <= 0 and next(entries, None) is not None
            if over:
                message = f"The file has more than {limit:,} entries; the rest were not imported."
                ImportProblem.objects.create(
                    job=job, kind=Kind.INVALID, position=f"after entry {limit:,}", reason=message
                )
                ImportJob.objects.filter(pk=job.pk).update(invalid=F("invalid") + 1)
            if not batch:
                _finish_reading(job)
                return False
            outcomes = store_batch(job, batch)
            job.position += len(batch)
            if on_outcome is not None:
                for outcome in outcomes:
                    on_outcome(outcome)
            if deadline is not None and time.monotonic() > deadline:
                return True


def _finish_reading(job: ImportJob, *, error: str = "") -> None:
    """End the reading phase: ``queueing`` (or ``failed`` with ``error`` when nothing was read),
    and the uploaded file deleted."""
    failed = bool(error) and job.position == 0
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.FAILED if failed else State.QUEUEING,
        error=error,
        total=job.position,
        finished_at=timezone.now() if failed else None,
        lease_expires_at=None if failed else F("lease_expires_at"),
        file="",
    )
    if error and not failed:
        ImportProblem.objects.create(job=job, kind=Kind.INVALID, position="end of file", reason=error)
        ImportJob.objects.filter(pk=job.pk).update(invalid=F("invalid") + 1)
    if job.file:
        job.file.delete(save=False)


@transaction.atomic
def store_batch(job: ImportJob, batch: list[Entry | BadEntry]) -> list[Outcome]:
    """Store one batch of entries for ``job.owner`` in one transaction, with a fixed number of queries
    whatever its size, and move the job's position and counts. Returns an ``Outcome`` per entry."""
    user = job.owner
    policy = conf.url_policy()
    outcomes: list[Outcome | None] = [None] * len(batch)
    groups: dict[str, list[tuple[int, Entry, str]]] = {}
    for index, item in enumerate(batch):
        if isinstance(item, BadEntry):
            status = Kind.SKIPPED if item.skipped else Kind.INVALID
            outcomes[index] = Outcome(item.position, item.url, status, item.reason)
            continue
        try:
            checked = check_url(item.url, policy)
            canonical = checked.canonical
        except InvalidURL as exc:
            outcomes[index] = Outcome(item.position, item.url, Kind.INVALID, str(exc))
            continue
        groups.setdefault(canonical, []).append((index, item, checked.url))
    existing = {
        a.canonical_url: a
        for a in Article.objects.for_user(user)
        .filter(canonical_url__in=list(groups))
        .only("pk", "canonical_url", "created_at", "notes", "favourite")
    }
    now = timezone.now()
    new: list[tuple[Article, Entry, list[tuple[int, Entry, str]]]] = []
    changed: list[Article] = []
    tags_for: dict[str, list[str]] = {}
    for canonical, group in groups.items():
        entry = _merged([e for _, e, _ in group])
        tags_for[canonical] = _tag_names(entry, job.folders_as_tags)
        found = existing.get(canonical)
        if found is not None:
            if _merge_into(found, entry):
                changed.append(found)
            continue
        new.append((_new_article(job, entry, canonical, group[0][2], now), entry, group))
    created = _insert(user, [article for article, _, _ in new], existing)
    made = {id(article) for article in created}
    for article, entry, group in new:
        first = group[0][0]
        if id(article) in made:
            outcomes[first] = Outcome(entry.position, entry.url, "created", "", article.pk)
            group = group[1:]
        for index, item, _ in group:
            target = existing.get(article.canonical_url) or article
            where = f" (as at {entry.position})" if target is article else ""
            reason = f"Listed more than once in this file{where}." if target is article else "Already saved."
            outcomes[index] = Outcome(item.position, item.url, Kind.EXISTING, reason, target.pk)
    for canonical, found in existing.items():
        for index, item, _ in groups.get(canonical, []):
            if outcomes[index] is None:
                outcomes[index] = Outcome(item.position, item.url, Kind.EXISTING, "Already saved.", found.pk)
    _after_insert(job, [(a, e) for a, e, _ in new if id(a) in made])
    _set_columns(changed, ["created_at", "notes", "favourite"])
    by_canonical = {a.canonical_url: a.pk for a in [*existing.values(), *created]}
    _link_tags(user, {by_canonical[c]: names for c, names in tags_for.items() if c in by_canonical and names})
    done = [o for o in outcomes if o is not None]
    _record(job, batch, done)
    return done


def _merged(entries: list[Entry]) -> Entry:
    """Entries of one link listed several times in a file as one: the first, with every tag, the
    earliest saved date, the notes joined, and any read, archived or favourite flag."""
    first = entries[0]
    for other in entries[1:]:
        first.tags = [*first.tags, *other.tags]
        dates = [d for d in (first.saved_at, other.saved_at) if d is not None]
        first.saved_at = min(dates) if dates else None
        first.notes = "\n\n---\n\n".join(n for n in (first.notes, other.notes) if n)
        first.read, first.archived = first.read or other.read, first.archived or other.archived
        first.starred = first.starred or other.starred
        first.content = first.content or other.content
    return first


def _merge_into(article: Article, entry: Entry) -> bool:
    """An import of a link the person already has: the earliest saved date wins, a favourite stays
    one, notes are added when the article has none. True when something changed (tags aside)."""
    changed = False
    if entry.saved_at is not None and entry.saved_at < article.created_at:
        article.created_at, changed = entry.saved_at, True
    notes = _notes(entry)
    if notes and not article.notes.strip():
        article.notes, changed = notes, True
    if entry.starred and not article.favourite:
        article.favourite, changed = True, True
    return changed


def _notes(entry: Entry) -> str:
    quote = "\n".join(f"> {line}" for line in entry.highlight.splitlines() if line.strip())
    description = entry.description if entry.description != entry.title else ""
    return "\n\n".join(p for p in (description, quote, entry.notes) if p.strip())


def _tag_names(entry: Entry, folders_as_tags: bool) -> list[str]:
    names = list(entry.tags)
    if folders_as_tags and entry.folder:
        names.append(entry.folder.rsplit("/", 1)[-1])
    return clean_tag_names(names)


def _new_article(job: ImportJob, entry: Entry, canonical: str, url: str, now) -> Article:
    saved = entry.saved_at or now
    article = Article(
        owner=job.owner,
        url=url,
        canonical_url=canonical,
        site=site_of(url),
        title=entry.title[:TITLE_MAX_CHARS],
        status=Status.QUEUED,
        status_changed_at=now,
        # Not sent yet: the feed sends it (the sweep leaves a feeding job's unsent articles alone).
        enqueued_at=None,
        captured=bool(entry.content),
        notes=_notes(entry),
        authors=entry.authors,
        published_at=entry.published_at,
        language=entry.language[:8],
        read_at=saved if entry.read else None,
        archived_at=saved if entry.archived else None,
        favourite=entry.starred,
        import_job=job,
    )
    if entry.record is not None:
        restore_fields(article, entry.record)
    article.created_at = saved  # written after the insert: auto_now_add ignores a given value
    return article


def insert_new(user, articles: list[Article]) -> tuple[list[Article], dict[str, Article]]:
    """Insert new ``articles`` of ``user`` in one statement. One the person saved at the same moment
    elsewhere (another tab, another import: a unique-constraint race) is not inserted but looked up.
    Returns (the articles created, in order; {canonical URL: the existing article} for the others)."""
    try:
        with transaction.atomic():
            return Article.objects.bulk_create(articles), {}
    except IntegrityError:
        pass
    created: list[Article] = []
    taken: dict[str, Article] = {}
    for article in articles:
        try:
            with transaction.atomic():
                article.save(force_insert=True)
            created.append(article)
        except IntegrityError:
            taken[article.canonical_url] = Article.objects.for_user(user).get(canonical_url=article.canonical_url)
    return created, taken


def _insert(user, articles: list[Article], existing: dict[str, Article]) -> list[Article]:
    """``insert_new``, then the saved dates written (``auto_now_add`` ignored them); the articles
    taken meanwhile join ``existing``. Returns those created."""
    if not articles:
        return []
    dates = {id(a): a.created_at for a in articles}
    created, taken = insert_new(user, articles)
    existing.update(taken)
    for article in created:
        article.created_at = dates[id(article)]
    _set_columns(created, ["created_at"])
    return created


def _set_columns(articles: list[Article], names: list[str]) -> None:
    """Write these columns of ``articles`` with one prepared UPDATE run for each (``executemany``):
    Django's ``bulk_update`` builds a CASE expression per row, 40 times slower here
    (bench/README.md, Import)."""
    if not articles:
        return
    fields = [cast(Field, Article._meta.get_field(name)) for name in names]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(Article._meta.db_table)} SET {assignments} WHERE id = %s"
    rows = [[f.get_db_prep_save(getattr(a, f.attname), connection) for f in fields] + [a.pk] for a in articles]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _after_insert(job: ImportJob, created: list[tuple[Article, Entry]]) -> None:
    """The pages the file carried (captured: extracted without a fetch), the summaries of a Digest
    export, and the search index of articles that arrive ready."""
    pages = [
        FetchedPage(
            article=article,
            url=article.url,
            status_code=200,
            content_type=entry.content_type,
            body_compressed=FetchedPage.compress(entry.content),
            size=len(entry.content),
        )
        for article, entry in created
        if entry.content and entry.record is None
    ]
    FetchedPage.objects.bulk_create(pages)
    restore_summaries([(article, entry.record) for article, entry in created if entry.record is not None])
    for article, entry in created:
        if entry.record is not None and article.status == Status.READY:
            transaction.on_commit(partial(update_search_index, article.pk))


def _link_tags(user, names_by_article: dict[int, list[str]]) -> None:
    """Put tags on articles by name (created when new, matched case-insensitively), in a few queries."""
    wanted = {name.lower(): name for names in names_by_article.values() for name in names}
    if not wanted:
        return
    ids = _tag_ids(user, wanted)
    missing = [Tag(owner=user, name=name) for low, name in wanted.items() if low not in ids]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        ids.update(_tag_ids(user, {low: wanted[low] for low in wanted if low not in ids}))
        for low in [low for low in wanted if low not in ids]:  # a case the database folds otherwise
            found = Tag.objects.filter(owner=user, name__iexact=wanted[low]).values_list("pk", flat=True).first()
            if found is not None:
                ids[low] = found
    links = {
        (article_id, ids[name.lower()])
        for article_id, names in names_by_article.items()
        for name in names
        if name.lower() in ids
    }
    # One prepared INSERT run per link (a link the article has already is skipped by the unique
    # constraint): bulk_create's model instances cost more than the rows (bench/README.md, Import).
    table = connection.ops.quote_name(Article.tags.through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (article_id, tag_id) VALUES (%s, %s) ON CONFLICT DO NOTHING", sorted(links)
        )


def _tag_ids(user, wanted: dict[str, str]) -> dict[str, int]:
    rows = Tag.objects.filter(owner=user).annotate(low=Lower("name")).filter(low__in=list(wanted))
    return {name.lower(): pk for pk, name in rows.values_list("pk", "name")}


def _record(job: ImportJob, batch: list, outcomes: list[Outcome]) -> None:
    """The report rows of what was not imported, and the job's counts and position (with its lease)."""
    titles = {item.position: item.title for item in batch}
    ImportProblem.objects.bulk_create(
        ImportProblem(
            job=job,
            kind=o.status,
            position=o.position[:255],
            url=o.url[:4096],
            title=(titles.get(o.position) or "")[:TITLE_MAX_CHARS],
            reason=o.reason,
            article_id=o.article_id,
        )
        for o in outcomes
        if o.status != "created"
    )
    count = {status: sum(1 for o in outcomes if o.status == status) for status in ("created", *Kind.values)}
    ImportJob.objects.filter(pk=job.pk).update(
        position=F("position") + len(batch),
        created=F("created") + count["created"],
        existing=F("existing") + count[Kind.EXISTING],
        invalid=F("invalid") + count[Kind.INVALID],
        skipped=F("skipped") + count[Kind.SKIPPED],
        lease_expires_at=timezone.now() + timedelta(seconds=READ_LEASE),
    )


def feed(job_id: int, *, token: str) -> tuple[list[int], float | None]:
    """Let the next of the job's articles into the fetch queue: returns (ids to send now, on
    ``DIGEST_IMPORT_QUEUE``; seconds until this chain should look again, or None when it is done
    or the job is not this chain's).

    At most ``DIGEST_IMPORT_IN_FLIGHT`` of the job's articles are sent and not finished at once
    (waiting in a queue, or for their site's turn, or in a worker); the newest saved go first, as
    the list shows them. When every article has been sent the job is ``done``.
    """
    if not claim(job_id, token, (State.QUEUEING,), FEED_LEASE):
        return [], None
    mine = Article.objects.filter(import_job_id=job_id, deleted_at__isnull=True)
    in_flight = mine.filter(status__in=Article.PENDING_STATUSES, enqueued_at__isnull=False).count()
    room = max(int(settings.DIGEST_IMPORT_IN_FLIGHT) - in_flight, 0)
    waiting = mine.filter(status=Status.QUEUED, enqueued_at__isnull=True)
    ids = list(waiting.order_by("-created_at", "-id").values_list("pk", flat=True)[:room])
    if ids:
        Article.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    if waiting.exists():
        return ids, FEED_INTERVAL
    ImportJob.objects.filter(pk=job_id, token=token).update(
        state=State.DONE, finished_at=timezone.now(), lease_expires_at=None
    )
    return ids, None


def stalled_jobs() -> list[tuple[int, str]]:
    """Jobs whose chain of messages died (a lost message, a dead worker: their lease lapsed, or a
    waiting job that no message took), as (id, state), for the sweep to start again."""
    now = timezone.now()
    lapsed = Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, created_at__lt=now - timedelta(seconds=30))
    return list(ImportJob.objects.filter(lapsed, state__in=ImportJob.ACTIVE_STATES).values_list("pk", "state"))
