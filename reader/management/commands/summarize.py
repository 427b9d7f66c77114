"""``python manage.py summarize``: summarize text from stdin or a JSON-lines file, without the database.

It lives in ``reader`` (not in the leaf app ``summaries``) because it guesses the language of a text
with the extractor's detector, as a saved article's language is guessed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pycountry
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reader.conf import summary_options
from reader.extract.language import detect_language
from summaries import summarizer

# What a text whose language cannot be told (too few letters) is summarized as.
FALLBACK_LANGUAGE = "en"


def known_language(code: str) -> bool:
    """Whether ``code`` is an ISO 639-1 language code, alone or with a region ("pt", "pt-BR")."""
    base = code.strip().lower().partition("-")[0]
    return len(base) == 2 and pycountry.languages.get(alpha_2=base) is not None


class Command(BaseCommand):
    help = (
        'Summarize the text on stdin and print one JSON line {"sentences": [...], "language": "xx"}; with '
        '--jsonl FILE, read one {"id", "text", "language"?} object per line and print {"id", "sentences", '
        '"language"} per line. The language is detected from each text unless given.'
    )
    # Tests pass a file object as stdin through call_command.
    stealth_options = ("stdin",)
    # Needs neither the database nor URLs; a batch run should not depend on the rest of the app.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--algorithm",
            default=summarizer.DEFAULT_ALGORITHM,
            help=f"one of {', '.join(summarizer.available_algorithms(summary_options()))} (default {summarizer.DEFAULT_ALGORITHM})",
        )
        parser.add_argument(
            "--sentences",
            type=int,
            default=summarizer.DEFAULT_SENTENCES,
            help="sentences per summary",
        )
        parser.add_argument(
            "--language",
            default="",
            help="ISO 639-1 code of the text, e.g. en, de, pt (default: detected from each text)",
        )
        parser.add_argument("--jsonl", metavar="FILE", help="JSON-lines input file ('-' for stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        algorithm = options["algorithm"].strip().lower()
        options_of_summaries = summary_options()
        offered = summarizer.available_algorithms(options_of_summaries)
        if algorithm not in offered:
            raise CommandError(f"unknown algorithm {options['algorithm']!r}; choose one of {', '.join(offered)}")
        if options["sentences"] < 1:
            raise CommandError("--sentences must be at least 1")
        given = options["language"].strip()
        if given and not known_language(given):
            raise CommandError(_unknown(given))
        stdin = options.get("stdin") or sys.stdin

        def run(text: str, language: str) -> dict:
            language = language or detect_language(text) or FALLBACK_LANGUAGE
            chosen = summarizer.summarize(
                text,
                language=language,
                algorithm=algorithm,
                sentences=options["sentences"],
                options=options_of_summaries,
            )
            return {"sentences": [s.text for s in chosen], "language": language}

        if not options["jsonl"]:
            self.stdout.write(json.dumps(run(stdin.read(), given), ensure_ascii=False))
            return
        if options["jsonl"] == "-":
            self._jsonl(stdin, given, run)
            return
        try:
            with open(options["jsonl"], encoding="utf-8") as lines:
                self._jsonl(lines, given, run)
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
            own = item.get("language") or ""
            if own and (not isinstance(own, str) or not known_language(own)):
                raise CommandError(f"line {number}: {_unknown(str(own))}")
            self.stdout.write(json.dumps({"id": item.get("id"), **run(text, own or language)}, ensure_ascii=False))


def _unknown(code: str) -> str:
    return (
        f"unknown language code {code!r}: give an ISO 639-1 code such as en, de or pt, "
        "or leave --language out to detect it"
    )
