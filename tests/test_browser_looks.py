"""How the pages look, measured in a real browser: a phone's first screen, large text, the marks, and
every page at 1280x900 and 390x844, four at a small phone's 375x667 with no button over another (screenshots to a temporary folder; ``make screenshots`` writes
them to docs/screenshots/)."""

from __future__ import annotations

import re

import pytest

from reader.models import ImportJob, ReaderPreferences
from tests.browser import chromium_browser
from tests.factories import make_article
from tests.test_browser import wait_for_htmx
from tests.test_browser_reading import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def height(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["height"]


def line_height(page, selector: str) -> float:
    return page.evaluate(
        f"(() => {{ const s = getComputedStyle(document.querySelector({selector!r}));"
        " return parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.55; })()"
    )


def test_a_phone_shows_the_header_and_controls_on_one_line_each_and_the_summary_at_once(
    live_server, reader_user, screenshots_dir
):
    ReaderPreferences.objects.create(user=reader_user, font_size=24)
    article = reader_user.stories[0]
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme="light")
        log_in(page, live_server.url, f"/articles/{article.pk}/")
        nav = page.locator("header.top nav").bounding_box()
        brand = page.locator("header.top .brand").bounding_box()
        assert nav and brand and abs(nav["y"] - brand["y"]) < 12 and nav["height"] < 2 * 22  # one line
        controls = page.locator(".reader-controls").bounding_box()
        back = page.locator(".reader-bar .back").bounding_box()
        assert controls and back and controls["height"] < 40 and abs(controls["y"] - back["y"]) < 12
        assert height(page, ".reader .original a") < 1.6 * line_height(page, ".reader .original a")
        first = page.locator(".reader ol.summary li").first.bounding_box()
        assert first is not None and first["y"] + first["height"] < 844  # the summary is on the first screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(screenshots_dir / "article-phone.png"))


def test_large_text_keeps_the_summary_numbers_in_the_column(live_server, reader_user):
    ReaderPreferences.objects.create(user=reader_user, font_size=28)
    with chromium_browser() as browser:
        for width, viewport_height in SIZES.values():
            page = browser.new_page(viewport={"width": width, "height": viewport_height})
            log_in(page, live_server.url, f"/articles/{reader_user.stories[0].pk}/")
            column, numbers, size = page.evaluate(
                "(() => { const ol = document.querySelector('.reader ol.summary');"
                " const li = ol.querySelector('li').getBoundingClientRect();"
                " const column = document.querySelector('.reader').getBoundingClientRect();"
                " return [li.left - column.left, li.left - ol.getBoundingClientRect().left,"
                " parseFloat(getComputedStyle(ol).fontSize)]; })()"
            )
            # "10." at 28px is about 1.4em wide: the room left of the text is inside the column.
            assert size == 28 and numbers >= 1.5 * size and column >= 1.5 * size
            page.close()


def test_marked_sentences_start_at_their_first_letter_and_the_dark_mark_is_light(live_server, reader_user):
    ReaderPreferences.objects.create(user=reader_user, theme="dark")
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in(page, live_server.url, f"/articles/{reader_user.stories[0].pk}/?view=full")
        marks = page.locator("mark.summary-sentence")
        assert marks.count() == 2
        for n in range(marks.count()):
            text = marks.nth(n).evaluate("e => e.textContent")
            assert text == text.strip() and marks.nth(n).evaluate("e => getComputedStyle(e).paddingLeft") == "0px"
        background = marks.first.evaluate("e => getComputedStyle(e).backgroundColor")
        alpha = re.match(r"rgba\([^)]*,\s*([\d.]+)\)", background)
        assert alpha and float(alpha.group(1)) <= 0.25, background  # a tint, not a solid block


