"""The reading list in a real browser: search as you type, archive with undo, keyboard, the reader view.

Articles are written straight into the database (ready, with text and a summary), so these tests
need no worker; the browser talks to ``live_server``. Screenshots go to a temporary folder;
``make screenshots`` writes them to docs/screenshots/.
"""

from __future__ import annotations

import pytest

from reader.models import Article, ReaderPreferences
from reader.services import organize
from tests.browser import chromium_browser
from tests.test_browser import wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, next_path: str = "/") -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", "cara")
    page.fill("#id_password", "pw-cara-12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def test_search_as_you_type(live_server, reader_user, screenshots_dir):
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        log_in(page, live_server.url)
        assert page.locator("article.row").count() == 4
        page.evaluate("window.__sameDocument = true")
        page.locator("#q").press_sequentially("glacie", delay=60)
        page.wait_for_function("() => document.querySelectorAll('article.row').length === 1")
        wait_for_htmx(page)
        row = page.locator("article.row")
        assert "Glaciers in the Alps" in row.locator("h2").inner_text()
        marks = row.locator(".snippet mark").all_inner_texts()
        assert marks and all(m.lower().startswith("glacie") for m in marks)  # the match, highlighted
        assert "q=glacie" in page.url  # the address can be shared and reloaded
        assert page.evaluate("window.__sameDocument") is True
        assert "1 result" in page.locator(".filters").inner_text()

        # filters typed in the box combine with the words
        page.fill("#q", "science is:favourite")
        page.locator("#q").dispatch_event("input")
        page.wait_for_selector("#empty-list")
        wait_for_htmx(page)
        page.fill("#q", "science tag:climate")
        page.locator("#q").dispatch_event("input")
        page.wait_for_function(
            "() => document.querySelectorAll('article.row').length === 1 && !document.querySelector('#empty-list:not([hidden])')"
        )
        assert "Glaciers" in page.locator("article.row h2").inner_text()
        page.screenshot(path=str(screenshots_dir / "search.png"))

        # without JavaScript the same search is a plain form and a GET
        plain = browser.new_page(java_script_enabled=False)
        plain.context.add_cookies(page.context.cookies())
        plain.goto(f"{live_server.url}/")
        plain.fill("#q", "sourdough")
        plain.click("#search button[type=submit]")
        plain.wait_for_url("**/?q=sourdough")
        assert plain.locator("article.row").count() == 1
        assert plain.locator(".snippet mark").first.inner_text().lower() == "sourdough"


def test_archive_with_undo_and_delete_with_undo(live_server, reader_user, screenshots_dir):
    first, second = reader_user.stories[0], reader_user.stories[1]
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        log_in(page, live_server.url)
        row = page.locator(f"#article-{first.pk}")
        row.get_by_role("button", name="Archive").click()
        page.locator(f"#article-{first.pk}.gone").wait_for()
        assert "Archived" in page.locator(f"#article-{first.pk}").inner_text()
        first.refresh_from_db()
        assert first.archived_at is not None
        wait_for_htmx(page)
        assert page.locator(".views a[aria-current] .count").inner_text() == "3"  # counts follow
        page.screenshot(path=str(screenshots_dir / "archive-undo.png"))

        page.locator(f"#article-{first.pk}").get_by_role("button", name="Undo").click()
        page.locator(f"#article-{first.pk}:not(.gone) h2").wait_for()
        wait_for_htmx(page)
        first.refresh_from_db()
        assert first.archived_at is None
        assert "Glaciers" in page.locator(f"#article-{first.pk} h2").inner_text()
        assert page.locator(".views a[aria-current] .count").inner_text() == "4"

        # delete is undone the same way; a reload shows the list without it until then
        page.locator(f"#article-{second.pk}").get_by_role("button", name="Delete").click()
        page.locator(f"#article-{second.pk}.gone").wait_for()
        second.refresh_from_db()
        assert second.deleted_at is not None
        page.reload()
        assert page.locator(f"#article-{second.pk}").count() == 0

        # bulk: select two rows, archive them, undo from the notice
        page.locator(f"#article-{first.pk} input.select").check()
        page.locator(f"#article-{reader_user.stories[2].pk} input.select").check()
        assert "2 selected" in page.locator("#bulk-form").inner_text()
        page.locator("#bulk-form").get_by_role("button", name="Archive").click()
        page.locator("#notice").wait_for()
        wait_for_htmx(page)
        assert page.locator("article.row").count() == 1
        assert "Archived 2 articles." in page.locator("#notice").inner_text()
        page.locator("#notice").get_by_role("button", name="Undo").click()
        page.wait_for_function("() => document.querySelectorAll('article.row').length === 3")
        assert Article.objects.filter(owner=reader_user, archived_at__isnull=False).count() == 0


def test_a_new_tag_is_offered_and_linked_at_once(live_server, reader_user):
    first, second = reader_user.stories[0], reader_user.stories[1]
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        log_in(page, live_server.url)
        assert page.locator('#tag-names option[value="glacier trip"]').count() == 0
        box = page.locator(f"#article-{first.pk}-tags input[name=tags][list]")
        box.fill("glacier trip")
        box.press("Enter")
        page.locator(f"#article-{first.pk}-tags .tag a", has_text="#glacier trip").wait_for()
        wait_for_htmx(page)
        # the box is back and focused for the next tag
        assert page.evaluate(f"document.activeElement.matches('#article-{first.pk}-tags .add-tag input')")
        # without a reload: the list's tag links lead to it and every tag box suggests it
        assert page.locator("#tag-list a", has_text="#glacier trip").get_attribute("href") == "/?tag=glacier%20trip"
        assert page.locator('#tag-names option[value="glacier trip"]').count() == 1
        assert page.locator(f"#article-{second.pk}-tags input[name=tags][list]").get_attribute("list") == "tag-names"

        # removing it from its only article removes it everywhere
        page.locator(f"#article-{first.pk}-tags").get_by_role("button", name="Remove tag glacier trip").click()
        page.wait_for_function("() => document.querySelector('#tag-names option[value=\"glacier trip\"]') === null")
        wait_for_htmx(page)
        assert page.locator("#tag-list a", has_text="#glacier trip").count() == 0
        assert page.locator("#tag-list a", has_text="#climate").count() == 1

        # without JavaScript the Add button takes a mouse click the first time (the box must not
        # shrink away from under the pointer when it loses focus)
        plain = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 900})
        page = plain.new_page()
        log_in(page, live_server.url)
        page.locator(f"#article-{second.pk}-tags input[name=tags][list]").fill("by mouse")
        page.locator(f"#article-{second.pk}-tags").get_by_role("button", name="Add").click()
        page.locator(f"#article-{second.pk}-tags .tag a", has_text="#by mouse").wait_for(timeout=5000)


