"""Sign-in throttling (django-axes): the page a locked-out sign-in gets, and the address it is counted by.

Failures are counted per account and address together (``AXES_LOCKOUT_PARAMETERS`` in settings): after
``DIGEST_LOGIN_FAILURES`` of them that pair is refused for ``DIGEST_LOGIN_COOLOFF`` seconds, on
``/accounts/login/`` and ``/admin/login/`` alike. Someone guessing at one account from one address is
stopped; the same person from another address, and other accounts, can still sign in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None, credentials=None) -> HttpResponse:
    """The sign-in page with a message saying why it refused and what to do (``AXES_LOCKOUT_CALLABLE``),
    HTTP 429. Rendered for both sign-in forms (ours and the admin's), with an empty form to try again later."""
    context = {
        "form": AuthenticationForm(request),
        "next": request.POST.get("next") or request.GET.get("next") or "",
        "locked_out": True,
        "cooloff": duration_text(settings.DIGEST_LOGIN_COOLOFF),
    }
    return render(request, "registration/login.html", context, status=429)


def duration_text(seconds: float) -> str:
    """``900`` -> ``"15 minutes"``, ``3600`` -> ``"1 hour"``, ``90`` -> ``"90 seconds"``: whole hours or
    minutes when it is a whole number of them, else seconds."""
    seconds = int(seconds)
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def client_address(request: HttpRequest) -> str | None:
    """The address a sign-in is counted by (``AXES_CLIENT_IP_CALLABLE``): the connection's own
    (``REMOTE_ADDR``), or, when ``DIGEST_CLIENT_IP_HEADER`` names a header that the reverse proxy in front
    sets (``X-Forwarded-For``, ``X-Real-IP``), the last address in it: the one the proxy itself saw. Behind
    a proxy without that setting every sign-in comes from the proxy's address, and the lock is then in effect
    per account alone."""
    header = settings.DIGEST_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        last = value.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")
