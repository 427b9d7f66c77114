"""Error pages a person can read, for what Django refuses before a view runs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """HTTP 400 with a sentence saying what was wrong: for a form too large to read (a paste far past
    ``DIGEST_PASTE_MAX_CHARS``), the limit; otherwise that the request could not be understood."""
    title = "Bad request"
    if isinstance(exception, RequestDataTooBig):
        title = "Too much at once"
        message = (
            f"That was too much to send at once: Digest takes at most {settings.DIGEST_PASTE_MAX_CHARS:,} "
            "characters in one paste. Go back, and paste fewer links at a time."
        )
    else:
        message = "Digest could not understand that request. Go back and try again."
    return render(request, "error.html", {"title": title, "message": message}, status=400)