def test_keyboard_navigation(live_server, reader_user, screenshots_dir):
    stories = reader_user.stories
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        log_in(page, live_server.url)
        page.keyboard.press("j")
        assert page.evaluate("document.querySelector('.kb-focus').id") == f"article-{stories[0].pk}"
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        assert page.evaluate("document.querySelector('.kb-focus').id") == f"article-{stories[1].pk}"
        focused = page.locator(".kb-focus")
        outline = page.evaluate("getComputedStyle(document.querySelector('.kb-focus')).boxShadow")
        assert outline and outline != "none"  # the focus is visible

        page.keyboard.press("f")  # favourite
        page.locator(f"#article-{stories[1].pk} [data-key=f][aria-pressed=true]").wait_for()
        wait_for_htmx(page)
        assert Article.objects.get(pk=stories[1].pk).favourite is True

        page.keyboard.press("s")  # summary → full text, summary sentences marked
        focused.locator(".full-text mark.summary-sentence").first.wait_for()
        wait_for_htmx(page)
        page.keyboard.press("s")
        focused.locator("ol.summary").wait_for()
        wait_for_htmx(page)

        page.keyboard.press("a")  # archive; the row keeps the focus and says how to undo
        page.locator(f"#article-{stories[1].pk}.gone.kb-focus").wait_for()
        assert Article.objects.get(pk=stories[1].pk).archived_at is not None
        page.keyboard.press("j")
        assert page.evaluate("document.querySelector('.kb-focus').id") == f"article-{stories[2].pk}"

        page.keyboard.press("/")  # search; keys typed there are text, not shortcuts
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.type("jk")
        assert page.input_value("#q") == "jk"
        assert page.evaluate("document.querySelector('.kb-focus').id") == f"article-{stories[2].pk}"
        page.keyboard.press("Escape")

        page.keyboard.press("?")
        assert page.locator("#shortcuts").is_visible()
        page.screenshot(path=str(screenshots_dir / "keyboard-shortcuts.png"))
        page.keyboard.press("Escape")
        assert not page.locator("#shortcuts").is_visible()

        page.keyboard.press("o")  # open
        page.wait_for_url(f"**/articles/{stories[2].pk}/")
        assert page.locator("h1").inner_text().startswith("How a small bakery")


