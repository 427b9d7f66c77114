"""``python manage.py summarize``: summarize text from stdin or a JSON-lines file, without the database."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from summaries import summarizer


def _options() -> summarizer.SummaryOptions:
    # The same two settings reader.conf.summary_options reads; summaries imports nothing from reader.
    return summarizer.SummaryOptions(
        bonus_words=frozenset(settings.DIGEST_SUMMARY_BONUS_WORDS or ()),
        stigma_words=frozenset(settings.DIGEST_SUMMARY_STIGMA_WORDS or ()),
    )


class Command(BaseCommand):
    help = (
        'Summarize the text on stdin and print one JSON line {"sentences": [...]}; with --jsonl FILE, read '
        'one {"id", "text", "language"?} object per line and print {"id", "sentences"} per line.'
    )
    # Tests pass a file object as stdin through call_command.
    stealth_options = ("stdin",)
    # Needs neither the database nor URLs; a batch run should not depend on the rest of the app.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--algorithm",
            default=summarizer.DEFAULT_ALGORITHM,
            help=f"one of {', '.join(summarizer.available_algorithms(_options()))} (default {summarizer.DEFAULT_ALGORITHM})",
        )
        parser.add_argument(
            "--sentences",
            type=int,
            default=summarizer.DEFAULT_SENTENCES,
            help="sentences per summary",
        )
        parser.add_argument("--language", default="en", help="ISO 639-1 code of the text (default en)")
        parser.add_argument("--jsonl", metavar="FILE", help="JSON-lines input file ('-' for stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        algorithm = options["algorithm"].strip().lower()
        summary_options = _options()
        offered = summarizer.available_algorithms(summary_options)
        if algorithm not in offered:
            raise CommandError(f"unknown algorithm {options['algorithm']!r}; choose one of {', '.join(offered)}")
        if options["sentences"] < 1:
            raise CommandError("--sentences must be at least 1")
        stdin = options.get("stdin") or sys.stdin

        def run(text: str, language: str) -> list[str]:
            chosen = summarizer.summarize(
                text,
                language=language,
                algorithm=algorithm,
                sentences=options["sentences"],
                options=summary_options,
            )
            return [s.text for s in chosen]

        if not options["jsonl"]:
            self.stdout.write(
                json.dumps(
                    {"sentences": run(stdin.read(), options["language"])},
                    ensure_ascii=False,
                )
            )
            return
        if options["jsonl"] == "-":
            self._jsonl(stdin, options["language"], run)
            return
        try:
            with open(options["jsonl"], encoding="utf-8") as lines:
                self._jsonl(lines, options["language"], run)
        except OSError as exc:
            raise CommandError(f"cannot read {options['jsonl']}: {exc}") from exc

    def _jsonl(self, lines: Any, language: str, run: Any) -> None:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text = item["text"]
                if not isinstance(item, dict) or not isinstance(text, str):
                    raise TypeError("text must be a string")
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f'line {number}: expected {{"id", "text", "language"?}}: {exc}') from exc
            sentences = run(text, item.get("language") or language)
            self.stdout.write(json.dumps({"id": item.get("id"), "sentences": sentences}, ensure_ascii=False))
