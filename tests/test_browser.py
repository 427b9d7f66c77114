"""In a real browser: log in, paste two links, watch both summaries arrive, flip one to full text.

Screenshots go to a temporary folder; ``make screenshots`` writes them to docs/screenshots/.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reader.models import Article
from tests.browser import chromium_browser
from tests.httpserver import HTTPTestServer
from tests.sample_pages import FERRY, FESTIVAL

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def wait_for_htmx(page) -> None:
    """Wait until htmx has swapped, settled and wired up the content it last put in (as a person would)."""
    page.wait_for_function(
        "() => document.querySelectorAll('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added').length === 0"
    )
    page.wait_for_timeout(100)


@pytest.fixture
def pages():
    with HTTPTestServer() as server:
        yield server


def test_paste_two_links_and_toggle(live_server, pages, celery_worker_process, screenshots_dir):
    get_user_model().objects.create_user("ana", password="pw-ana-12345")
    first = pages.add_file(FERRY.path, FERRY.source)
    second = pages.add_file(FESTIVAL.path, FESTIVAL.source)

    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{live_server.url}/")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", "ana")
        page.fill("#id_password", "pw-ana-12345")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        polls: list[str] = []
        page.on(
            "request",
            lambda r: polls.append(r.url) if "/articles/updates/" in r.url else None,
        )
        page.evaluate("window.__sameDocument = true")  # gone if the page reloads
        page.fill("#id_urls", f"{first}\n{second}")
        page.click("#save-form button[type=submit]")
        page.wait_for_selector("article.row", state="attached")
        assert page.locator("article.row").count() == 2
        assert page.input_value("#id_urls") == ""  # the form is ready for the next paste

        # both summaries arrive through the single poll, without a reload
        page.wait_for_function(
            "() => document.querySelectorAll('article.row.status-ready ol.summary li').length >= 5",
            timeout=90_000,
        )
        assert page.evaluate("window.__sameDocument") is True
        assert polls, "updates came through the page poll"
        ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        row = page.locator(f"#article-{ids[0]}")
        assert "Ferry link" in row.locator("h2").inner_text()
        summary_text = row.locator("ol.summary").inner_text()

        row.get_by_role("link", name="Full text").click()
        row.locator(".full-text").wait_for()
        full_text = row.locator(".full-text").inner_text()
        assert FERRY.phrase in full_text
        assert row.locator("mark.summary-sentence").count() == 3  # the summary, marked in place
        page.screenshot(path=str(screenshots_dir / "list-full-text.png"), full_page=True)

        row.get_by_role("link", name="Summary").click()
        row.locator("ol.summary").wait_for()
        assert row.locator("ol.summary").inner_text() == summary_text
        assert page.evaluate("window.__sameDocument") is True
        # nothing is pending, so the page has stopped polling
        seen = len(polls)
        page.wait_for_timeout(4000)
        assert len(polls) == seen
        page.screenshot(path=str(screenshots_dir / "list-light.png"), full_page=True)

        # the article page in the dark scheme, as a phone shows it
        dark = browser.new_page(color_scheme="dark", viewport={"width": 390, "height": 844})
        dark.context.add_cookies(page.context.cookies())
        dark.goto(f"{live_server.url}/articles/{ids[0]}/")
        assert dark.locator("h1").inner_text().startswith("Ferry link")
        background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background != "rgb(255, 255, 255)" and background != "rgb(251, 251, 248)"
        dark.screenshot(path=str(screenshots_dir / "article-dark-phone.png"), full_page=True)


def test_switch_algorithm_and_jump_to_sentence(live_server, pages, celery_worker_process, screenshots_dir):
    from reader.pipeline.saving import save_urls
    from reader.pipeline.tasks import process_article

    user = get_user_model().objects.create_user("ben", password="pw-ben-12345")
    url = pages.add_file(FERRY.path, FERRY.source)
    article = save_urls(user=user, text=url).created[0]
    process_article(article.pk)

    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.goto(f"{live_server.url}/accounts/login/?next=/articles/{article.pk}/")
        page.fill("#id_username", "ben")
        page.fill("#id_password", "pw-ben-12345")
        page.click("button[type=submit]")
        page.wait_for_selector("ol.summary")
        assert page.locator("ol.summary li").count() == 3

        # another algorithm and length: computed by the worker, swapped in after a pending state
        page.select_option("select[name=sentences]", "2")
        page.wait_for_function("() => document.querySelectorAll('ol.summary li').length === 2", timeout=30_000)
        wait_for_htmx(page)
        page.select_option("select[name=algorithm]", "luhn")
        page.wait_for_function(
            "() => document.querySelector('.article-body .pending') === null && "
            "document.querySelector('select[name=algorithm]').value === 'luhn' && "
            "document.querySelector('.article-body').getAttribute('hx-get') === null && "
            "document.querySelectorAll('ol.summary li a[href*=luhn]').length === 2",
            timeout=30_000,
        )
        second = page.locator("ol.summary li").nth(1).inner_text()
        wait_for_htmx(page)

        # the choice is kept in the address: a reload shows the same summary and choice
        assert "algorithm=luhn" in page.url and "sentences=2" in page.url
        page.reload()
        page.wait_for_selector("ol.summary")
        assert page.locator("ol.summary li").nth(1).inner_text() == second
        assert page.locator("select[name=algorithm]").input_value() == "luhn"
        assert page.locator("select[name=sentences]").input_value() == "2"

        # clicking a summary sentence opens the full text at that sentence, marked
        page.locator("ol.summary li a").nth(1).click()
        mark = page.locator(f"#a{article.pk}-s2")
        mark.wait_for()
        assert mark.inner_text() == second
        assert page.locator("mark.summary-sentence").count() == 2
        box = mark.bounding_box()
        assert box is not None and 0 <= box["y"] <= 700  # scrolled into view
        assert page.url.endswith(
            f"view=full&algorithm=luhn&sentences=2#a{article.pk}-s2"
        )  # the sentence stays in the address
        page.screenshot(path=str(screenshots_dir / "article-full-text-marked.png"))

        # Back leaves the full text for the summary the person chose
        assert "view=full" in page.url
        page.go_back()
        page.wait_for_selector("ol.summary")
        assert page.locator("ol.summary li").nth(1).inner_text() == second
