"""Lead images are Digest's own copies: downloaded once by the fetch worker, within a size cap and
only as a raster image, and served to the article's owner, so opening an article never makes the
reader's browser ask the publisher for anything (before, ``og:image`` was hot-linked from any
address). Pages and images come from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from reader.models import Article, LeadImage
from reader.pipeline import saving, steps, tasks
from tests.sample_pages import FERRY

pytestmark = pytest.mark.django_db


def _png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    noise = random.Random(width * height)  # pixels that do not compress, so the size is about 3 bytes each
    rows = b"".join(b"\x00" + noise.randbytes(3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def images_on(settings):
    settings.DIGEST_LEAD_IMAGES = True


def _page_with_image(http_server, image_url: str) -> str:
    page = FERRY.read_bytes().replace(b"https://harbourtimes.example.com/img/grey-heron.jpg", image_url.encode())
    return http_server.add(FERRY.path, page, headers={"Content-Type": "text/html"})


def _saved(user, url: str) -> Article:
    article = saving.save_urls(user=user, text=url).created[0]
    tasks.process_article(article.pk)  # the whole pipeline in this process, image included
    article.refresh_from_db()
    assert article.status == Article.Status.READY, article.error
    return article


def test_the_lead_image_is_downloaded_and_served_by_digest(client, alice, bob, http_server, images_on):
    png = _png()
    image_url = http_server.add("/img/heron.bin", png, headers={"Content-Type": "application/octet-stream"})
    article = _saved(alice, _page_with_image(http_server, image_url))
    page = client.get(reverse("reader:article-detail", args=[article.pk])).content.decode()
    own = reverse("reader:article-image", args=[article.pk])
    assert f'src="{own}"' in page and image_url not in page and "harbourtimes" not in page
    response = client.get(own)
    assert response.status_code == 200 and response.content == png
    assert response["Content-Type"] == "image/png"  # what the bytes are, not what the site said
    assert (
        response["X-Content-Type-Options"] == "nosniff" and "default-src 'none'" in response["Content-Security-Policy"]
    )
    asked = [r.path for r in http_server.requests]
    assert asked.count("/img/heron.bin") == 1  # downloaded once; reading never asks the site
    client.force_login(bob)
    assert client.get(own).status_code == 404  # someone else's article


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/svg+xml"),
        (b"<html><body>not an image</body></html>", "image/png"),
        (None, "image/png"),  # over the size cap
    ],
    ids=["svg", "html-labelled-png", "too-large"],
)
def test_what_is_not_a_small_raster_image_is_not_kept(
    client, alice, http_server, images_on, settings, body, content_type
):
    settings.DIGEST_IMAGE_MAX_BYTES = 10_000
    image_url = http_server.add(
        "/img/x", body if body is not None else _png(200, 200), headers={"Content-Type": content_type}
    )
    article = _saved(alice, _page_with_image(http_server, image_url))
    assert article.top_image == image_url and not LeadImage.objects.filter(article=article).exists()
    page = client.get(reverse("reader:article-detail", args=[article.pk])).content.decode()
    assert "lead-image" not in page and image_url not in page
    assert client.get(reverse("reader:article-image", args=[article.pk])).status_code == 404


def test_in_a_worker_the_image_is_its_own_step_on_the_fetch_queue(alice, http_server, images_on, monkeypatch):
    sent = []

    def send(task, args, countdown):
        sent.append(task.name)
        return True

    monkeypatch.setattr(tasks, "_send", send)
    monkeypatch.setattr(tasks, "_limiter", lambda: None)
    image_url = http_server.add("/img/heron.png", _png(), headers={"Content-Type": "image/png"})
    article = saving.save_urls(user=alice, text=_page_with_image(http_server, image_url)).created[0]
    tasks.process_article.apply((article.pk,))
    tasks.extract_article.apply((article.pk,))
    assert sent == ["reader.tasks.extract_article", "reader.tasks.fetch_lead_image"]
    assert not LeadImage.objects.filter(article=article).exists()  # not in the CPU worker
    tasks.fetch_lead_image.apply((article.pk,))
    assert LeadImage.objects.get(article=article).size == len(_png())
    tasks.fetch_lead_image.apply((article.pk,))  # twice: nothing more
    assert [r.path for r in http_server.requests].count("/img/heron.png") == 1
    assert (
        django_settings.CELERY_TASK_ROUTES["reader.tasks.fetch_lead_image"]["queue"]
        == django_settings.DIGEST_FETCH_QUEUE
    )


def test_without_lead_images_nothing_is_downloaded(alice, http_server, settings):
    settings.DIGEST_LEAD_IMAGES = False
    image_url = http_server.add("/img/heron.png", _png(), headers={"Content-Type": "image/png"})
    article = _saved(alice, _page_with_image(http_server, image_url))
    assert steps.extract_article(article.pk) is None
    assert "/img/heron.png" not in [r.path for r in http_server.requests]


@pytest.mark.django_db(transaction=True)  # the command downloads in threads of its own
def test_articles_saved_before_lead_images_get_theirs_from_the_command(client, alice, bob, http_server, settings):
    settings.DIGEST_LEAD_IMAGES = False  # saved by a Digest that kept no copies
    png = _png()
    pages = []
    for n, image_path in enumerate(["/img/a.png", "/img/gone.png", "/img/b.png"]):
        image_url = http_server.url(image_path)
        if image_path != "/img/gone.png":
            http_server.add(image_path, png, headers={"Content-Type": "image/png"})
        page = FERRY.read_bytes().replace(b"https://harbourtimes.example.com/img/grey-heron.jpg", image_url.encode())
        pages.append(http_server.add(f"/story-{n}", page, headers={"Content-Type": "text/html"}))
    mine = [_saved(alice, url) for url in pages]
    theirs = _saved(bob, pages[0])
    assert not LeadImage.objects.exists()

    settings.DIGEST_LEAD_IMAGES = True
    out = io.StringIO()
    call_command("fetch_lead_images", "--user", "alice", "--sites", "2", stdout=out)
    assert "3 article(s) without a stored lead image" in out.getvalue()
    assert "Stored 2 lead image(s); 1 could not be had" in out.getvalue()
    assert set(LeadImage.objects.values_list("article_id", flat=True)) == {mine[0].pk, mine[2].pk}
    page = client.get(reverse("reader:article-detail", args=[mine[0].pk])).content.decode()
    assert f'src="{reverse("reader:article-image", args=[mine[0].pk])}"' in page
    assert client.get(reverse("reader:article-image", args=[mine[0].pk])).content == png
    assert not LeadImage.objects.filter(article=theirs).exists()  # --user: alice's only

    again = io.StringIO()
    call_command("fetch_lead_images", "--user", "alice", stdout=again)  # safe to run twice
    assert "Stored 0 lead image(s); 1 could not be had" in again.getvalue()
    assert [r.path for r in http_server.requests].count("/img/a.png") == 1


def test_the_command_says_when_lead_images_are_off(alice, settings):
    settings.DIGEST_LEAD_IMAGES = False
    with pytest.raises(CommandError, match="Lead images are off"):
        call_command("fetch_lead_images")
