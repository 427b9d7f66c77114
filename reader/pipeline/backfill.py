"""Lead images for articles saved before Digest kept its own copies (``manage.py fetch_lead_images``).

Articles that became ready before the image step existed have the image's address (``top_image``) but
no ``LeadImage``; the pipeline never visits a ready article again. This downloads those images in the
foreground, each through the image step (``steps.fetch_lead_image``: the fetcher's address checks, the
size cap, raster types only), politely: one site's images one after another, at least
``DIGEST_FETCH_HOST_INTERVAL`` seconds apart, several sites at once.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from reader.models import Article
from reader.pipeline import steps
from reader.pipeline.politeness import host_of


@dataclass(frozen=True)
class BackfillResult:
    """What a backfill did: ``stored`` images downloaded and kept; ``missing`` articles whose image could
    not be had (gone, too large, not an image, refused address: the reason is in the log)."""

    stored: int
    missing: int


def articles_without_lead_image(owner_id: int | None = None):
    """``Article.objects.missing_lead_image()``, of ``owner_id`` only when it is given."""
    articles = Article.objects.missing_lead_image()
    return articles.filter(owner_id=owner_id) if owner_id is not None else articles


def fetch_missing_lead_images(
    owner_id: int | None = None,
    *,
    threads: int = 4,
    host_interval: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BackfillResult:
    """Download the lead image of every article ``articles_without_lead_image(owner_id)`` gives.

    ``threads``: sites downloaded from at once (at least 1); ``host_interval``: seconds between two
    downloads from one site (``DIGEST_FETCH_HOST_INTERVAL`` when None); ``progress(done, total)`` is
    called after each article. Returns a ``BackfillResult``. Safe to run twice or while the workers run
    (an image stored meanwhile is not downloaded again). Database errors propagate.
    """
    interval = settings.DIGEST_FETCH_HOST_INTERVAL if host_interval is None else host_interval
    by_site: dict[str, list[int]] = defaultdict(list)
    for pk, image in articles_without_lead_image(owner_id).order_by("pk").values_list("pk", "top_image"):
        by_site[host_of(image)].append(pk)
    total = sum(len(ids) for ids in by_site.values())
    counts = {"done": 0, "stored": 0}
    lock = threading.Lock()

    def download(ids: list[int]) -> None:
        for n, pk in enumerate(ids):
            if n:
                time.sleep(interval)
            kept = steps.fetch_lead_image(pk)
            with lock:
                counts["done"] += 1
                counts["stored"] += kept
                if progress:
                    progress(counts["done"], total)

    def in_a_thread(ids: list[int]) -> None:
        try:
            download(ids)
        finally:
            connection.close()  # the thread's own connection

    sites = sorted(by_site.values(), key=len, reverse=True)  # the longest first: they set the pace
    if threads <= 1:
        for ids in sites:
            download(ids)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for future in [pool.submit(in_a_thread, ids) for ids in sites]:
                future.result()
    return BackfillResult(stored=counts["stored"], missing=total - counts["stored"])
