"""``manage.py export``: a person's library (or a tag of it, or a search) as a file."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reader.transfer.exporters.library import FORMATS, export, selected_ids


class Command(BaseCommand):
    help = (
        "Export a person's articles: Digest JSON (everything, to import again), bookmarks HTML, CSV, a zip "
        "of Markdown files or EPUB; all of them, or a tag (--tag), or a search (--query, the search box's "
        "syntax). OUTPUT '-' writes to standard output. Streamed: any number of articles in little memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", metavar="OUTPUT")
        parser.add_argument("--user", required=True, help="username whose articles are exported")
        parser.add_argument("--format", required=True, choices=list(FORMATS))
        parser.add_argument("--tag", default="", help="only the articles with this tag")
        parser.add_argument("--query", default="", help="only the articles this search finds")

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {options['user']!r}.") from exc
        ids = selected_ids(user, tag=options["tag"], query=options["query"])
        title = options["tag"] or options["query"] or f"Digest of {user.get_username()}"
        chunks = export(user, options["format"], ids, title=title)
        try:
            if options["output"] == "-":
                for chunk in chunks:
                    sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            else:
                with open(options["output"], "wb") as out:
                    for chunk in chunks:
                        out.write(chunk)
        except OSError as exc:
            raise CommandError(f"Could not write {options['output']}: {exc.strerror or exc}.") from exc
        self.stderr.write(f"Exported {len(ids)} articles as {options['format']}.")
