"""The secret ``make run`` and ``make serve`` use when none is given: generated once and kept with the data,
in ``$DIGEST_DATA_DIR/secret_key`` (``var/secret_key`` by default), readable by its owner only.

The Makefile runs this file as a script with the system Python, before the virtualenv may exist, so it
uses the standard library only (``python -I config/secretfile.py PATH``; ``-I`` keeps ``config/`` itself,
which holds a ``celery.py``, off the import path).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

# Bytes of randomness; token_urlsafe writes about 1.3 characters per byte (Django asks for 50 characters).
SECRET_BYTES = 50


def ensure_secret_key(path: Path) -> bool:
    """Make ``path`` hold a new random secret (URL-safe text, one line) unless it exists already.

    The file is written whole under another name and linked into place, so it never exists half
    written or readable by others (mode 600 from its first byte), and two runs at once keep one secret.
    An existing file is left as it is: its secret signs the sessions and links already given out.
    Missing folders are made. Returns True when a secret was made, False when one was there.
    Raises OSError when the folder cannot be made or written (a read-only or foreign data folder).
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file with mode 600 whatever the umask.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(SECRET_BYTES) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # unlike a rename, never replaces a secret made meanwhile
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)


def main(argv: list[str]) -> int:
    """``secretfile.py PATH``: ``ensure_secret_key(PATH)``; says on stderr when it made one. Exit status
    0, or 1 with the reason when the file cannot be made, 2 for a wrong command line."""
    if len(argv) != 2:
        print("usage: secretfile.py PATH", file=sys.stderr)
        return 2
    path = Path(argv[1])
    try:
        made = ensure_secret_key(path)
    except OSError as exc:
        print(
            f"Cannot make the secret key file {path}: {exc}. Set DIGEST_DATA_DIR to a folder you can write.",
            file=sys.stderr,
        )
        return 1
    if made:
        print(f"Generated a secret key in {path} (mode 600).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
