"""Which images the fetcher downloads (``client.fetch_image``): the raster types a browser shows in
an ``<img>`` without running anything, recognised by their first bytes.

SVG is left out on purpose: it is a document that may carry scripts, which would run if the stored
copy were ever opened from Digest's own origin. Signatures from the WHATWG MIME Sniffing standard,
section 6.1 (image type pattern matching), plus AVIF's ISO-BMFF ``ftyp`` brand (AV1 Image File
Format, section 9.1).
"""

from __future__ import annotations

# The media types accepted, as declared or as sniffed.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})
# Declared types that say nothing: the first bytes decide.
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# Bytes ``image_kind`` needs to see.
IMAGE_SNIFF_BYTES = 16
# The Accept header of an image request, as browsers send for <img>.
IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.5"


def may_be_image(media_type: str) -> bool:
    """True when a response declared as ``media_type`` (lower-case, no parameters) may be an image
    Digest accepts, so its body is worth reading: an accepted image type or a generic one."""
    return media_type in IMAGE_TYPES or media_type in GENERIC_TYPES


def image_kind(head: bytes) -> str | None:
    """The media type of the image whose first bytes are ``head`` (at least ``IMAGE_SNIFF_BYTES``
    of them when the body is that long), one of ``IMAGE_TYPES``; None for anything else (HTML,
    SVG, a truncated header)."""
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"RIFF") and head[8:14] == b"WEBPVP":
        return "image/webp"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return None
