"""The Preferences page and the reader view's quick controls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from reader.forms import PreferencesForm
from reader.models import ReaderPreferences
from reader.services.preferences import set_reader_look
from reader.views.access import AuthedRequest, safe_next
from reader.views.apps import apps_context
from reader.views.htmx import current_page


@login_required
@require_POST
def reader_look(request: AuthedRequest) -> HttpResponse:
    """``POST /preferences/reader/``: the reader view's quick controls (``theme``, ``font``, ``font_size``;
    each optional). Saved for the person. htmx gets the controls again plus an ``HX-Trigger`` event
    ``digest:look`` carrying the new values, which digest.js applies to the page at once."""
    prefs = set_reader_look(
        user=request.user,
        theme=request.POST.get("theme"),
        font=request.POST.get("font"),
        font_size=request.POST.get("font_size"),
    )
    if not request.htmx:
        return redirect(safe_next(request))
    context = {
        "prefs": prefs,
        "themes": ReaderPreferences.Theme.choices,
        "fonts": ReaderPreferences.Font.choices,
        "next_url": current_page(request),
    }
    response = render(request, "reader/_reader_controls.html", context)
    look = {"theme": prefs.theme, "font": prefs.font, "size": prefs.font_size}
    return trigger_client_event(response, "digest:look", look)


@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    """The person's default summary (algorithm, length) and reader look (theme, font, size)."""
    prefs, _ = ReaderPreferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Preferences saved.")
        return redirect("reader:preferences")
    return render(request, "reader/preferences.html", {"form": form, **apps_context(request)})
