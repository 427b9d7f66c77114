"""Gzip bytes where a page was expected: a server that sends a pre-compressed ``.html.gz`` file (or a
caching plugin's copy) as ``text/html`` without ``Content-Encoding``, and the ``manage.py extract``
command's ``.gz`` files. The fetcher and the extractor both undo it here, within a size cap.
"""

from __future__ import annotations

import zlib

GZIP_MAGIC = b"\x1f\x8b"


class DecompressionError(ValueError):
    """The gzip bytes are damaged (``too_large`` False) or inflate past the cap (``too_large`` True)."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def is_gzip(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a body) starts with the gzip magic number (1f 8b)."""
    return head[:2] == GZIP_MAGIC


def gunzip(body: bytes, max_bytes: int) -> bytes:
    """The decompressed bytes of a gzip ``body``, at most ``max_bytes`` of them.

    Decompresses no more than ``max_bytes + 1`` bytes whatever the input (a small "zip bomb" cannot
    fill memory). A body cut short gives what it holds, as a browser shows a page that stopped
    loading. Raises ``DecompressionError`` (``too_large`` True) past ``max_bytes``, or for bytes that
    are not gzip data at all.
    """
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise DecompressionError("The page is gzip-compressed but its compressed data is damaged.") from exc
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise DecompressionError(f"The compressed page is larger than {max_bytes} bytes.", too_large=True)
    return out
