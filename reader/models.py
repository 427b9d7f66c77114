"""Saved articles and the pages fetched for them.

The ``Article`` row is the truth about a save: its status, error and timestamps live here,
and a queue message only carries the article's id.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from reader.extract.language import language_direction
from reader.fetch.urls import MAX_URL_LENGTH

if TYPE_CHECKING:  # for the annotation only: summaries.models names reader.Article by string
    from summaries.models import Summary


class ArticleQuerySet(models.QuerySet):
    """Article filters shared by the reading list (``reader.selectors``) and search (``reader.search``).

    Each method returns a narrowed queryset and adds no query of its own.
    """

    def for_user(self, user) -> ArticleQuerySet:
        """The articles ``user`` can see: their own, not deleted."""
        return self.filter(owner=user, deleted_at__isnull=True)

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
            models.Index(
                fields=["status", "status_changed_at"],
                name="article_pending_since",
                condition=~Q(status__in=["ready", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

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


class Lock(models.Model):
    """A named lease for work that must never run twice at once (the sweep).

    Taken with a conditional UPDATE, as an article is claimed, so it works the same on SQLite and
    PostgreSQL and frees itself when its holder dies (``expires_at`` passes).
    """

    name = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.expires_at}"
