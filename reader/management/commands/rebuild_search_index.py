"""``manage.py rebuild_search_index``: rebuild the full-text search index of every article."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from reader.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the full-text search index from every article, its tags and READY summaries."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        count = rebuild_index()
        self.stdout.write(f"Indexed {count} articles in {time.perf_counter() - started:.1f} s.")
