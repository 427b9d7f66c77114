"""Secrets from the environment or from a file: ``NAME`` or ``NAME_FILE``.

Docker and systemd hand secrets to a process as files (``/run/secrets/...``) rather than as variables,
which any process of the same user can read from ``/proc/<pid>/environ``. Every secret setting
(``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``, ``DIGEST_ADMIN_PASSWORD``) is read through
``env_or_file``, so each can be given either way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# The suffix of the variable that names a file holding the value.
FILE_SUFFIX = "_FILE"


def env_or_file(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    """The value of the setting ``name``: the variable ``name`` itself, or the content of the file whose
    path is in ``name + "_FILE"`` with surrounding whitespace stripped (a secrets file usually ends with a
    newline), or ``default`` when neither is set. An empty variable counts as unset.

    ``environ``: where to look (``os.environ`` when None). Raises ImproperlyConfigured when both are set
    (which one wins would be a guess), or when the file cannot be read (the message names the path).
    """
    environ = os.environ if environ is None else environ
    value = environ.get(name, "")
    path = environ.get(name + FILE_SUFFIX, "")
    if value and path:
        raise ImproperlyConfigured(f"Both {name} and {name}{FILE_SUFFIX} are set; set only one of them.")
    if not path:
        return value or default
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(f"{name}{FILE_SUFFIX}: cannot read {path}: {exc}") from exc
