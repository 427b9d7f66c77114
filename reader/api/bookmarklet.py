"""Saving from the browser and the phone: the bookmarklet's popup and endpoint, the web app manifest and
its share target.

**Bookmarklet.** A page's own Content-Security-Policy decides what a bookmarklet may do there: a strict
one (``connect-src 'none'``) refuses any request to Digest, and another site's page never has Digest's
session. So the bookmarklet (``bookmarklet_code``) only opens a small window on Digest's own origin,
``/save/#…``, passing the link, the title and the person's save token in the fragment (never sent to a
server, so never in a log). With "save the page as I see it" it also hands that window the page's
rendered HTML by ``postMessage`` (which no CSP governs), addressed to Digest's origin only. The window
(``static/js/save-popup.js``, under Digest's own CSP) posts to ``/api/save/`` with the token and shows
what was saved, with a link to the article. The token may only save (``PersonalToken.Kind.SAVE``): a
page that spied on the bookmarklet could add links to the list, never read it.

**Share target.** ``/manifest.webmanifest`` names ``/share/?url=&title=&text=`` as Digest's share target,
so once Digest is installed on a phone, Share → Digest saves the link for the signed-in person. A share
comes from the browser itself (``Sec-Fetch-Site: none``) and saves at once; a request from another site
(a link or a form elsewhere) only shows the link with a Save button, so no page can save into a list.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reader import api_selectors
from reader.api.wire import json_response, wire_error
from reader.fetch.urls import InvalidURL
from reader.models import Article, PersonalToken
from reader.pipeline import saving
from reader.services import organize

# The first http(s) link in a shared text (apps often put the link in "text", after a sentence).
_LINK_IN_TEXT = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# Browsers that send Fetch Metadata say where a navigation came from; only the browser itself (a share,
# the address bar) or Digest's own pages may save on a GET.
_OWN_NAVIGATION = ("none", "same-origin")


def bookmarklet_code(origin: str, token: str, *, capture: bool) -> str:
    """The ``javascript:`` URL of a person's bookmarklet: opens ``{origin}/save/`` in a small window with
    the page's link, title and ``token`` in the fragment; with ``capture`` it then sends that window the
    page as rendered (``<!DOCTYPE html>`` + ``outerHTML``) when it asks, and only to ``origin``. Where no
    window may open, the tab itself goes there (the link is saved, the page is not captured)."""
    save = origin + reverse("save-popup")
    send = (
        "var h='<!DOCTYPE html>'+d.documentElement.outerHTML;"
        "addEventListener('message',function m(e){if(e.source===w&&e.origin===o&&e.data==='digest:ready'){"
        "w.postMessage({html:h,url:location.href,title:d.title},o);removeEventListener('message',m)}})"
    )
    source = (
        f"(function(){{var o={json.dumps(origin)},d=document,"
        f"u={json.dumps(save)}+'#t='+{json.dumps(quote(token, safe=''))}+'&c={int(capture)}&u='"
        "+encodeURIComponent(location.href)+'&ti='+encodeURIComponent(d.title),"
        "w=window.open(u,'digest-save','width=460,height=340');"
        "if(!w){location.href=u;return}" + (send if capture else "") + "})();"
    )
    return "javascript:" + quote(source, safe="(){}[];,=+:'!*/&?.#$@|_-~")


@require_GET
def save_popup(request: HttpRequest) -> HttpResponse:
    """``/save/``: the bookmarklet's window (static/js/save-popup.js does the work; no sign-in needed,
    the token comes in the fragment)."""
    response = render(request, "reader/save_popup.html", {})
    response["Referrer-Policy"] = "no-referrer"
    # Django's default (same-origin) would cut this window off from the page that opened it, which
    # must hand it the page's HTML; the window holds nothing another site could learn from.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


def _token_from(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


@csrf_exempt  # not a cookie session: the save token in the Authorization header is the credential
@require_POST
def save_from_bookmarklet(request: HttpRequest) -> HttpResponse:
    """``POST /api/save/`` with ``Authorization: Bearer <save token>`` and a JSON body ``{url, title,
    html?}``: save the link, or with ``html`` the page as the person saw it (``captured``, never
    fetched). Answers ``{id, title, url, article_url, created, captured, status}``; 401 for a missing,
    unknown or revoked token; 400 (``{error, error_description}``) for a bad link or a page over
    ``DIGEST_FETCH_MAX_BYTES``."""
    user = api_selectors.token_owner(_token_from(request), PersonalToken.Kind.SAVE)
    if user is None:
        return wire_error(
            401, "invalid_grant", "This bookmarklet is not valid any more: drag the new one from Digest's Preferences."
        )
    try:
        body = json.loads(request.body or b"{}")
    except RequestDataTooBig:
        limit = settings.DIGEST_FETCH_MAX_BYTES
        return wire_error(400, "invalid_request", f"The page is larger than Digest keeps ({limit:,} bytes).")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        return wire_error(400, "invalid_request", "Send a JSON object: {url, title, html}.")
    url, title, html = (str(body.get(k) or "") for k in ("url", "title", "html"))
    if html.strip():
        try:
            saved = saving.save_page(
                user=user, url=url, body=html.encode("utf-8"), content_type="text/html", charset="utf-8", title=title
            )
        except (InvalidURL, saving.PageTooLarge) as exc:
            return wire_error(400, "invalid_request", str(exc))
        article, created = saved.article, saved.created
    else:
        result = saving.save_url(user=user, url=url)
        if result.errors:
            return wire_error(400, "invalid_request", f"{url or 'This page'}: {result.errors[0][1]}")
        article, created = result.in_order[0], bool(result.created)
    return json_response(
        {
            "id": article.pk,
            "title": article.title or title or article.url,
            "url": article.url,
            "article_url": request.build_absolute_uri(reverse("reader:article-detail", args=[article.pk])),
            "created": created,
            "captured": article.captured,
            "status": article.status,
        }
    )


def manifest(request: HttpRequest) -> HttpResponse:
    """``/manifest.webmanifest``: Digest as an installable web app, with its share target (``/share/``)."""
    data = {
        "name": "Digest",
        "short_name": "Digest",
        "description": "Your reading list, summarized.",
        "start_url": reverse("reader:index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f5fbf",
        "icons": [
            {"src": static("icons/digest-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/digest-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
        "share_target": {
            "action": reverse("share"),
            "method": "GET",
            "enctype": "application/x-www-form-urlencoded",
            "params": {"title": "title", "text": "text", "url": "url"},
        },
    }
    response = JsonResponse(data)
    response["Content-Type"] = "application/manifest+json"
    return response


def shared_link(params) -> str:
    """The link a share carries: ``url``, else the first http(s) link in ``text``, else ``text`` itself."""
    url = (params.get("url") or "").strip()
    if url:
        return url
    text = (params.get("text") or "").strip()
    found = _LINK_IN_TEXT.search(text)
    return found.group(0).rstrip(".,;:!?)»”'") if found else text


@login_required
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest) -> HttpResponse:
    """``/share/``: the share target. A GET from the browser itself (or Digest's own pages) saves the
    shared link at once; from anywhere else it shows the link with a Save button (a POST, with the
    form's CSRF token). Shows what was saved, with a link to the article, or why it was not."""
    params = request.POST if request.method == "POST" else request.GET
    link = shared_link(params)
    title = (params.get("title") or "").strip()
    context: dict = {"link": link, "title": title}
    own = request.META.get("HTTP_SEC_FETCH_SITE", "") in _OWN_NAVIGATION
    if request.method == "GET" and not own:
        return render(request, "reader/share.html", {**context, "confirm": True})
    if not link:
        return render(request, "reader/share.html", {**context, "error": "Nothing to save: the share had no link."})
    result = saving.save_url(user=request.user, url=link)
    if result.errors:
        return render(request, "reader/share.html", {**context, "error": f"{link}: {result.errors[0][1]}"})
    article: Article = result.in_order[0]
    if title and not article.title:
        # The shared title until the page gives its own.
        organize.set_title(user=request.user, article_ids=[article.pk], title=title)
        article.title = title
    context.update(article=article, created=bool(result.created))
    return render(request, "reader/share.html", context)
