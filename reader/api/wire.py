"""The wire rules wallabag's clients break on (interop notes, section 2.1 "Wire format rules").

- ``Content-Type: application/json`` with no charset: wallabag-client parses a body only when the type
  is exactly that (``api.py``, ``Response.__init__``).
- Errors as ``{"error": ..., "error_description": ...}`` with 400 or 401, as FOSOAuthServerBundle
  answers: wallabag-client shows both, the Android app's wrapper refreshes its token on a 401.
- Dates as ``2016-04-05T09:07:54+0000`` (PHP's ``Y-m-d\\TH:i:sO``), in UTC.
- Flags read as 0/1, "0"/"1" and true/false (the clients send all three).
- JSON whatever the client says it accepts (wallabag ignores ``Accept``; KOReader sends ``*/*``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

WIRE_DATE = "%Y-%m-%dT%H:%M:%S+0000"
FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "null"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def json_response(data, status: int = 200) -> HttpResponse:
    """``data`` as a JSON response with the bare ``application/json`` type (UTF-8, no BOM, compact)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HttpResponse(body, status=status, content_type="application/json")


def wire_error(status_code: int, error: str, description: str) -> HttpResponse:
    """An error as wallabag's clients read one: ``{"error", "error_description"}`` with ``status_code``."""
    return json_response({"error": error, "error_description": description}, status=status_code)


def wire_date(moment: datetime | None) -> str | None:
    """``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SS+0000``, or None."""
    return moment.astimezone(UTC).strftime(WIRE_DATE) if moment is not None else None


def flag(value) -> bool | None:
    """A client's flag as a bool: 1/0, "1"/"0", true/false, "true"/"false" (and yes/no, on/off);
    None when absent (None). Raises ``ValidationError`` (400) for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    if word.lstrip("-").isdigit():
        return int(word) != 0
    raise exceptions.ValidationError(f"{value!r} is not a flag: use 1 or 0 (or true or false).")


# DRF's exceptions by what wallabag's clients get for them.
_ERROR_NAMES = {
    status.HTTP_400_BAD_REQUEST: "invalid_request",
    status.HTTP_401_UNAUTHORIZED: "access_denied",
    status.HTTP_403_FORBIDDEN: "access_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "invalid_request",
    status.HTTP_429_TOO_MANY_REQUESTS: "too_many_requests",
}


def wallabag_errors(exc, context) -> Response | None:
    """DRF's exception handler, answering ``{"error", "error_description"}`` as wallabag does.

    A request without a token gets 401 ``access_denied``; one with an expired or unknown token gets 401
    ``invalid_grant`` (FOSOAuthServerBundle's answer, on which clients renew the token).
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else "Not found.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    error = _ERROR_NAMES.get(response.status_code, "server_error")
    description = _describe(response.data)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        request = context.get("request")
        oauth_error = getattr(getattr(request, "_request", request), "oauth2_error", None) or {}
        if oauth_error.get("error") or _has_token(request):
            error = "invalid_grant"
            description = "The access token provided is invalid or has expired."
        else:
            description = "OAuth2 authentication required: send Authorization: Bearer <access_token>."
    response.data = {"error": error, "error_description": description}
    return response


def _has_token(request) -> bool:
    if request is None:
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header.lower().startswith("bearer ") or "access_token" in request.GET


def _describe(data) -> str:
    """One sentence from DRF's error data (a string, a list, or fields with lists)."""
    if isinstance(data, dict):
        if "detail" in data:
            return str(data["detail"])
        return " ".join(f"{name}: {_describe(value)}" for name, value in data.items())
    if isinstance(data, list):
        return " ".join(_describe(item) for item in data)
    return str(data)
