"""The person's choices: how the reader view looks."""

from __future__ import annotations

from django.db import transaction

from reader.models import ReaderPreferences


@transaction.atomic
def set_reader_look(*, user, theme: str | None = None, font: str | None = None, font_size=None) -> ReaderPreferences:
    """Save the reader view's look for ``user``: ``theme`` (system, light, dark, sepia), ``font``
    (serif, sans), ``font_size`` (CSS pixels, clamped to ``ReaderPreferences.FONT_SIZES``). None or an unknown value
    leaves that choice as it was. Returns the saved preferences."""
    prefs, _ = ReaderPreferences.objects.get_or_create(user=user)
    fields: list[str] = []
    if theme in ReaderPreferences.Theme.values:
        prefs.theme = theme
        fields.append("theme")
    if font in ReaderPreferences.Font.values:
        prefs.font = font
        fields.append("font")
    try:
        size = int(font_size) if font_size not in (None, "") else None
    except (TypeError, ValueError):
        size = None
    if size is not None:
        prefs.font_size = min(max(size, ReaderPreferences.FONT_SIZES[0]), ReaderPreferences.FONT_SIZES[1])
        fields.append("font_size")
    if fields:
        prefs.save(update_fields=fields)
    return prefs
