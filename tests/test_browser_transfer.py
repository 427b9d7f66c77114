"""In a real browser: upload a Pocket zip and an Omnivore zip on the Import page, watch each progress bar
reach the end without a reload, and open an imported article with its summary and its highlights."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reader.models import Article
from tests.browser import chromium_browser
from tests.httpserver import HTTPTestServer
from tests.sample_pages import FERRY, FESTIVAL, LIBRARY
from tests.test_transfer_e2e import pocket_zip_for
from tests.transfer_samples import omnivore_zip

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages():
    with HTTPTestServer() as server:
        yield server


def upload_and_watch(page, live_server, name: str, data: bytes) -> list[str]:
    """Upload a file on the Import page and wait, on the same document, for its bar to reach the end;
    returns the progress polls the page made."""
    page.goto(f"{live_server.url}/import/")
    page.set_input_files("#import-file", files=[{"name": name, "mimeType": "application/zip", "buffer": data}])
    page.click(".import-form button[type=submit]")
    page.wait_for_selector("#import-progress")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/import/" in r.url else None)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.wait_for_selector('#import-progress[data-finished="true"]', timeout=120_000)
    assert page.evaluate("window.__sameDocument") is True
    bar = page.locator("#import-progress progress")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    return polls


def test_import_two_zips_and_read_an_imported_article(live_server, pages, celery_worker_process, screenshots_dir):
    get_user_model().objects.create_user("mo", password="pw-mo-123456")
    urls = [pages.add_file(f"/saved/{n}", p.source) for n, p in enumerate((FERRY, FESTIVAL, LIBRARY))]
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "mo")
        page.fill("#id_password", "pw-mo-123456")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        polls = upload_and_watch(page, live_server, "pocket.zip", pocket_zip_for(urls))
        assert polls, "the progress came through the page's poll"
        assert page.locator('[data-count="created"]').inner_text() == "3"
        assert page.locator('[data-count="fetched"]').inner_text() == "3"
        page.screenshot(path=str(screenshots_dir / "import-pocket-done.png"), full_page=True)

        upload_and_watch(page, live_server, "omnivore.zip", omnivore_zip())
        assert page.locator('[data-count="invalid"]').inner_text() == "1"
        assert page.locator("a.import-report").count() == 1

        bees = Article.objects.get(url="https://valley.example.org/beekeepers-good-year")
        page.goto(f"{live_server.url}/?show=all")
        page.get_by_role("link", name="Beekeepers count a good year").first.click()
        page.wait_for_url(f"**/articles/{bees.pk}/**")
        assert page.locator("ol.summary li").count() >= 1
        notes = page.locator("section.notes")
        assert "many hives producing twice the honey of last summer" in notes.locator("blockquote").first.inner_text()
        assert "Ask the association about the winter course." in notes.inner_text()
        page.screenshot(path=str(screenshots_dir / "imported-article-highlights.png"), full_page=True)
