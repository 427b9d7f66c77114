"""Extractive summaries of articles, one row per (article, algorithm, sentence count)."""

from __future__ import annotations

from django.db import models


class Summary(models.Model):
    """A summary: sentences chosen from ``Article.text``, in document order.

    ``sentences`` is a list of ``{"text": str, "start": int, "end": int}`` where start/end are
    Python string indices (code points) into the article's text: ``text[start:end] == sentence``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    article = models.ForeignKey("reader.Article", on_delete=models.CASCADE, related_name="summaries")
    algorithm = models.CharField(max_length=32)
    sentence_count = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    sentences = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "algorithm", "sentence_count"], name="summary_unique_per_variant"
            ),
        ]
        verbose_name_plural = "summaries"

    def __str__(self) -> str:
        return f"{self.algorithm}/{self.sentence_count} of article {self.article_id}"

    @property
    def sentence_texts(self) -> list[str]:
        return [s["text"] for s in self.sentences]
