"""In a real browser: the bookmarklet saves a page that has a strict Content-Security-Policy, by its link
and as the person sees it (a paywalled page whose full text only the signed-in reader gets), and
Share → Digest saves a link through the web app manifest's share target.

The loopback site below plays a news site with a metered paywall: a reader with the subscriber cookie
gets the whole article, anyone else (Digest's fetcher) a teaser marked as paid content.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlencode

import pytest
from django.contrib.auth import get_user_model

from reader.models import Article
from tests.browser import chromium_browser

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STRICT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
TEASER = "The harbour board voted on Friday to back a new ferry link between the two islands."
PAID = [
    "Subscribers learn that the crossing will run every forty minutes from the spring of next year.",
    "The board expects the service to carry about nine hundred passengers on a busy summer day.",
    "Fishermen at the northern quay asked for a later last sailing so that evening catches reach the market.",
    "The councillors agreed to review the timetable after the first season and to publish the figures.",
    "A second vessel will be leased from the mainland operator while the new boat is being built.",
]


def story_html(path: str, subscriber: bool) -> bytes:
    """The story as the site sends it: schema.org paywall markup naming the paid section, which holds the
    whole text for a subscriber and only a prompt for anyone else."""
    paid = (
        "".join(f"<p>{sentence} {sentence}</p>" for sentence in PAID * 3)
        if subscriber
        else ("<p>Subscribe to read the rest of this article.</p>")
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour board backs ferry link</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Harbour board backs ferry link", "isAccessibleForFree": "False",
 "hasPart": {{"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".paid"}}}}</script>
</head><body><article><h1>Harbour board backs ferry link</h1><p>{TEASER} {TEASER}</p>
<div class="paid">{paid}</div></article><p class="path">{path}</p></body></html>""".encode()


class PaywalledSite:
    """A loopback HTTP server for the story pages (any path), with a strict CSP on every page."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                subscriber = "subscriber=1" in (self.headers.get("Cookie") or "")
                body = story_html(self.path, subscriber)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", STRICT_CSP)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site():
    server = PaywalledSite()
    yield server
    server.stop()


def wait_final(pk: int, page, timeout_s: float = 90.0) -> Article:
    """Wait (in the browser's event loop, so the popup keeps running) until the worker is done with ``pk``."""
    for _ in range(int(timeout_s / 0.25)):
        article = Article.objects.get(pk=pk)
        if not article.is_pending:
            return article
        page.wait_for_timeout(250)
    raise AssertionError(f"article {pk} still {Article.objects.get(pk=pk).status}")


def sign_in(page, live_server, name: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def run_bookmarklet(page, code: str):
    """Click the bookmarklet: run its ``javascript:`` source in the page, as the browser does for a
    bookmark (a bookmarklet is not subject to the page's CSP; what it does is), and return its window."""
    assert code.startswith("javascript:")
    with page.expect_popup() as popup:
        page.evaluate("() => {" + unquote(code[len("javascript:") :]) + "}")
    window = popup.value
    window.wait_for_selector("#save-result:not([hidden])", timeout=30_000)
    return window


def test_the_bookmarklet_saves_a_strict_csp_page_by_link_and_as_seen(
    live_server, celery_worker_process, site, screenshots_dir
):
    get_user_model().objects.create_user("pia", password="pw-pia-12345")
    with chromium_browser() as browser:
        context = browser.new_context()
        context.add_cookies([{"name": "subscriber", "value": "1", "url": site.base}])
        page = context.new_page()
        sign_in(page, live_server, "pia", "pw-pia-12345")
        page.goto(f"{live_server.url}/preferences/")
        page.click("#bookmarklet button[value=renew]")
        link = page.locator("#bookmarklet-link")
        plain = link.get_attribute("href")
        page.check("#bookmarklet-capture")  # "Save the page as I see it" switches the button
        capture = link.get_attribute("href")
        assert link.inner_text() == "Save to Digest (as I see it)" and plain != capture
        page.screenshot(path=str(screenshots_dir / "preferences-bookmarklet.png"), full_page=True)

        # The story page's CSP refuses any request to Digest from the page itself.
        page.goto(f"{site.base}/news/ferry-link")
        assert PAID[0] in page.content()
        blocked = page.evaluate(
            "(url) => fetch(url).then(() => 'sent', () => 'blocked')", f"{live_server.url}/api/version"
        )
        assert blocked == "blocked"

        # By its link: Digest fetches the page itself and gets the teaser.
        window = run_bookmarklet(page, plain)
        status = window.locator("#save-status").inner_text()
        assert status.startswith("Saved: ") and "as you saw it" not in status
        article_url = window.locator("#save-link").get_attribute("href")
        pk = int(article_url.rstrip("/").rsplit("/", 1)[1])
        assert window.url == f"{live_server.url}/save/"  # the token left the address bar at once
        window.close()
        fetched = wait_final(pk, page)
        assert (fetched.status, fetched.captured, fetched.paywalled) == ("ready", False, True)
        assert PAID[0] not in fetched.text

        # As the person sees it: the page's HTML goes to Digest's window, which saves it; no fetch.
        page.goto(f"{site.base}/news/ferry-link-full")
        window = run_bookmarklet(page, capture)
        status = window.locator("#save-status").inner_text()
        assert "the page as you saw it" in status, status
        window.screenshot(path=str(screenshots_dir / "bookmarklet-saved.png"))
        link_to_article = window.locator("#save-link").get_attribute("href")
        pk = int(link_to_article.rstrip("/").rsplit("/", 1)[1])
        captured = wait_final(pk, page)
        assert (captured.status, captured.captured, captured.paywalled) == ("ready", True, False)
        assert all(sentence in captured.text for sentence in PAID)
        page.goto(link_to_article)
        assert "Saved as you saw it" in page.locator(".meta").first.inner_text()
        assert Article.objects.count() == 2


def test_share_to_digest_through_the_manifests_share_target(live_server, site):
    get_user_model().objects.create_user("sol", password="pw-sol-12345")
    with chromium_browser() as browser:
        page = browser.new_page()
        sign_in(page, live_server, "sol", "pw-sol-12345")
        # Chromium reads the manifest the page links to, without errors.
        cdp = page.context.new_cdp_session(page)
        parsed = cdp.send("Page.getAppManifest")
        assert parsed["url"] == f"{live_server.url}/manifest.webmanifest" and parsed["errors"] == []
        manifest = page.request.get(parsed["url"]).json()
        target = manifest["share_target"]
        # What a phone opens for Share → Digest: the action with the shared fields in its parameters.
        shared = {"title": "Ferry link", "text": "Worth a read", "url": f"{site.base}/news/shared"}
        query = urlencode({target["params"][key]: value for key, value in shared.items()})
        page.goto(f"{live_server.url}{target['action']}?{query}")
        saved = page.locator("[data-saved]")
        assert saved.inner_text().startswith("Saved: ")
        article = Article.objects.get(pk=int(saved.get_attribute("data-saved")))
        assert (article.url, article.owner.username) == (shared["url"], "sol")
        page.click("text=Open it")
        page.wait_for_url(f"{live_server.url}/articles/{article.pk}/")
