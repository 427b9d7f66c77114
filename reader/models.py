"""Saved articles and the pages fetched for them.

The ``Article`` row is the truth about a save: its status, error and timestamps live here,
and a queue message only carries the article's id.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connections, models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from reader.extract.language import language_direction
from reader.fetch.urls import MAX_URL_LENGTH

if TYPE_CHECKING:  # for the annotation only: summaries.models names reader.Article by string
    from summaries.models import Summary


def url_hashes(url: str) -> dict[str, str]:
    """The SHA-1 hex digests (40 characters) an article is looked up by in wallabag's API
    (``/api/entries/exists``): ``url_sha1`` of ``url`` as given, ``url_decoded_sha1`` of it URL-decoded
    as PHP's ``urldecode`` does (``%xx`` and ``+``), which is what wallabag's own ``UrlHasher`` hashes;
    clients such as wallabagger and the Android app hash the raw URL instead."""
    return {
        "url_sha1": hashlib.sha1(url.encode("utf-8")).hexdigest(),
        "url_decoded_sha1": hashlib.sha1(unquote_plus(url).encode("utf-8", "surrogatepass")).hexdigest(),
    }


class ArticleQuerySet(models.QuerySet):
    """Article filters shared by the reading list (``reader.selectors``), search (``reader.search``) and the pipeline.

    Each method returns a narrowed queryset and adds no query of its own.
    """

    def bulk_create(self, objs, *args, **kwargs):
        """As Django's, with each article's URL hashes (``url_hashes``) filled in first."""
        objs = list(objs)  # may be a generator, read twice here
        for article in objs:
            article.fill_url_hashes()
        return super().bulk_create(objs, *args, **kwargs)

    def for_user(self, user) -> ArticleQuerySet:
        """The articles ``user`` can see: their own, not deleted."""
        return self.filter(owner=user, deleted_at__isnull=True)

    def missing_lead_image(self) -> ArticleQuerySet:
        """Ready articles that name a lead image (``top_image``) and hold no copy of it (``LeadImage``)."""
        return self.filter(status=self.model.Status.READY, lead_image__isnull=True).exclude(top_image="")

    def with_flag(self, flag: str) -> ArticleQuerySet:
        """The articles carrying ``flag``, a key of ``FLAG_FILTERS`` (KeyError for any other)."""
        return self.filter(FLAG_FILTERS[flag])

    def tagged(self, tag_ids: Sequence[int]) -> ArticleQuerySet:
        """The articles carrying one of ``tag_ids`` (a semi-join on the tag links); none when it is empty.

        On SQLite the article id is written ``+id``, which keeps SQLite from starting at the tag links
        and sorting all of a tag's articles for every page (30 ms at 100,000 articles): it then walks
        the list index in order and checks each row against the links, read once (2.6 ms). PostgreSQL
        picks between the two itself, from the tag's link count.
        """
        if not tag_ids:
            return self.none()
        links = self.model.tags.through._meta.db_table
        article_id = f'"{self.model._meta.db_table}"."id"'
        if connections[self.db].vendor == "sqlite":
            article_id = "+" + article_id
        marks = ", ".join(["%s"] * len(tag_ids))
        return self.filter(
            RawSQL(
                f"{article_id} IN (SELECT article_id FROM {links} WHERE tag_id IN ({marks}))",
                list(tag_ids),
                output_field=BooleanField(),
            )
        )

    def from_sites(self, sites: Iterable[str]) -> ArticleQuerySet:
        """The articles from one of ``sites`` (lower-case, as ``site_of`` gives) or their subdomains;
        none when ``sites`` is empty.

        Plain comparisons: sites and the filter are stored lower-case, and case-folding every row's
        site doubled the time of counting a site's articles (47 vs 22 ms at 100,000 on PostgreSQL).
        """
        wanted = Q()
        for site in sites:
            wanted |= Q(site=site) | Q(site__endswith="." + site)
        return self.filter(wanted) if wanted else self.none()

    def in_languages(self, languages: Iterable[str]) -> ArticleQuerySet:
        """The articles in one of ``languages`` (lower-case ISO 639-1 codes, as stored) or their regional
        forms ("pt" finds "pt-br"); none when ``languages`` is empty."""
        wanted = Q()
        for language in languages:
            wanted |= Q(language=language) | Q(language__startswith=language + "-")
        return self.filter(wanted) if wanted else self.none()


class Article(models.Model):
    """One link a person saved, and what was extracted from it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        FETCHING = "fetching", "Fetching"
        EXTRACTING = "extracting", "Extracting"
        SUMMARIZING = "summarizing", "Summarizing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    PENDING_STATUSES = (Status.QUEUED, Status.FETCHING, Status.EXTRACTING, Status.SUMMARIZING)
    RUNNING_STATUSES = (Status.FETCHING, Status.EXTRACTING, Status.SUMMARIZING)
    FINAL_STATUSES = (Status.READY, Status.FAILED)

    # No index of its own: the list indexes below start with owner, and a plain owner index would
    # tempt the planner away from them into reading whole rows.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="articles", db_index=False
    )
    url = models.URLField(max_length=MAX_URL_LENGTH, help_text="The link as pasted.")
    canonical_url = models.URLField(max_length=MAX_URL_LENGTH, help_text="Normalized URL used to find duplicates.")
    final_url = models.URLField(
        max_length=MAX_URL_LENGTH, blank=True, help_text="Where the fetch ended after redirects."
    )
    site = models.CharField(max_length=255, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True, help_text="Why the save failed, in a sentence a person can read.")
    error_code = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While a worker holds the article (fetching..summarizing) it renews this lease; a lease that
    # lapsed means the worker died, and the next message or the sweep takes the article over.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the last queue message for the article was sent (None: none could be sent, the broker was
    # down); the sweep sends a message for queued articles whose message is missing or long overdue.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    paywalled = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False)
    # The page was given to Digest (captured in the person's browser, or carried by an import file)
    # instead of fetched: the fetch step hands the stored page on and never fetches the URL.
    captured = models.BooleanField(default=False)
    # The person's own notes and highlights (Markdown), e.g. highlights brought from another app.
    notes = models.TextField(blank=True)
    # SHA-1 of ``url`` and of it URL-decoded (``url_hashes``), for wallabag's "exists" lookups; set on save.
    url_sha1 = models.CharField(max_length=40, blank=True)
    url_decoded_sha1 = models.CharField(max_length=40, blank=True)

    title = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The offset the page gave for its date, in minutes east of UTC (None: none given).
    published_offset = models.SmallIntegerField(null=True, blank=True)
    top_image = models.URLField(max_length=MAX_URL_LENGTH, blank=True)
    language = models.CharField(max_length=8, blank=True)
    text = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(default=0)

    # Reading-list state, set by the person.
    read_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    favourite = models.BooleanField(default=False)
    # Deleting keeps the row for a short undo; a deleted article's link can be saved again.
    deleted_at = models.DateTimeField(null=True, blank=True)
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField("Tag", blank=True, related_name="articles")
    # The summary the person chose on the article page ("Use this summary"), shown in the list, on the
    # plain article page and in exports; empty: their default (``reader.selectors.summaries_to_show``).
    summary_algorithm = models.CharField(max_length=32, blank=True)
    summary_sentences = models.PositiveSmallIntegerField(null=True, blank=True)
    # The import that brought the article (None: saved otherwise). Its articles are sent to the
    # fetch worker a window at a time (``reader.pipeline.importing.feed``), not all at once.
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles", db_index=False
    )
    # The summary a page shows, put on the article by ``reader.selectors.attach_summaries`` (not a column).
    summary: Summary | None

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "canonical_url"],
                name="article_unique_canonical_per_owner",
                condition=Q(deleted_at__isnull=True),
            ),
        ]
        indexes = [
            # The list's two sort orders, for keyset pagination. Each also carries the columns the
            # views filter and count on, so that a view's page and the per-view counts read only the
            # index, never the rows (which hold whole texts), and the planner never prefers an index
            # that would need a sort.
            models.Index(
                fields=[
                    "owner",
                    "-created_at",
                    "-id",
                    "status",
                    "favourite",
                    "read_at",
                    "archived_at",
                    "site",
                    "language",
                ],
                name="article_list_saved",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=[
                    "owner",
                    "-published_at",
                    "-id",
                    "status",
                    "favourite",
                    "read_at",
                    "archived_at",
                    "site",
                    "language",
                ],
                name="article_list_published",
                condition=Q(deleted_at__isnull=True),
            ),
            # A site's or a language's page walks only its articles, newest first: the list index would
            # read past every other article to find a rare language's 30 (reader.selectors.narrowed).
            models.Index(
                fields=["owner", "site", "-created_at", "-id"],
                name="article_site_saved",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["owner", "language", "-created_at", "-id"],
                name="article_language_saved",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["status", "status_changed_at"],
                name="article_pending_since",
                condition=~Q(status__in=["ready", "failed"]),
            ),
            # wallabag's /api/entries/exists (reader/api/entries.py): a person's live articles by URL hash.
            models.Index(fields=["owner", "url_sha1"], name="article_url_sha1", condition=Q(deleted_at__isnull=True)),
            models.Index(
                fields=["owner", "url_decoded_sha1"],
                name="article_url_decoded_sha1",
                condition=Q(deleted_at__isnull=True),
            ),
            # An import's progress (its articles by status) and the feed's next window
            # (``reader.pipeline.importing``); only imported articles are in it.
            models.Index(
                fields=["import_job", "status"],
                name="article_import_job",
                condition=Q(import_job__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def save(self, *args, **kwargs):
        self.fill_url_hashes()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "url" in update_fields:
            kwargs["update_fields"] = {*update_fields, "url_sha1", "url_decoded_sha1"}
        super().save(*args, **kwargs)

    def fill_url_hashes(self) -> None:
        """Set ``url_sha1`` and ``url_decoded_sha1`` from ``url`` when they are not set yet."""
        if not self.url_sha1 and self.url:
            for name, value in url_hashes(self.url).items():
                setattr(self, name, value)

    @property
    def is_pending(self) -> bool:
        return self.status not in self.FINAL_STATUSES

    @property
    def reading_minutes(self) -> int:
        """Reading time in whole minutes at 230 words a minute (a common adult average)."""
        return max(1, round(self.word_count / 230)) if self.word_count else 0

    @property
    def display_title(self) -> str:
        return self.title or self.final_url or self.url

    @property
    def text_direction(self) -> str:
        """The ``dir`` the title and text are shown with: "rtl" for Hebrew, Arabic and the other
        languages written right to left, "ltr" for the others, "auto" while the language is unknown."""
        return language_direction(self.language)


# The flags an article carries, as the search box names them (``is:unread``); the list views are
# combinations of these (``reader.selectors.SHOW_FILTERS``: its "unread" is also not archived).
FLAG_FILTERS = {
    "unread": Q(read_at__isnull=True),
    "read": Q(read_at__isnull=False),
    "archived": Q(archived_at__isnull=False),
    "favourite": Q(favourite=True),
    "pending": Q(status__in=Article.PENDING_STATUSES),
    "failed": Q(status=Article.Status.FAILED),
}


class TagQuerySet(models.QuerySet):
    def ids_named(self, user, names: Iterable[str]) -> dict[str, list[int]]:
        """``user``'s tag ids by lower-cased name, for the tags called one of ``names`` in any case
        (one query; a name the person has no tag called is missing from the result)."""
        wanted = Q()
        for name in {n.lower() for n in names}:
            wanted |= Q(name__iexact=name)
        ids: dict[str, list[int]] = {}
        if wanted:
            for pk, name in self.filter(wanted, owner=user).values_list("pk", "name"):
                ids.setdefault(name.lower(), []).append(pk)
        return ids


class Tag(models.Model):
    """A person's label for articles; names are unique per owner, compared case-insensitively."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    NAME_MAX_CHARS = 64  # longest tag name, characters (what the organize service cuts a typed name to)

    name = models.CharField(max_length=NAME_MAX_CHARS)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "owner", name="tag_unique_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class ReaderPreferences(models.Model):
    """One person's choices: default summary and how the reader view looks."""

    class Theme(models.TextChoices):
        SYSTEM = "system", "Follow the system"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"
        SEPIA = "sepia", "Sepia"

    class Font(models.TextChoices):
        SERIF = "serif", "Serif"
        SANS = "sans", "Sans-serif"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_preferences")
    summary_algorithm = models.CharField(max_length=32, blank=True, help_text="Empty: the site default.")
    summary_sentences = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: the site default.")
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    font = models.CharField(max_length=8, choices=Font.choices, default=Font.SERIF)
    # Smallest and largest reader text size, CSS pixels: the form's limits and the quick controls' clamp.
    FONT_SIZES = (14, 28)

    font_size = models.PositiveSmallIntegerField(default=18, help_text="Reader text size in CSS pixels.")

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


class ListCount(models.Model):
    """How many of one person's live articles are in each list view, under one key: the whole list
    (``kind`` "", ``name`` ""), a site ("site", the site), a language ("lang", the code) or a tag
    ("tag", its id). Written only by the database's triggers (``reader/counts.py``), read by
    ``reader.selectors.view_counts``; ``total`` is the "all" view."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=4, blank=True)
    name = models.CharField(max_length=255, blank=True)
    total = models.IntegerField(default=0)
    unread = models.IntegerField(default=0)
    archived = models.IntegerField(default=0)
    favourites = models.IntegerField(default=0)
    pending = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # The triggers' ON CONFLICT target, and the index every read starts from.
            models.UniqueConstraint(fields=["owner", "kind", "name"], name="listcount_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind or 'list'} {self.name} of user {self.owner_id}: {self.total}"


class FetchedPage(models.Model):
    """The bytes fetched for an article, zlib-compressed, kept so extraction can be re-run.

    Stored apart from ``Article`` so that list queries never load page bodies.
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="fetched_page")
    url = models.URLField(max_length=MAX_URL_LENGTH, help_text="Final URL the body came from.")
    status_code = models.PositiveSmallIntegerField(default=200)
    content_type = models.CharField(max_length=255, blank=True)
    charset = models.CharField(max_length=64, blank=True)
    body_compressed = models.BinaryField()
    size = models.PositiveIntegerField(default=0, help_text="Uncompressed size in bytes.")
    fetched_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.url} ({self.size} bytes)"

    @property
    def body(self) -> bytes:
        """The page as fetched (bytes, uncompressed)."""
        return zlib.decompress(bytes(self.body_compressed))

    @staticmethod
    def compress(body: bytes) -> bytes:
        return zlib.compress(body, 6)


class LeadImage(models.Model):
    """An article's lead image, downloaded once by the fetch worker (``steps.fetch_lead_image``) and
    served by Digest itself (``/articles/<id>/image``), so opening an article never makes the reader's
    browser ask the publisher for anything.

    ``content_type`` is what the first bytes show (JPEG, PNG, GIF, WebP or AVIF; never SVG); ``body``
    at most ``DIGEST_IMAGE_MAX_BYTES`` bytes, stored as downloaded (images are compressed already).
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True, related_name="lead_image")
    url = models.URLField(max_length=MAX_URL_LENGTH, help_text="The address it was downloaded from.")
    content_type = models.CharField(max_length=32)
    body = models.BinaryField()
    size = models.PositiveIntegerField(default=0, help_text="Bytes.")
    fetched_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.url} ({self.size} bytes)"


class Lock(models.Model):
    """A named lease for work that must never run twice at once (the sweep).

    Taken with a conditional UPDATE, as an article is claimed, so it works the same on SQLite and
    PostgreSQL and frees itself when its holder dies (``expires_at`` passes).
    """

    name = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.expires_at}"


class PersonalToken(models.Model):
    """A person's secret for what cannot sign in: the address of their feeds (``FEEDS``: Atom and OPDS,
    read only) and their bookmarklet (``SAVE``: saving pages, nothing else).

    Kept as given (like wallabag's feed token), because the Preferences page shows the feed address and
    the bookmarklet again; one of each kind per person. Deleting the row revokes it: its URLs answer 404.
    """

    class Kind(models.TextChoices):
        FEEDS = "feeds", "Feeds"
        SAVE = "save", "Bookmarklet"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_tokens")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="personal_token_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} token of {self.user}"

    @staticmethod
    def new_token() -> str:
        """A fresh secret: 32 random bytes, URL-safe base64 (43 characters)."""
        return secrets.token_urlsafe(32)


class ImportStorage(FileSystemStorage):
    """Uploaded import files, in ``DIGEST_IMPORT_DIR`` as it is set when a file is stored or read."""

    @property
    def base_location(self) -> str:
        return str(settings.DIGEST_IMPORT_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def import_storage() -> ImportStorage:
    """Where uploaded import files wait until their import has read them: ``DIGEST_IMPORT_DIR``."""
    return ImportStorage()


class ImportJob(models.Model):
    """One import of a file into a person's library, and its progress; the file is kept until it has
    been read (``reader.pipeline.importing``), the job row and its report after."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for a worker"
        READING = "reading", "Reading the file"
        QUEUEING = "queueing", "Fetching the articles"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be read"

    ACTIVE_STATES = (State.WAITING, State.READING, State.QUEUEING)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    file = models.FileField(storage=import_storage, upload_to="%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True, help_text="The name the file was uploaded with.")
    size = models.PositiveBigIntegerField(default=0, help_text="The file's size in bytes.")
    format = models.CharField(max_length=32, blank=True, help_text="Given, or detected once read.")
    folders_as_tags = models.BooleanField(default=False)
    error = models.TextField(blank=True, help_text="Why the file could not be read, in a sentence.")
    # Entries in the file (None until counted), entries read so far, and what became of them.
    total = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    existing = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # A worker's hold on the job while it reads or feeds (renewed per batch); lapsed: taken over. The
    # token names the chain of messages that holds it, so a second chain (the sweep's) stops at once.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name or 'a file'} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


class ImportProblem(models.Model):
    """A row of an import file that was not imported, and why: the downloadable report."""

    class Kind(models.TextChoices):
        EXISTING = "existing", "Already saved"
        INVALID = "invalid", "Invalid"
        SKIPPED = "skipped", "Skipped"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    position = models.CharField(max_length=255, help_text="Where in the file: 'line 4', 'entry 12'.")
    url = models.TextField(blank=True)
    title = models.TextField(blank=True)
    reason = models.TextField()
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.position}: {self.reason}"
