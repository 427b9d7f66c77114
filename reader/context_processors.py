"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from reader.selectors import preferences_of


def reader_preferences(request: HttpRequest) -> dict:
    """``reader_prefs``: the logged-in person's ``ReaderPreferences`` (unsaved defaults if none), else None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reader_prefs": None}
    return {"reader_prefs": preferences_of(user)}


def paste_limits(request: HttpRequest) -> dict:
    """``paste_max_chars`` and ``paste_max_links``: what one paste may hold, said next to the form and
    checked in the browser before a paste too large to send is sent."""
    return {"paste_max_chars": settings.DIGEST_PASTE_MAX_CHARS, "paste_max_links": settings.DIGEST_PASTE_MAX_LINKS}
