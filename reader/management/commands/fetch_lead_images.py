"""``manage.py fetch_lead_images``: download the lead images of articles saved before Digest kept its own
copies (reader/pipeline/backfill.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reader.pipeline.backfill import articles_without_lead_image, fetch_missing_lead_images


class Command(BaseCommand):
    help = (
        "Download the lead images of ready articles that have none stored (saved before Digest kept its own "
        "copies), a site's images one after another, DIGEST_FETCH_HOST_INTERVAL seconds apart."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="only this user's articles (default: everyone's)")
        parser.add_argument("--sites", type=int, default=4, help="sites to download from at once (default 4)")

    def handle(self, *args, **options):
        if not settings.DIGEST_LEAD_IMAGES:
            raise CommandError("Lead images are off (DIGEST_LEAD_IMAGES); turn them on first.")
        if options["sites"] < 1:
            raise CommandError("--sites must be at least 1.")
        owner_id = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
            owner_id = user.pk
        total = articles_without_lead_image(owner_id).count()
        self.stdout.write(f"{total} article(s) without a stored lead image.")

        def progress(done: int, of: int) -> None:
            if done % 100 == 0:
                self.stdout.write(f"  {done} of {of}")

        result = fetch_missing_lead_images(owner_id, threads=options["sites"], progress=progress)
        self.stdout.write(
            f"Stored {result.stored} lead image(s); {result.missing} could not be had (the log says why)."
        )
