"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest


def reader_preferences(request: HttpRequest) -> dict:
    """``reader_prefs``: the logged-in person's ``ReaderPreferences`` (unsaved defaults if none), else None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reader_prefs": None}
    from reader.models import ReaderPreferences

    try:
        prefs = user.reader_preferences
    except ReaderPreferences.DoesNotExist:
        prefs = ReaderPreferences(user=user)
    return {"reader_prefs": prefs}
