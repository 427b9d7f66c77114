"""The Preferences page's sections for what lets other programs in: API clients for the wallabag apps,
the feed address, the bookmarklet. Each section is its own partial (``templates/reader/_prefs_*.html``)
and its forms post here; the page itself is ``reader.views.preferences``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from reader import api_selectors
from reader.api.bookmarklet import bookmarklet_code
from reader.models import PersonalToken
from reader.services import access
from reader.views.access import AuthedRequest

# The client just made, shown once on the next Preferences page (its secret is stored hashed).
NEW_CLIENT_KEY = "digest_new_api_client"


def apps_context(request: AuthedRequest) -> dict:
    """What the sections show: ``api_clients``, ``new_client`` (id and secret of the one just made, once),
    ``feeds`` (the feed addresses, or None when feeds are off), ``bookmarklet`` (its two ``javascript:``
    links, or None when the person has no save token). Three queries."""
    user = request.user
    origin = request.build_absolute_uri("/").rstrip("/")
    context: dict = {
        "api_clients": api_selectors.api_clients_of(user),
        "new_client": request.session.pop(NEW_CLIENT_KEY, None),
        "api_base": origin,
        "feeds": None,
        "bookmarklet": None,
    }
    feed = api_selectors.personal_token(user, PersonalToken.Kind.FEEDS)
    if feed is not None:
        context["feeds"] = {
            "unread": request.build_absolute_uri(reverse("feed-atom", args=[feed.token])),
            "opds": request.build_absolute_uri(reverse("opds-root", args=[feed.token])),
        }
    save = api_selectors.personal_token(user, PersonalToken.Kind.SAVE)
    if save is not None:
        context["bookmarklet"] = {
            "plain": bookmarklet_code(origin, save.token, capture=False),
            "capture": bookmarklet_code(origin, save.token, capture=True),
        }
    return context


def feed_link(request: AuthedRequest, query: str) -> str:
    """The address of the Atom feed of the list with query string ``query`` ("" when feeds are off)."""
    feed = api_selectors.personal_token(request.user, PersonalToken.Kind.FEEDS)
    if feed is None:
        return ""
    return request.build_absolute_uri(reverse("feed-atom", args=[feed.token])) + (f"?{query}" if query else "")


def _back(section: str) -> HttpResponse:
    return redirect(reverse("reader:preferences") + f"#{section}")


@login_required
@require_POST
def create_api_client(request: AuthedRequest) -> HttpResponse:
    """Make an API client labelled ``name``; its id and secret are shown once on the Preferences page."""
    made = access.create_api_client(user=request.user, name=request.POST.get("name", ""))
    request.session[NEW_CLIENT_KEY] = {
        "name": made.application.name,
        "client_id": made.application.client_id,
        "client_secret": made.client_secret,
    }
    return _back("api-clients")


@login_required
@require_POST
def revoke_api_client(request: AuthedRequest, client_id: int) -> HttpResponse:
    """Delete one of the person's API clients; the apps signed in with it are signed out."""
    if access.revoke_api_client(user=request.user, client_pk=client_id):
        messages.success(request, "The API client was revoked: apps using it are signed out.")
    return _back("api-clients")


@login_required
@require_POST
def personal_token(request: AuthedRequest, kind: str) -> HttpResponse:
    """``action=renew``: a new feed address or bookmarklet (the old one stops working); ``action=revoke``:
    turn it off."""
    if kind not in PersonalToken.Kind.values:
        return HttpResponse(status=404)
    section = "feeds" if kind == PersonalToken.Kind.FEEDS else "bookmarklet"
    if request.POST.get("action") == "revoke":
        if access.revoke_personal_token(user=request.user, kind=kind):
            messages.success(request, "Turned off: the old address answers nothing any more.")
    else:
        access.renew_personal_token(user=request.user, kind=kind)
    return _back(section)
