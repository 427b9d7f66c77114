"""Who may see what: every view loads an article through here, so another person's id is a 404."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from reader.models import Article


def get_article_for_user(request: HttpRequest, article_id: int) -> Article:
    """The article if it belongs to the logged-in user; 404 otherwise (never 403: no leaking ids)."""
    return get_object_or_404(Article.objects.for_user(request.user), pk=article_id)


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` field when it is a path on this site; ``default`` (the list) otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default or reverse("reader:index")
