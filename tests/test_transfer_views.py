"""The Import page (upload, limits, progress, report) and the Export menus, as a person uses them;
another person's imports and articles stay out of reach."""

from __future__ import annotations

import csv
import email.message
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from reader.models import Article, ImportJob
from reader.pipeline.saving import import_now
from tests.factories import add_summary, make_article
from tests.transfer_samples import IMPORTS, pdf, png, pocket_zip, random_gzip

pytestmark = pytest.mark.django_db


def test_import_page_says_the_limits_and_formats(client, alice):
    page = client.get(reverse("reader:import")).content.decode()
    assert "Up to 200 MB and 100000 entries" in page and "Omnivore export zip" in page
    assert 'href="/import/"' in client.get(reverse("reader:index")).content.decode()


def test_uploading_a_file_starts_an_import_and_shows_its_page(client, alice):
    upload = SimpleUploadedFile("pocket.zip", pocket_zip(), content_type="application/zip")
    response = client.post(reverse("reader:import"), {"file": upload, "folders_as_tags": "1"})
    job = ImportJob.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == reverse("reader:import-detail", args=[job.pk])
    assert job.state == ImportJob.State.WAITING and job.file and job.folders_as_tags and job.size > 0
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in page and 'hx-trigger="every 2.0s"' in page and "<progress" in page
    assert "pocket.zip" in client.get(reverse("reader:import")).content.decode()


@override_settings(DIGEST_IMPORT_MAX_BYTES=100)
def test_a_file_over_the_limit_is_refused_on_the_form(client, alice):
    upload = SimpleUploadedFile("big.csv", b"x" * 200)
    response = client.post(reverse("reader:import"), {"file": upload})
    assert response.status_code == 400 and "the limit is 0.0 MB" in response.content.decode()
    response = client.post(reverse("reader:import"), {})
    assert response.status_code == 400 and "Choose a file" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "named"),
    [
        ("photo.png", png(), "a PNG image"),
        ("paper.pdf", pdf(), "a PDF document"),
        ("x.gz", random_gzip(), "a gzip-compressed file"),
    ],
    ids=["png", "pdf", "gzip"],
)
@pytest.mark.parametrize("format", ["", "url_list"])
def test_a_binary_file_is_refused_on_the_form_saying_what_it_is(client, alice, name, data, named, format):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    response = client.post(reverse("reader:import"), {"file": upload, "format": format})
    page = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in page
    assert f"This file is not a format Digest can import: it is {named}" in page
    assert not ImportJob.objects.exists()  # no job to sit "waiting for a worker"


