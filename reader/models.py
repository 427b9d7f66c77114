"""Saved articles and the pages fetched for them.

The ``Article`` row is the truth about a save: its status, error and timestamps live here,
and a queue message only carries the article's id.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models
from django.db.models import Q


class ArticleQuerySet(models.QuerySet):
    def for_user(self, user) -> ArticleQuerySet:
        """The articles ``user`` can see: their own, not deleted."""
        return self.filter(owner=user, deleted_at__isnull=True)


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
    FINAL_STATUSES = (Status.READY, Status.FAILED)

    # No index of its own: the list indexes below start with owner, and a plain owner index would
    # tempt the planner away from them into reading whole rows.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="articles", db_index=False
    )
    url = models.URLField(max_length=2048, help_text="The link as pasted.")
    canonical_url = models.URLField(max_length=2048, help_text="Normalized URL used to find duplicates.")
    final_url = models.URLField(max_length=2048, blank=True, help_text="Where the fetch ended after redirects.")
    site = models.CharField(max_length=255, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True, help_text="Why the save failed, in a sentence a person can read.")
    error_code = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

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
    top_image = models.URLField(max_length=2048, blank=True)
    language = models.CharField(max_length=8, blank=True)
    text = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(default=0)

    # Reading-list state, set by the person.
    read_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    favourite = models.BooleanField(default=False)
    # Deleting keeps the row for a short undo; a deleted article's link can be saved again.
    deleted_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField("Tag", blank=True, related_name="articles")

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


class Tag(models.Model):
    """A person's label for articles; names are unique per owner, compared case-insensitively."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "owner", name="tag_unique_name_per_owner"),
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
    font_size = models.PositiveSmallIntegerField(default=18, help_text="Reader text size in CSS pixels.")

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


class FetchedPage(models.Model):
    """The bytes fetched for an article, zlib-compressed, kept so extraction can be re-run.

    Stored apart from ``Article`` so that list queries never load page bodies.
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="fetched_page")
    url = models.URLField(max_length=2048, help_text="Final URL the body came from.")
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
