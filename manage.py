#!/usr/bin/env python
"""Django's command-line utility for Digest."""

import os
import secrets
import sys

# Commands that read files or standard input and print, and touch no database, broker or signed
# data: they run with no environment at all, so a secret of their own (never used) stands in.
STANDALONE_COMMANDS = ("extract", "summarize")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    standalone = len(sys.argv) > 1 and sys.argv[1] in STANDALONE_COMMANDS
    if standalone and not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
