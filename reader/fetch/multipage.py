"""Fetch an article split over pages (``rel="next"``): the first page and its next ones, in order.

Each page goes through ``reader.fetch.client.fetch`` and so through every check the first one passes
(addresses, redirects, size, type). Which address is the next page is the caller's to say (the
extractor reads it: ``reader.extract.next_page_of``), so this module stays free of HTML parsing.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from reader.fetch.client import FetchedResponse, fetch
from reader.fetch.errors import FetchError
from reader.fetch.options import FetchOptions
from reader.pages.sniff import HTML_TYPES

logger = logging.getLogger(__name__)

# A later page that cannot start with at least this many seconds left is not fetched.
_MIN_SECONDS_LEFT = 1.0


def fetch_pages(url: str, options: FetchOptions, next_page: Callable[[FetchedResponse], str]) -> list[FetchedResponse]:
    """The article's pages: ``[first page, page 2, ...]``, at most ``options.max_pages`` of them.

    ``url``: the article's address; ``options``: as for ``fetch``; ``next_page``: given a fetched
    page, the absolute address of the next one, or "" when there is none. The first page's errors
    are raised as ``fetch`` raises them (``FetchError``); a later page that fails, is not HTML,
    repeats a page already fetched, or would start after the time is up ends the list there (the
    article is saved with the pages it has; the reason goes to the log). The later pages share one
    more ``options.total_timeout`` seconds between them, so the whole call ends within twice that.
    """
    first = fetch(url, options)
    pages = [first]
    seen = {first.url, first.final_url}
    deadline = time.monotonic() + options.total_timeout
    while len(pages) < options.max_pages:
        target = next_page(pages[-1])
        if not target or target in seen:
            break
        left = deadline - time.monotonic()
        if left < _MIN_SECONDS_LEFT:
            logger.info("not fetching page %d of %s: no time left", len(pages) + 1, url)
            break
        try:
            page = fetch(target, dataclasses.replace(options, total_timeout=min(options.total_timeout, left)))
        except FetchError as exc:
            logger.info("page %d of %s (%s) not joined: %s", len(pages) + 1, url, target, exc.message)
            break
        if page.content_type not in HTML_TYPES or page.final_url in seen:
            break
        seen.update((page.url, page.final_url))
        pages.append(page)
    return pages
