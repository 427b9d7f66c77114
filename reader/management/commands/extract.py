"""``manage.py extract``: run extraction on saved page files (no fetch, no database writes)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reader.extract import ExtractionError, extract


class Command(BaseCommand):
    help = "Extract articles from saved HTML or PDF files (gzip accepted) and print the result."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--url", default="", help="the address the files came from")
        parser.add_argument("--json", action="store_true", help="print JSON Lines, one object per file")

    def handle(self, *args, **options):
        failed = 0
        for name in options["files"]:
            path = Path(name)
            try:
                body = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{name}: {exc.strerror}") from exc
            url = options["url"] or path.resolve().as_uri()
            # A .gz file is decompressed by extract itself (reader.pages.compression), a PDF inside it too.
            content_type = "application/pdf" if body[:5] == b"%PDF-" else "text/html"
            try:
                article = extract(body, url, content_type=content_type)
            except ExtractionError as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc.message}")
                continue
            data = {
                "file": name,
                "title": article.title,
                "authors": article.authors,
                "published_at": article.published_at.isoformat() if article.published_at else None,
                "top_image": article.top_image,
                "language": article.language,
                "text": article.text,
            }
            if options["json"]:
                self.stdout.write(json.dumps(data, ensure_ascii=False))
            else:
                self.stdout.write(f"== {name}\n{article.title}\n\n{article.text}\n")
        if failed:
            raise CommandError(f"{failed} file(s) could not be extracted.")
