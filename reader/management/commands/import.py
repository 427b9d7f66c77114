"""``manage.py import``: import a file into a person's library in the foreground, through the same job
as the Import page."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from reader.models import ImportJob
from reader.pipeline.importing import ImportTooLarge, Outcome
from reader.pipeline.saving import import_now
from reader.transfer.importers import FORMATS, UnreadableFile


class Command(BaseCommand):
    help = (
        "Import a file (Pocket, Instapaper, Omnivore, wallabag, Readwise, Karakeep, Linkwarden, bookmarks, "
        "a list of links, Digest JSON) into a person's library; the format is detected. Returns when every "
        "entry is stored; fetching and summaries are queued. Prints one line (or JSON object) per entry and "
        "a summary; exits 1 when some entries were invalid, 2 when the file could not be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--user", required=True, help="username whose library it goes into")
        parser.add_argument("--format", choices=sorted(FORMATS), help="the file's format (default: detected)")
        parser.add_argument(
            "--json", action="store_true", help="print JSON Lines: one object per entry, then a summary"
        )
        parser.add_argument("--folders-as-tags", action="store_true", help="tag each bookmark with its folder")

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {options['user']!r}.") from exc
        path = Path(options["file"])
        as_json = options["json"]

        def show(outcome: Outcome) -> None:
            if as_json:
                line = {
                    "url": outcome.url,
                    "status": outcome.status,
                    "reason": outcome.reason,
                    "id": outcome.article_id,
                }
                self.stdout.write(json.dumps({**line, "position": outcome.position}, ensure_ascii=False))
            else:
                self.stdout.write("\t".join([outcome.status, str(outcome.article_id or "-"), outcome.position,
                                             outcome.url, outcome.reason]).rstrip())  # fmt: skip

        try:
            with path.open("rb") as stream:
                job = import_now(
                    user=user,
                    upload=File(stream, name=path.name),
                    name=path.name,
                    format=options["format"] or "",
                    folders_as_tags=options["folders_as_tags"],
                    on_outcome=show,
                )
        except OSError as exc:
            raise CommandError(f"Could not read {path}: {exc.strerror or exc}.", returncode=2) from exc
        except (ImportTooLarge, UnreadableFile) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        summary = {
            "summary": True,
            "job": job.pk,
            "format": job.format,
            "entries": job.position,
            "created": job.created,
            "existing": job.existing,
            "invalid": job.invalid,
            "skipped": job.skipped,
            "error": job.error,
        }
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{job.format or 'unknown format'}: {job.position} entries read, {job.created} created, "
                f"{job.existing} already saved, {job.invalid} invalid, {job.skipped} skipped."
            )
        if job.state == ImportJob.State.FAILED:
            raise CommandError(job.error, returncode=2)
        if job.invalid:
            raise CommandError(f"{job.invalid} entries were invalid (see above).", returncode=1)
