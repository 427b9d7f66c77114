"""The repository's own import files (``tests/fixtures/imports/``), and the zips built from its folders."""

from __future__ import annotations

import gzip
import io
import random
import struct
import warnings
import zipfile
import zlib
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


def png() -> bytes:
    """A 2x2 PNG image, written here (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = b"\x00\xff\x00\x00\x00\x00\xff" * 2  # each row: filter byte, two RGB pixels
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


def pdf() -> bytes:
    """A one-page PDF's bytes as a PDF writer starts them (header, binary comment, objects)."""
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def random_gzip() -> bytes:
    """A gzip file of random bytes (the same ones on every run)."""
    return gzip.compress(random.Random(7).randbytes(4000), mtime=0)


def corrupt_pocket_zip() -> bytes:
    """Pocket's export zip with one member's compressed bytes damaged two thirds of the way in: the zip
    opens and its first rows read, then decompressing fails (``zlib.error``)."""
    rows = "".join(f"Row {i},https://rows.example.org/{i},1700000000,,unread\n" for i in range(3000))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("part_000000.csv", "title,url,time_added,tags,status\n" + rows)
    data = bytearray(out.getvalue())
    start = data.index(b"part_000000.csv") + len("part_000000.csv") + 10000
    data[start : start + 200] = bytes(b ^ 0x55 for b in data[start : start + 200])
    return bytes(data)
