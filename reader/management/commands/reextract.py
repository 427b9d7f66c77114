"""``manage.py reextract``: re-run extraction and summaries from stored pages, without fetching."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reader.models import Article
from reader.pipeline.saving import reextract


class Command(BaseCommand):
    help = "Re-run extraction (and then summaries) from the stored fetched pages after an upgrade."

    def add_arguments(self, parser):
        parser.add_argument("--user", help="only this user's articles")
        parser.add_argument("--all", action="store_true", help="every user's articles")

    def handle(self, *args, **options):
        if not options["user"] and not options["all"]:
            raise CommandError("Say which articles: --user NAME or --all.")
        qs = Article.objects.filter(fetched_page__isnull=False).exclude(status__in=Article.PENDING_STATUSES)
        if options["user"]:
            if not get_user_model().objects.filter(username=options["user"]).exists():
                raise CommandError(f"No user named {options['user']!r}.")
            qs = qs.filter(owner__username=options["user"])
        done = skipped = 0
        for article in qs.select_related("owner").iterator(chunk_size=100):
            if reextract(article):
                done += 1
            else:
                skipped += 1
        self.stdout.write(f"Re-extracted {done} article(s); {skipped} had no stored page.")
