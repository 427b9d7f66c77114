"""Several fetched pages of one article kept as one body: a MIME ``multipart/mixed`` message.

An article split over pages is fetched page by page (``reader.fetch.multipage``) and kept as one
stored page, so that it can be extracted again later (``manage.py reextract``) without fetching. The
container is the standard one for several documents in one (as MHTML keeps a web page with its
parts): one part per page, in order, each with its ``Content-Type`` (and charset) and its address in
``Content-Location``, the bytes base64-encoded. The fetcher's side writes it with ``pack_pages``, the
extractor reads it with ``unpack_pages``.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

MULTIPAGE_TYPE = "multipart/mixed"


@dataclass(frozen=True)
class Page:
    """One page of the container: its final ``url``, ``content_type`` (media type), ``charset`` (the
    HTTP header's, or None) and ``body`` (bytes, as fetched)."""

    url: str
    content_type: str
    charset: str | None
    body: bytes


def pack_pages(pages: list[Page]) -> bytes:
    """The pages, in order, as the bytes of one ``multipart/mixed`` message (``MULTIPAGE_TYPE``)."""
    message = EmailMessage(policy=email.policy.default)
    message["MIME-Version"] = "1.0"
    message.make_mixed()
    for page in pages:
        part = EmailMessage(policy=email.policy.default)
        maintype, _, subtype = (page.content_type or "application/octet-stream").partition("/")
        params = {"charset": page.charset} if page.charset else {}
        part.set_content(page.body, maintype=maintype, subtype=subtype or "octet-stream", cte="base64", params=params)
        part["Content-Location"] = page.url
        message.attach(part)
    return message.as_bytes()


def unpack_pages(body: bytes) -> list[Page]:
    """The pages of a message ``pack_pages`` wrote, in order; ``[]`` for bytes that hold none.

    Never raises for damaged input: a part that cannot be read is left out.
    """
    message = email.message_from_bytes(body, policy=email.policy.default)
    if not message.is_multipart():
        return []
    pages = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_param("charset")
        pages.append(
            Page(
                url=str(part.get("Content-Location", "")),
                content_type=part.get_content_type(),
                charset=charset if isinstance(charset, str) else None,
                body=payload,
            )
        )
    return pages