def test_progress_counts_and_the_report_of_rows_not_imported(client, alice):
    make_article(alice, "Mine", url="https://rail.example.org/night-trains")
    data = (IMPORTS / "pocket-2025.csv").read_bytes()
    job = import_now(user=alice, upload=ContentFile(data, name="p.csv"), name="p.csv")
    Article.objects.filter(import_job=job).update(status=Article.Status.READY)
    response = client.get(reverse("reader:import-detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # finished: htmx stops polling
    page = response.content.decode()
    assert 'data-count="read">3<' in page and 'data-count="created">1<' in page
    assert 'data-count="existing">1<' in page and 'data-count="invalid">1<' in page
    assert 'data-count="fetched">1<' in page and 'value="1"' in page and "hx-trigger" not in page
    report = client.get(reverse("reader:import-report", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert rows[0] == ["position", "outcome", "url", "title", "reason", "article"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("line 2", "Already saved"), ("line 5", "Invalid")]
    assert "ftp" in rows[2][4]


def test_the_report_never_hands_a_spreadsheet_a_formula(client, alice):
    data = b'url,title\n"=HYPERLINK(""http://evil.example/"",""x"")",=1+2\n'
    job = import_now(user=alice, upload=ContentFile(data, name="c.csv"), name="c.csv")
    report = b"".join(client.get(reverse("reader:import-report", args=[job.pk])).streaming_content).decode()
    row = list(csv.reader(io.StringIO(report)))[1]
    assert row[2].startswith("'=HYPERLINK") and row[3] == "'=1+2"


def test_another_persons_import_is_not_found(client, alice, bob):
    job = import_now(user=bob, upload=ContentFile(b"https://a.example.org/\n", name="u.txt"), name="u.txt")
    assert client.get(reverse("reader:import-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("reader:import-report", args=[job.pk])).status_code == 404


def test_the_list_export_menu_downloads_what_the_list_shows(client, alice, bob):
    make_article(alice, "Tagged one", tags=["sea"])
    make_article(alice, "Other one")
    make_article(bob, "Not mine", tags=["sea"])
    page = client.get(reverse("reader:index") + "?tag=sea").content.decode()
    assert "/export/?format=epub&amp;tag=sea" in page
    response = client.get(reverse("reader:export") + "?format=csv&tag=sea")
    assert response["Content-Disposition"].startswith('attachment; filename="digest-sea-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["title"] for r in rows] == ["Tagged one"]
    everything = b"".join(client.get(reverse("reader:export") + "?format=html").streaming_content).decode()
    assert "Tagged one" in everything and "Other one" in everything and "Not mine" not in everything
    assert client.get(reverse("reader:export") + "?format=pdf").status_code == 404


def test_an_article_exports_as_epub_markdown_and_text(client, alice, bob):
    article = make_article(alice, "Ferries", text="The ferry runs every hour.\nTickets are cheaper now.")
    add_summary(article, ["The ferry runs every hour."])
    epub = client.get(reverse("reader:article-export", args=[article.pk, "epub"]))
    assert epub["Content-Type"] == "application/epub+zip" and 'filename="ferries.epub"' in epub["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(epub.content)).read("mimetype") == b"application/epub+zip"
    markdown = client.get(reverse("reader:article-export", args=[article.pk, "md"])).content.decode()
    assert markdown.startswith("---\ntitle: Ferries\n") and "- The ferry runs every hour." in markdown
    assert (
        "Tickets are cheaper now."
        in client.get(reverse("reader:article-export", args=[article.pk, "txt"])).content.decode()
    )
    theirs = make_article(bob, "Theirs")
    assert client.get(reverse("reader:article-export", args=[theirs.pk, "epub"])).status_code == 404
    assert client.get(reverse("reader:article-export", args=[article.pk, "pdf"])).status_code == 404


def download_name(response) -> str:
    """The file name a browser saves a download under (RFC 6266: ``filename*`` wins over ``filename``)."""
    message = email.message.Message()
    message["Content-Disposition"] = response["Content-Disposition"]
    assert message.get_content_disposition() == "attachment"
    name = message.get_filename()
    assert name is not None
    return name


@pytest.mark.parametrize(
    ("format", "extension"), [("json", "json"), ("html", "html"), ("csv", "csv"), ("markdown", "zip"), ("epub", "epub")]
)
def test_a_whole_library_export_is_named_by_the_day(client, alice, format, extension):
    make_article(alice, "Anything")
    today = timezone.localdate().isoformat()
    response = client.get(reverse("reader:export") + f"?format={format}")
    assert download_name(response) == f"digest-export-{today}.{extension}"
    tagged = client.get(reverse("reader:export") + f"?format={format}&tag=Café Noir")
    assert download_name(tagged) == f"digest-café-noir-{today}.{extension}"


@pytest.mark.parametrize("format", ["epub", "md", "txt"])
def test_one_article_downloads_under_its_title_in_any_script(client, alice, format):
    article = make_article(alice, "Ça va: Zürich & 東京の夜 / part 2?", text="Some text here.")
    response = client.get(reverse("reader:article-export", args=[article.pk, format]))
    assert download_name(response) == f"ça-va-zürich-東京の夜-part-2.{format}"
    plain = make_article(alice, "Ferries, at last!", text="Some text here.")
    response = client.get(reverse("reader:article-export", args=[plain.pk, format]))
    assert response["Content-Disposition"] == f'attachment; filename="ferries-at-last.{format}"'


def test_the_article_page_shows_highlights_with_their_markup_escaped(client, alice):
    article = make_article(alice, "Bees", notes="> twice the honey\n\nAsk about **courses**. <script>x()</script>")
    page = client.get(reverse("reader:article-detail", args=[article.pk])).content.decode()
    assert "<blockquote>\n<p>twice the honey</p>\n</blockquote>" in page and "<strong>courses</strong>" in page
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page
    assert reverse("reader:article-export", args=[article.pk, "epub"]) in page
