"""The article page (reader view, summary variants) and Retry."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from reader import conf, selectors
from reader.forms import ALGORITHM_NOTES
from reader.models import Article, LeadImage, ReaderPreferences
from reader.pipeline import saving
from reader.services import organize
from reader.views.access import AuthedRequest, get_article_for_user, safe_next
from reader.views.actions import article_gone
from reader.views.htmx import current_page, with_head
from summaries.models import Summary
from summaries.summarizer import MAX_SENTENCES, available_algorithms

VIEWS = ("summary", "full")


def _view_mode(request: AuthedRequest) -> str:
    view = request.GET.get("view", "summary")
    return view if view in VIEWS else "summary"


@login_required
@require_GET
@vary_on_headers("HX-Request")
def article_detail(request: AuthedRequest, article_id: int) -> HttpResponse:
    """The article page (reader view) with its summary/full-text toggle (``?view=summary|full``).

    Opening the page, or the full text anywhere, marks the article read. An htmx request gets only
    the body fragment, swapped in place (on this page or in a list row); on this page the view and
    the summary's ``algorithm``/``sentences`` choice go into the address, so reload and Back keep them.
    """
    article = get_article_for_user(request, article_id)
    view = _view_mode(request)
    # Back/forward to a URL this page pushed (a view or summary choice) asks htmx for the whole page.
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    just_read = False
    if article.read_at is None and (view == "full" or not fragment) and article.status == Article.Status.READY:
        just_read = bool(organize.mark_read(user=request.user, article_ids=[article.pk]))
        article.read_at = timezone.now()
    prefs = selectors.preferences_of(request.user)
    chosen = "algorithm" in request.GET or "sentences" in request.GET
    selectors.attach_summaries(request.user, [article])
    listed = article.summary  # the summary the list shows for the article
    if chosen and article.status == Article.Status.READY:
        algorithm, sentences = selectors.parse_variant(
            request.GET.get("algorithm"), request.GET.get("sentences"), request.user
        )
        article.summary = saving.request_summary(article, algorithm=algorithm, sentences=sentences)
    else:
        algorithm, sentences = (
            (listed.algorithm, listed.sentence_count) if listed else selectors.default_variant(request.user)
        )
    shown = article.summary
    # A variant only looked at stays in this page's address; "Use this summary" makes it the list's.
    can_choose = bool(
        shown and shown.pk and shown.status == Summary.Status.READY and (listed is None or listed.pk != shown.pk)
    )
    context = {
        "article": article,
        "view": view,
        "algorithm": algorithm,
        "sentences": sentences,
        "variant_query": f"&algorithm={algorithm}&sentences={sentences}" if chosen else "",
        "algorithms": available_algorithms(conf.summary_options()),
        "algorithm_note": ALGORITHM_NOTES.get(algorithm, ""),
        "can_choose": can_choose,
        "listed": listed,
        "sentence_choices": range(1, MAX_SENTENCES + 1),
        "compact": request.GET.get("compact") == "1",
        "prefs": prefs,
        "themes": ReaderPreferences.Theme.choices,
        "fonts": ReaderPreferences.Font.choices,
        "next_url": current_page(request) if fragment else request.get_full_path(),
        "detail": not fragment,
        "lead_image": not fragment and LeadImage.objects.filter(article_id=article.pk).exists(),
        "oob_actions": just_read and fragment,
    }
    if fragment:
        response = render(request, "reader/_article_body.html", context)
        # Read just now in a list row: the view counts change too.
        return with_head(request, response) if just_read else response
    context["all_tags"] = selectors.tags_of(request.user)
    return render(request, "reader/article_detail.html", context)


@login_required
@require_safe
@cache_control(private=True, max_age=86400)
def lead_image(request: AuthedRequest, article_id: int) -> HttpResponse:
    """The article's lead image as Digest downloaded it (``LeadImage``): its bytes with the type they
    show, to the article's owner only. Nothing in it can run: a raster type only, ``nosniff``, and a
    policy that allows nothing. 404 when there is none."""
    article = get_article_for_user(request, article_id)
    image = LeadImage.objects.filter(article_id=article.pk).first()
    if image is None:
        raise Http404("No lead image.")
    response = HttpResponse(bytes(image.body), content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def retry_article(request: AuthedRequest, article_id: int) -> HttpResponse:
    """Queue a failed article again; the row goes back to pending and starts the page poll."""
    article = Article.objects.for_user(request.user).filter(pk=article_id).first()
    if article is None:
        return article_gone(request, article_id, Article.objects.filter(owner=request.user, pk=article_id).first())
    if not saving.retry_article(article=article) and not request.htmx:
        messages.info(request, "That article is not failed, so there is nothing to retry.")
    if not request.htmx:
        return redirect(safe_next(request))
    article.refresh_from_db()
    selectors.attach_summaries(request.user, [article])
    context = {
        "new_articles": [],
        "article": article,
        "poll_interval": settings.DIGEST_POLL_INTERVAL,
        "view": "summary",
        "next_url": current_page(request),
    }
    return render(request, "reader/_retry_response.html", context)


@login_required
@require_POST
def choose_summary(request: AuthedRequest, article_id: int) -> HttpResponse:
    """``POST /articles/<id>/summary/`` (``algorithm``, ``sentences``): "Use this summary" on the article
    page. That variant becomes the one the list and the plain article page show for the article (the
    person's default variant clears the choice). Back to the article page showing that variant."""
    article = get_article_for_user(request, article_id)
    algorithm, sentences = selectors.parse_variant(
        request.POST.get("algorithm"), request.POST.get("sentences"), request.user
    )
    default = selectors.default_variant(request.user)
    if organize.choose_summary(
        user=request.user, article_id=article.pk, algorithm=algorithm, sentences=sentences, default=default
    ):
        messages.success(
            request, f"Your list now shows this summary ({algorithm}, {sentences} sentences) for this article."
        )
    else:
        messages.error(request, "That summary is not ready yet; wait until it shows, then choose it.")
    return redirect(
        f"{reverse('reader:article-detail', args=[article.pk])}?view=summary&algorithm={algorithm}&sentences={sentences}"
    )
