"""Error pages a person can read: for what Django refuses before a view runs, and for a database that
cannot be reached (a restart) instead of a bare HTTP 500."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

# Seconds a browser or a client is told to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


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


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler for an error no view answered (``handler500``), with ``DEBUG`` off.

    A database that cannot be reached (restarting, failing over, a dropped connection: Django's
    ``OperationalError`` or ``InterfaceError``) is not a fault of the request: HTTP 503 with
    ``Retry-After`` and a sentence saying to try again in a moment. Anything else is HTTP 500 with a
    short page. Neither page reads the database (no request context: no preferences, no user).
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        log.warning("Database unavailable while answering %s %s: %s", request.method, request.path, exception)
        message = (
            "Digest cannot reach its database right now (it may be restarting). Nothing you saved is lost; "
            "try again in a moment."
        )
        page = render_to_string("error.html", {"title": "Back in a moment", "message": message})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    message = "Something went wrong on Digest's side. Try again, and tell the administrator if it keeps happening."
    return HttpResponseServerError(render_to_string("error.html", {"title": "Server error", "message": message}))