def test_every_page_at_both_sizes(live_server, reader_user, screenshots_dir):
    article = reader_user.stories[0]
    pages = {
        "list": "/",
        "article": f"/articles/{article.pk}/",
        "article-full-text": f"/articles/{article.pk}/?view=full",
        "article-other-summary": f"/articles/{article.pk}/?view=summary&algorithm=lexrank&sentences=3",
        "search": "/?q=glaciers",
        "preferences": "/preferences/",
        "password": "/accounts/password_change/",
    }
    with chromium_browser() as browser:
        for label, (width, viewport_height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": viewport_height}, color_scheme="light")
            page.goto(f"{live_server.url}/accounts/login/")
            page.screenshot(path=str(screenshots_dir / f"page-login-{label}.png"))
            log_in(page, live_server.url)
            for name, path in pages.items():
                page.goto(f"{live_server.url}{path}")
                wait_for_htmx(page)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, name  # nothing sticks out
                page.screenshot(path=str(screenshots_dir / f"page-{name}-{label}.png"))
            page.goto(f"{live_server.url}/")
            page.keyboard.press("?")
            page.locator("#shortcuts .search-syntax").wait_for()
            assert "otter OR beaver" in page.locator("#shortcuts").inner_text()
            page.screenshot(path=str(screenshots_dir / f"page-help-{label}.png"))
            page.close()


def test_pasting_a_failed_link_again_replaces_its_row_with_a_pending_one(live_server, reader_user):
    failed = reader_user.stories[2]
    type(failed).objects.filter(pk=failed.pk).update(status="failed", error="The site did not answer.")
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in(page, live_server.url)
        assert "The site did not answer." in page.locator(f"#article-{failed.pk}").inner_text()
        page.fill("#id_urls", failed.url)
        page.get_by_role("button", name="Save", exact=True).click()
        page.locator(".msg", has_text="trying again").wait_for()
        wait_for_htmx(page)
        assert page.locator(f"#article-{failed.pk}").count() == 1  # the old row left, the new one came in
        assert page.locator("[data-row]").first.get_attribute("id") == f"article-{failed.pk}"
        assert page.locator(f"#article-{failed.pk}").get_attribute("data-status") == "queued"


# Each visible control's box, and any two that overlap (by more than a pixel each way: borders may touch).
_OVERLAPS = """() => {
  const seen = [...document.querySelectorAll('button, input[type=submit], a.button, select, summary')]
    .filter(e => e.offsetParent !== null && !e.closest('[hidden], dialog:not([open])'))
    .map(e => ({e, r: e.getBoundingClientRect()}))
    .filter(({r}) => r.width > 0 && r.height > 0);
  const name = e => (e.textContent || e.value || e.getAttribute('aria-label') || e.tagName).trim().slice(0, 30);
  const out = [];
  for (let i = 0; i < seen.length; i++) for (let j = i + 1; j < seen.length; j++) {
    const a = seen[i], b = seen[j];
    if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
    const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
    const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
    if (w > 1 && h > 1) out.push(name(a.e) + ' / ' + name(b.e));
  }
  return out;
}"""
_WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5).map(e => e.tagName + '.' + e.className)"""


def test_a_small_phone_scrolls_no_page_sideways_and_no_buttons_overlap(live_server, reader_user, screenshots_dir):
    """An iPhone SE's 375x667: the list, an article, the Import page (with past imports, one failed with
    a long reason) and Preferences fit the width, and no button covers another."""
    long_url = "https://www.example.org/" + "a-very-long-path-segment-without-any-breaks-" * 3 + "end"
    make_article(reader_user, long_url, url=long_url, tags=["a-rather-long-tag-name-for-a-phone", "sea"])
    failed = ImportJob.objects.create(
        owner=reader_user,
        file_name="pocket-export-" + "x" * 60 + ".zip",
        state=ImportJob.State.FAILED,
        error="This file is not a format Digest can import: it is a PNG image. Upload the file the other "
        "app exported: a zip, CSV, JSON or HTML file, or a list of links.",
    )
    ImportJob.objects.create(owner=reader_user, file_name="urls.txt", state=ImportJob.State.DONE, total=3, created=3)
    pages = {
        "list": "/?show=all",
        "article": f"/articles/{reader_user.stories[0].pk}/",
        "import": "/import/",
        "import-job": f"/import/{failed.pk}/",
        "preferences": "/preferences/",
    }
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 667}, color_scheme="light")
        log_in(page, live_server.url)
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            wait_for_htmx(page)
            page.screenshot(path=str(screenshots_dir / f"small-phone-{name}.png"), full_page=True)
            sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert sizes[0] <= sizes[1], (name, page.evaluate(_WIDER))
            assert page.evaluate(_OVERLAPS) == [], name
