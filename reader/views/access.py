"""Who may see what: every view loads an article through here, so another person's id is a 404."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from reader.models import Article


class AuthedRequest(HttpRequest):
    """A request to a page behind ``@login_required``, as django-htmx's middleware leaves it: for
    the type checker, which cannot see either (``request.htmx`` is falsy off htmx)."""

    htmx: HtmxDetails
    user: User  # narrowed from User | AnonymousUser by @login_required


def get_article_for_user(request: HttpRequest, article_id: int) -> Article:
    """The article if it belongs to the logged-in user; 404 otherwise (never 403: no leaking ids)."""
    return get_object_or_404(Article.objects.for_user(request.user), pk=article_id)


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` field when it is a path on this site; ``default`` (the list) otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default or reverse("reader:index")
