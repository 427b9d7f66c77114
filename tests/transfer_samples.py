"""The repository's own import files (``tests/fixtures/imports/``), and the zips built from its folders."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

IMPORTS = Path(__file__).resolve().parent / "fixtures" / "imports"


def zip_of(folder: Path, *, duplicate: str = "") -> bytes:
    """A zip of every file under ``folder`` (names relative to it); ``duplicate``: a member written twice,
    as Omnivore's exporter can."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
        if duplicate:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is told to write
                archive.writestr(duplicate, (folder / duplicate).read_bytes())
    return out.getvalue()


def pocket_zip() -> bytes:
    """Pocket's export zip: part_000000.csv and part_000001.csv."""
    return zip_of(IMPORTS / "pocket_zip")


def omnivore_zip() -> bytes:
    """Omnivore's export zip: two metadata files, two pages, one highlights file (one page written twice)."""
    return zip_of(IMPORTS / "omnivore", duplicate="content/beekeepers-count-a-good-year-18c2f.html")