def test_reader_view_toggle_look_and_dark_mode(live_server, reader_user, screenshots_dir):
    article = reader_user.stories[0]
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 1000}, color_scheme="light")
        log_in(page, live_server.url, f"/articles/{article.pk}/")
        article.refresh_from_db()
        assert article.read_at is not None  # opening the article marks it read
        assert page.locator(".reader .byline").inner_text() == "by Dana Reporter"
        assert "min read" in page.locator(".reader .reading-time").inner_text()
        assert page.locator(".reader .original a").get_attribute("href") == article.final_url
        # the measure stays readable: 60-75 characters a line
        width, size = page.evaluate(
            "(() => { const el = document.querySelector('.reader .summary');"
            " return [el.getBoundingClientRect().width, parseFloat(getComputedStyle(el).fontSize)]; })()"
        )
        assert 55 <= width / (size * 0.5) <= 80
        page.screenshot(path=str(screenshots_dir / "reader-light.png"), full_page=True)

        # summary ↔ full text, with the summary sentences marked in the full text
        page.get_by_role("link", name="Full text").click()
        page.locator(".reader .full-text").wait_for()
        assert page.locator(".reader mark.summary-sentence").count() == 2
        assert "planning for the change" in page.locator(".reader .full-text").inner_text()
        wait_for_htmx(page)
        page.keyboard.press("s")
        page.locator(".reader ol.summary").wait_for()
        wait_for_htmx(page)

        # quick controls: dark theme, sans font, larger text, saved for the person
        light = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.locator(".reader-controls label", has_text="Dark").click()
        page.wait_for_function("() => document.body.dataset.theme === 'dark'")
        wait_for_htmx(page)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light
        page.locator(".reader-controls label", has_text="Sans").click()
        page.wait_for_function("() => document.body.dataset.font === 'sans'")
        wait_for_htmx(page)
        page.get_by_role("button", name="Larger text").click()
        page.wait_for_function(
            "() => getComputedStyle(document.body).getPropertyValue('--reader-size').trim() === '20px'"
        )
        wait_for_htmx(page)
        prefs = ReaderPreferences.objects.get(user=reader_user)
        assert (prefs.theme, prefs.font, prefs.font_size) == ("dark", "sans", 20)
        page.reload()
        assert page.evaluate("document.body.dataset.theme") == "dark"
        assert "sans-serif" in page.evaluate("getComputedStyle(document.querySelector('.reader .summary')).fontFamily")
        page.screenshot(path=str(screenshots_dir / "reader-dark.png"), full_page=True)


def test_system_dark_scheme_and_list_screenshots(live_server, reader_user, screenshots_dir):
    organize.favourite(user=reader_user, article_ids=[reader_user.stories[1].pk])
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 1100}, color_scheme="light")
        log_in(page, live_server.url)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(251, 251, 248)"
        page.screenshot(path=str(screenshots_dir / "reading-list-light.png"), full_page=True)

        dark = browser.new_page(viewport={"width": 1000, "height": 1100}, color_scheme="dark")
        dark.context.add_cookies(page.context.cookies())
        dark.goto(f"{live_server.url}/")
        assert dark.evaluate("document.body.dataset.theme") == "system"  # follows the system by default
        assert dark.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(23, 24, 26)"
        dark.screenshot(path=str(screenshots_dir / "reading-list-dark.png"), full_page=True)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme="light")
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{live_server.url}/")
        wide = phone.evaluate(
            "Array.from(document.querySelectorAll('main, #list-region, .list-head, nav.views, body')).map(e => e.tagName + e.className + ':' + e.getBoundingClientRect().width + '/' + e.scrollWidth)"
        )
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, wide  # nothing sticks out
        phone.screenshot(path=str(screenshots_dir / "reading-list-phone.png"), full_page=True)
