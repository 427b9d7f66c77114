"""``manage.py save_urls``: save links for a user through the same service as the web form."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from reader.management.users import user_named
from reader.models import Article
from reader.pipeline.saving import save_urls
from reader.selectors import article_as_dict, kept_in_place_of


class Command(BaseCommand):
    help = (
        "Save links for a user. With --wait, block until each article is ready or failed. "
        "Prints one line (or JSON object) per article in the order given, then one per rejected link "
        '(JSON: {"id": null, "url", "status": "rejected", "error"}); exits 1 if a link was rejected or an '
        "article failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="+", metavar="URL")
        parser.add_argument("--user", required=True, help="username who saves the links")
        parser.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="wait up to this long for results")
        parser.add_argument("--json", action="store_true", help="print JSON Lines, one object per article")

    def handle(self, *args, **options):
        user = user_named(options["user"])
        result = save_urls(user=user, text="\n".join(options["urls"]))
        if not options["json"]:
            for bad, reason in result.errors:
                self.stderr.write(f"{bad}: {reason}")
        ids = [a.pk for a in result.in_order]
        deadline = time.monotonic() + options["wait"]
        while options["wait"] and time.monotonic() < deadline:
            if not Article.objects.filter(pk__in=ids).exclude(status__in=Article.FINAL_STATUSES).exists():
                break
            time.sleep(0.5)
        by_id = Article.objects.select_related("owner").in_bulk(ids)
        for pk in ids:
            # A link found to be a story saved before (another address of it) reports that article.
            by_id[pk] = kept_in_place_of(by_id[pk]) or by_id[pk]
        for article in (by_id[pk] for pk in ids):
            if options["json"]:
                self.stdout.write(json.dumps(article_as_dict(article), ensure_ascii=False))
            else:
                self.stdout.write(f"{article.pk}\t{article.status}\t{article.url}\t{article.title or article.error}")
        if options["json"]:
            for bad, reason in result.errors:
                rejected = {"id": None, "url": bad, "status": "rejected", "error": reason}
                self.stdout.write(json.dumps(rejected, ensure_ascii=False))
        failed = sum(1 for a in by_id.values() if a.status == Article.Status.FAILED)
        if result.errors or failed:
            # Scripts can tell from the exit status that something needs a look.
            raise CommandError(f"{len(result.errors)} link(s) rejected, {failed} article(s) failed.")
