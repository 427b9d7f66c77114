"""The import job: a file's entries stored in batches into a person's library, deduplicated, dated and
tagged as the file says; the rows not imported reported with their reasons; its articles fed to the
fetch worker a window at a time; and ``manage.py import`` with its JSON Lines and exit statuses."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from reader.models import Article, FetchedPage, ImportJob, ImportProblem, Tag
from reader.pipeline import importing, steps, sweep, tasks
from reader.pipeline.saving import import_now
from tests.factories import make_article
from tests.transfer_samples import IMPORTS, corrupt_pocket_zip, omnivore_zip, png, pocket_zip

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture
def user():
    return get_user_model().objects.create_user("mover")


def run(user, data: bytes, name: str = "export", **options) -> ImportJob:
    return import_now(user=user, upload=ContentFile(data, name=name), name=name, **options)


def fixture(name: str) -> bytes:
    return (IMPORTS / name).read_bytes()


def articles(user) -> dict[str, Article]:
    return {a.url: a for a in Article.objects.for_user(user).prefetch_related("tags")}


def tags(article: Article) -> list[str]:
    return sorted(t.name for t in article.tags.all())


@pytest.mark.parametrize(
    ("name", "created", "invalid", "skipped"),
    [
        ("pocket-2024.csv", 3, 0, 0),
        ("pocket-2025.csv", 2, 1, 0),
        ("ril_export.html", 3, 0, 0),
        ("instapaper.csv", 4, 0, 0),
        ("instapaper-old.csv", 2, 0, 0),
        ("netscape.html", 5, 1, 0),
        ("wallabag.json", 2, 0, 0),
        ("readwise.csv", 3, 0, 1),
        ("karakeep.json", 2, 1, 0),
        ("linkwarden.json", 2, 0, 0),
        ("chrome-bookmarks.json", 2, 0, 0),
        ("firefox-bookmarks.json", 2, 0, 1),
        ("urls.txt", 2, 1, 0),
    ],
)
def test_each_format_lands_in_the_library(user, name, created, invalid, skipped):
    job = run(user, fixture(name), name)
    assert (job.created, job.invalid, job.skipped) == (created, invalid, skipped), job.error
    assert job.state == ImportJob.State.QUEUEING and not job.file
    assert Article.objects.for_user(user).count() == created
    assert job.problems.filter(kind="invalid").count() == invalid


def test_dates_states_and_tags_come_from_the_file(user):
    run(user, fixture("pocket-2024.csv"))
    found = articles(user)
    tides = found["https://tides.example.org/wenlow"]
    assert tides.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert tags(tides) == ["maps", "sea"] and tides.read_at is None and tides.status == Status.QUEUED
    quiet = found["https://harbour.example.com/quiet?utm_source=pocket"]
    assert quiet.read_at == quiet.archived_at == quiet.created_at and quiet.title == 'A "quiet" harbour, at last'
    assert found["https://bare.example.net/page"].title == ""  # fetched for its title
    assert list(Article.objects.for_user(user).values_list("url", flat=True))[0] == "https://bare.example.net/page"


def test_a_second_import_creates_nothing_and_the_report_says_already_saved(user):
    first = run(user, fixture("instapaper.csv"))
    second = run(user, fixture("instapaper.csv"))
    assert (second.created, second.existing) == (0, first.created)
    assert Article.objects.for_user(user).count() == first.created
    problem = second.problems.get(position="line 2")
    assert (problem.kind, problem.reason, problem.position) == ("existing", "Already saved.", "line 2")


def test_an_existing_article_gains_the_tags_and_keeps_the_earliest_date(user):
    mine = make_article(
        user,
        "Mine",
        url="https://tides.example.org/wenlow/",
        canonical_url="https://tides.example.org/wenlow",
        tags=["kept"],
    )
    older = make_article(user, "Older", url="https://harbour.example.com/quiet")
    Article.objects.filter(pk=older.pk).update(created_at=datetime(2000, 1, 1, tzinfo=UTC))
    run(user, fixture("pocket-2024.csv"))
    mine.refresh_from_db()
    assert tags(mine) == ["kept", "maps", "sea"] and mine.title == "Mine" and mine.status == Status.READY
    assert mine.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # the file's date is earlier
    assert Article.objects.get(pk=older.pk).created_at == datetime(2000, 1, 1, tzinfo=UTC)  # this one's is not


def test_a_link_listed_twice_in_one_file_is_one_article_with_both_tags(user):
    data = b"url,title,tags\nhttps://twice.example.org/a,First,one\nhttps://twice.example.org/a/,Again,two\n"
    job = run(user, data)
    assert (job.created, job.existing) == (1, 1)
    article = Article.objects.for_user(user).get()
    assert tags(article) == ["one", "two"] and article.title == "First"
    assert "more than once" in job.problems.get().reason


def test_tags_are_matched_to_the_persons_tags_case_insensitively(user):
    Tag.objects.create(owner=user, name="Sea")
    run(user, fixture("pocket-2024.csv"))
    assert sorted(Tag.objects.filter(owner=user).values_list("name", flat=True)) == ["Sea", "maps"]


def test_folders_become_tags_when_asked(user):
    run(user, fixture("netscape.html"), folders_as_tags=True)
    assert tags(articles(user)["https://soup.example.org/rolls"]) == ["Baking", "bread"]


def test_omnivore_pages_are_summarized_without_a_fetch_and_keep_their_highlights(user):
    job = run(user, omnivore_zip(), "omnivore.zip")
    assert (job.format, job.created, job.invalid) == ("omnivore_zip", 3, 1)
    assert "newsletter" in job.problems.get(kind="invalid").reason
    found = articles(user)
    bees = found["https://valley.example.org/beekeepers-good-year"]
    assert bees.captured and FetchedPage.objects.filter(article=bees).exists()
    assert bees.notes.startswith("Hives in the Lune valley doubled their honey.\n\n> many hives")
    assert not found["https://valley.example.org/orchard-grants"].captured  # no page in the file: fetched
    letter = found["https://omnivore.app/no_url?q=7b0c1e7e-0000-4000-8000-000000000003"]
    assert letter.captured and letter.tags.get().name == "newsletter"  # summarized in the e2e test
    assert steps.process_article(bees.pk) is None  # the host does not resolve here: no fetch happened
    bees.refresh_from_db()
    assert bees.status == Status.READY, bees.error
    assert bees.summaries.get().status == "ready" and bees.notes == found[bees.url].notes
    assert bees.authors == ["Mara Ellis"] and bees.published_at == datetime(2024, 5, 30, 6, tzinfo=UTC)


def test_wallabag_content_is_the_page_and_annotations_the_notes(user):
    run(user, fixture("wallabag.json"))
    ridge = articles(user)["https://hills.example.org/ridge-walks"]
    assert ridge.captured and ridge.notes == "> the best walk in the county\n\nDo this in May."
    steps.process_article(ridge.pk)
    ridge.refresh_from_db()
    assert ridge.status == Status.READY and "drovers' road" in ridge.text and ridge.archived_at is not None


def test_a_broken_file_keeps_what_was_good_and_names_where_it_broke(user):
    data = fixture("wallabag.json")
    job = run(user, data[: data.index(b'"title": "Lake swimming rules"')])
    assert job.created == 1 and job.state == ImportJob.State.QUEUEING
    assert "breaks after entry 1" in job.problems.get(kind="invalid").reason


def test_a_file_that_cannot_be_read_fails_the_job_with_a_reason(user):
    job = run(user, b"<html><p>nothing</p></html>", "page.html")
    assert job.state == ImportJob.State.FAILED and "could not tell" in job.error and not job.file


def test_a_zip_that_breaks_while_read_ends_the_job_with_the_rows_before_it(user):
    # The damaged member used to raise out of the job, which then stayed "reading" for ever.
    job = run(user, corrupt_pocket_zip(), "pocket.zip")
    assert job.state == ImportJob.State.QUEUEING and job.created > 1000
    assert "The file breaks after entry" in job.problems.get(position="end of file").reason


@override_settings(DIGEST_IMPORT_MAX_ENTRIES=2)
def test_past_the_entry_limit_the_rest_is_not_imported_and_the_report_says_so(user):
    job = run(user, fixture("instapaper.csv"))
    assert job.created == 2 and "more than 2 entries" in job.problems.get().reason


@override_settings(DIGEST_IMPORT_MAX_BYTES=10)
def test_a_file_over_the_size_limit_is_refused(user):
    with pytest.raises(importing.ImportTooLarge, match="limit"):
        run(user, fixture("pocket-2024.csv"))
    assert not ImportJob.objects.exists()


def test_reading_resumes_where_it_stopped_and_a_second_chain_does_nothing(user, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 2)
    job = importing.create_job(user=user, upload=ContentFile(fixture("instapaper.csv"), name="i.csv"), name="i.csv")
    assert importing.read_import(job.pk, token="a", seconds=0) is True
    assert ImportJob.objects.get(pk=job.pk).position == 2
    assert importing.read_import(job.pk, token="b", seconds=0) is False  # "a" holds it
    assert importing.read_import(job.pk, token="a") is False
    job.refresh_from_db()
    assert (job.position, job.created, job.state) == (4, 4, ImportJob.State.QUEUEING)


@override_settings(DIGEST_IMPORT_IN_FLIGHT=2)
def test_the_feed_sends_a_window_newest_first_and_the_sweep_leaves_the_rest_alone(user):
    job = run(user, fixture("instapaper.csv"))
    Article.objects.filter(import_job=job).update(status_changed_at=timezone.now() - timedelta(hours=1))
    assert sweep.sweep_stuck_articles() == sweep.Resend()  # not lost: waiting for the feed
    token = job.token  # the chain that read the file feeds it
    ids, again = importing.feed(job.pk, token=token)
    newest = list(Article.objects.filter(import_job=job).order_by("-created_at").values_list("pk", flat=True))
    assert ids == newest[:2] and again == importing.FEED_INTERVAL
    assert importing.feed(job.pk, token="another") == ([], None)  # one chain at a time
    assert importing.feed(job.pk, token=token)[0] == []  # two in flight
    Article.objects.filter(pk__in=ids).update(status=Status.READY)
    ids, again = importing.feed(job.pk, token=token)
    assert ids == newest[2:] and again is None
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.DONE


def test_a_job_whose_messages_were_lost_is_started_again_by_the_sweep(user):
    job = importing.create_job(user=user, upload=ContentFile(b"https://a.example.org/\n", name="u.txt"), name="u.txt")
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert importing.stalled_jobs() == [(job.pk, "waiting")]
    assert importing.claim(job.pk, "live", [ImportJob.State.WAITING], 60)
    assert importing.stalled_jobs() == []


def test_import_command_prints_json_lines_and_exits_1_for_invalid_entries(user, tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import", str(IMPORTS / "pocket-2025.csv"), user="mover", json=True, stdout=out)
    assert failed.value.returncode == 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line.get("status") for line in lines[:3]] == ["created", "created", "invalid"]
    assert lines[0]["id"] == Article.objects.get(url="https://rail.example.org/night-trains").pk
    assert "ftp" in lines[2]["reason"] and lines[2]["id"] is None
    assert lines[3]["summary"] and (lines[3]["created"], lines[3]["invalid"], lines[3]["format"]) == (
        2,
        1,
        "pocket_csv",
    )
    again = io.StringIO()
    call_command("import", str(IMPORTS / "pocket-2024.csv"), user="mover", json=True, stdout=again)
    assert json.loads(again.getvalue().splitlines()[-1])["created"] == 3  # exit 0: no CommandError


def test_import_command_exits_2_when_the_file_cannot_be_read(user, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("nothing to see\n")
    image = tmp_path / "photo.png"
    image.write_bytes(png())
    for path in (bad, tmp_path / "missing.csv", image):
        with pytest.raises(CommandError) as failed:
            call_command("import", str(path), user="mover", stdout=io.StringIO())
        assert failed.value.returncode == 2
    assert "it is a PNG image" in str(failed.value)
    assert not ImportProblem.objects.exists()


def test_pocket_zip_imports_every_part(user):
    job = run(user, pocket_zip(), "pocket.zip")
    assert (job.format, job.created) == ("pocket_zip", 3)
    assert tags(articles(user)["https://fest.example.org/orchard"]) == ["autumn", "food"]


def test_the_sweep_starts_a_stalled_import_again_on_a_new_chain(user, monkeypatch):
    job = run(user, fixture("urls.txt"))
    ImportJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    sent = []
    monkeypatch.setattr(tasks, "_send", lambda task, args, countdown, queue=None: sent.append((task.name, args)))
    tasks.sweep_articles()
    assert [(name, args[0]) for name, args in sent] == [("reader.tasks.feed_import", job.pk)]
    assert sent[0][1][1] != job.token  # a new chain: the old one, if alive, stops at its next run


def test_a_link_waiting_for_its_sites_turn_goes_back_to_the_import_queue(monkeypatch):
    sent = []
    monkeypatch.setattr(
        tasks, "enqueue", lambda ids, countdown=None, unsent=None, queue=None: sent.append((ids, queue))
    )
    tasks._send_next(7, steps.Next(steps.FETCH, 5.0), queue="digest-import")
    assert sent == [([7], "digest-import")]
