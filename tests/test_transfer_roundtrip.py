"""Exports, and what comes back in: Digest JSON into a new person gives the same library field by
field; bookmarks HTML out of Digest is read back with its tags, dates and read state; CSV and the
Markdown zip; a tag or a search exported alone; ``manage.py export``."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from reader.models import Article
from reader.pipeline.saving import import_now
from reader.selectors import summaries_to_show
from reader.services.organize import choose_summary
from reader.transfer.exporters import library
from summaries.models import Summary
from tests.factories import add_summary, make_article

pytestmark = pytest.mark.django_db
Status = Article.Status

FIELDS = [
    "url", "canonical_url", "final_url", "site", "status", "error", "error_code", "title", "authors", "published_at",
    "published_offset", "top_image", "language", "text", "word_count", "paywalled", "blocked", "notes", "created_at",
    "read_at", "archived_at", "favourite", "fetched_at", "ready_at", "summary_algorithm", "summary_sentences",
]  # fmt: skip


@pytest.fixture
def owner():
    user = get_user_model().objects.create_user("origin")
    ready = make_article(
        user,
        "Harbour news",
        text="The harbour reopens on Monday.\nBoats can moor again. The fees stay the same.",
        tags=["sea", "Local news"],
        authors=["Ana Brook"],
        published_at=datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
        published_offset=120,
        language="en",
        top_image="https://news.example.com/harbour.jpg",
        final_url="https://news.example.com/harbour?page=1",
        notes="> Boats can moor again.\n\nGood.",
        favourite=True,
        read_at=datetime(2024, 3, 2, tzinfo=UTC),
        fetched_at=datetime(2024, 3, 1, 9, tzinfo=UTC),
        ready_at=datetime(2024, 3, 1, 9, 1, tzinfo=UTC),
        index=True,
    )
    add_summary(ready, ["The harbour reopens on Monday."])
    add_summary(ready, ["Boats can moor again.", "The fees stay the same."], algorithm="luhn")
    failed = make_article(
        user, "", text="", status=Status.FAILED, error="The page was not found (404).", error_code="http_404"
    )
    Article.objects.filter(pk=failed.pk).update(archived_at=datetime(2023, 1, 1, tzinfo=UTC))
    Article.objects.filter(pk=ready.pk).update(created_at=datetime(2024, 3, 1, 7, 59, 59, 123456, tzinfo=UTC))
    return user


def exported(user, format: str, ids=None) -> bytes:
    ids = library.selected_ids(user) if ids is None else ids
    return b"".join(library.export(user, format, ids))


def library_of(user) -> list[dict]:
    rows = []
    for article in Article.objects.for_user(user).order_by("created_at").prefetch_related("tags", "summaries"):
        row = {name: getattr(article, name) for name in FIELDS}
        row["tags"] = sorted(t.name for t in article.tags.all())
        row["summaries"] = sorted(
            (s.algorithm, s.sentence_count, s.status, s.language, json.dumps(s.sentences))
            for s in article.summaries.all()
        )
        rows.append(row)
    return rows


def test_digest_json_into_a_new_person_gives_the_same_library_field_by_field(owner):
    data = exported(owner, "json")
    head = json.loads(data)
    assert (head["format"], head["version"], head["count"]) == ("digest", 1, 2)
    other = get_user_model().objects.create_user("copy")
    job = import_now(user=other, upload=ContentFile(data, name="d.json"), name="d.json")
    assert (job.format, job.created, job.invalid) == ("digest_json", 2, 0)
    mine, theirs = library_of(owner), library_of(other)
    assert len(mine) == len(theirs) == 2
    for before, after in zip(mine, theirs, strict=True):
        for key in before:
            assert after[key] == before[key], key
    copy = Article.objects.for_user(other).get(title="Harbour news")
    assert copy.status == Status.READY and Summary.objects.filter(article=copy).count() == 2
    again = import_now(user=other, upload=ContentFile(data, name="d.json"), name="d.json")
    assert (again.created, again.existing) == (0, 2)


def test_bookmarks_html_out_of_digest_comes_back_with_tags_dates_and_read_state(owner):
    data = exported(owner, "html")
    other = get_user_model().objects.create_user("browser")
    job = import_now(user=other, upload=ContentFile(data, name="b.html"), name="b.html")
    assert (job.format, job.created) == ("netscape_bookmarks", 2)
    for before in Article.objects.for_user(owner).prefetch_related("tags"):
        after = Article.objects.for_user(other).prefetch_related("tags").get(url=before.url)
        assert after.created_at == before.created_at.replace(microsecond=0)
        assert sorted(t.name for t in after.tags.all()) == sorted(t.name for t in before.tags.all())
        assert (after.read_at is None) == (before.read_at is None)
        assert after.title == before.title


def test_csv_has_a_header_and_a_row_per_article_and_reads_back(owner):
    data = exported(owner, "csv").decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    harbour = next(r for r in rows if r["title"] == "Harbour news")
    shown = summaries_to_show(owner, [Article.objects.get(title="Harbour news").pk]).popitem()[1]
    assert harbour["tags"] == "Local news|sea" and harbour["summary"] == " ".join(shown.sentence_texts)
    assert harbour["favourite"] == "true" and harbour["saved_at"] == "2024-03-01T07:59:59Z"
    other = get_user_model().objects.create_user("sheet")
    job = import_now(user=other, upload=ContentFile(data.encode(), name="c.csv"), name="c.csv")
    assert (job.format, job.created) == ("csv", 2)
    back = Article.objects.for_user(other).prefetch_related("tags").get(title="Harbour news")
    assert sorted(t.name for t in back.tags.all()) == ["Local news", "sea"] and back.favourite


def test_markdown_zip_has_a_file_per_article_with_front_matter(owner):
    archive = zipfile.ZipFile(io.BytesIO(exported(owner, "markdown")))
    names = archive.namelist()
    assert len(names) == 2 and any(n.startswith("2024-03-01-harbour-news-") for n in names)
    text = archive.read(next(n for n in names if "harbour" in n)).decode()
    assert text.startswith("---\ntitle: Harbour news\n") and "## Summary" in text


def test_an_export_is_read_in_batches(owner, monkeypatch, django_assert_max_num_queries):
    for n in range(7):
        make_article(owner, f"Extra {n}")
    monkeypatch.setattr(library, "BATCH", 3)
    ids = library.selected_ids(owner)
    batches = list(library.articles_in_batches(owner, ids))
    assert [len(b) for b in batches] == [3, 3, 3]
    with django_assert_max_num_queries(4 * 3 + 2):  # articles, tags, summaries (x2 for JSON) per batch
        assert json.loads(exported(owner, "json", ids))["count"] == 9


def test_a_tag_or_a_search_is_exported_alone(owner):
    assert len(library.selected_ids(owner, tag="local news")) == 1
    assert len(library.selected_ids(owner, query="harbour")) == 1
    assert len(library.selected_ids(owner, query="is:archived")) == 1
    assert library.selected_ids(owner, tag="nothing") == []


def test_export_command_writes_the_file(owner, tmp_path):
    out = tmp_path / "library.epub"
    call_command("export", str(out), user="origin", format="epub", tag="sea", stderr=io.StringIO())
    book = zipfile.ZipFile(out)
    assert book.read("mimetype") == b"application/epub+zip"
    assert sum(1 for n in book.namelist() if "article-" in n) == 1


def test_the_summary_chosen_and_the_reading_state_survive_a_move_to_a_new_account(owner, client):
    harbour = Article.objects.for_user(owner).get(title="Harbour news")
    assert choose_summary(user=owner, article_id=harbour.pk, algorithm="luhn", sentences=3, default=("digest", 3))
    Article.objects.filter(pk=harbour.pk).update(archived_at=datetime(2024, 3, 3, tzinfo=UTC))
    data = exported(owner, "json")
    record = next(r for r in json.loads(data)["articles"] if r["title"] == "Harbour news")
    assert (record["summary_algorithm"], record["summary_sentences"]) == ("luhn", 3)
    shown = [s for s in record["summaries"] if s["shown"]]
    assert [[x["text"] for x in s["sentences"]] for s in shown] == [
        ["Boats can moor again.", "The fees stay the same."]
    ]
    assert record["notes"] == "> Boats can moor again.\n\nGood."

    fresh = get_user_model().objects.create_user("fresh")
    import_now(user=fresh, upload=ContentFile(data, name="d.json"), name="d.json")
    copy = Article.objects.for_user(fresh).prefetch_related("tags").get(title="Harbour news")
    assert (copy.summary_algorithm, copy.summary_sentences) == ("luhn", 3)
    assert summaries_to_show(fresh, [copy.pk])[copy.pk].sentence_texts == [
        "Boats can moor again.",
        "The fees stay the same.",
    ]
    assert copy.read_at == datetime(2024, 3, 2, tzinfo=UTC) and copy.archived_at == datetime(2024, 3, 3, tzinfo=UTC)
    assert copy.favourite and sorted(t.name for t in copy.tags.all()) == ["Local news", "sea"]
    assert copy.created_at == datetime(2024, 3, 1, 7, 59, 59, 123456, tzinfo=UTC)
    assert copy.notes == "> Boats can moor again.\n\nGood."
    client.force_login(fresh)
    page = client.get(reverse("reader:index") + "?show=archived").content.decode()
    assert "The fees stay the same." in page and "The harbour reopens on Monday." not in page
