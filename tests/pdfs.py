"""PDFs built byte by byte for tests: pages with content streams of their own or sharing one, and
content that inflates far past the file's size (the hostile PDFs of issue 10). No PDF library, so
the file is exactly what the test says."""

from __future__ import annotations

import io
import zlib


def text_operators(lines: list[str]) -> bytes:
    """A content stream showing each of ``lines`` (ASCII, no parentheses) on a line of its own."""
    shown = b"".join(b"(" + line.encode("ascii") + b") Tj 0 -14 Td " for line in lines)
    return b"BT /F1 12 Tf 72 720 Td " + shown + b"ET"


def pdf_bytes(streams: list[bytes], pages: list[int] | None = None) -> bytes:
    """A PDF whose page n draws content stream ``pages[n]`` of ``streams`` (each compressed, one
    object; default: a page per stream). Pages naming one stream share that object."""
    pages = list(range(len(streams))) if pages is None else pages
    first_stream = 3
    first_page = first_stream + len(streams)
    font = first_page + len(pages)
    kids = " ".join(f"{first_page + n} 0 R" for n in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
    ]
    for content in streams:
        packed = zlib.compress(content, 9)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream")
    for stream in pages:
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {first_stream + stream} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def shared_stream_pdf(pages: int = 8, operations: int = 130_000) -> bytes:
    """``pages`` pages sharing one content stream of ``operations`` text operations (130,000: about
    5 MB decoded, 16 KB as a file): what took pypdf 82 s, and over 10 minutes on a loaded machine."""
    return pdf_bytes([text_operators(["word and more words here"] * operations)], [0] * pages)


def one_line_pdf(repeat: int = 400_000) -> bytes:
    """One page showing one line of ``repeat`` times five words (400,000: 10.8 MB decoded from a
    27 KB file)."""
    return pdf_bytes([b"BT /F1 12 Tf 72 720 Td (" + b"lorem ipsum dolor sit amet " * repeat + b") Tj ET"])
