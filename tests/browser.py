"""Starting Debian's Chromium through Playwright for the browser tests.

``playwright install`` cannot download browsers here, so the tests drive ``/usr/bin/chromium``.
Without it, browser tests are skipped, unless ``DIGEST_REQUIRE_BROWSER=1`` (CI), where it fails.
``page.wait_for_function`` takes an arrow function (``"() => ..."``): Playwright evaluates a bare
expression with ``eval`` while it polls, which the pages' Content-Security-Policy refuses.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def chromium_browser():
    """Yield a launched Playwright ``Browser`` (headless Chromium); closed on exit."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("DIGEST_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
