"""Moving a library in and out: the Import page (upload, live progress, the report of what was not
imported) and the exports (the list's Export menu, and each article's)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from reader import selectors
from reader.models import ImportJob
from reader.pipeline.importing import ImportTooLarge
from reader.pipeline.saving import import_upload
from reader.transfer.exporters import article_epub, article_markdown, article_text
from reader.transfer.exporters.article import attachment, download_name, slug
from reader.transfer.exporters.library import FORMATS, export, selected_ids
from reader.transfer.importers import FORMATS as IMPORT_FORMATS
from reader.transfer.importers import UnreadableFile
from reader.views.access import AuthedRequest, get_article_for_user

RECENT_JOBS = 10  # imports listed on the Import page
ARTICLE_FORMATS = {
    "epub": ("application/epub+zip", "epub"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "txt": ("text/plain; charset=utf-8", "txt"),
}


def _limits() -> dict:
    return {
        "max_mb": settings.DIGEST_IMPORT_MAX_BYTES / 1e6,
        "max_entries": settings.DIGEST_IMPORT_MAX_ENTRIES,
        "formats": IMPORT_FORMATS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: AuthedRequest) -> HttpResponse:
    """``GET /import/``: the upload form, with the limits, and the person's recent imports.
    ``POST``: keep the file (``file``; ``format`` optional; ``folders_as_tags``), start the import in the
    background and go to its page; a file too large, missing, empty or plainly not an export (an image,
    a PDF: its first bytes tell) is said on the form, with HTTP 400."""
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        wanted = request.POST.get("format", "")
        if upload is None or not upload.size:
            error = "Choose a file to import."
        elif wanted and wanted not in IMPORT_FORMATS:
            error = "Choose one of the formats listed, or let Digest detect it."
        else:
            try:
                job = import_upload(
                    user=request.user,
                    upload=upload,
                    name=upload.name or "import",
                    folders_as_tags=bool(request.POST.get("folders_as_tags")),
                    format=wanted,
                )
            except (ImportTooLarge, UnreadableFile) as exc:
                error = str(exc)
            else:
                return redirect("reader:import-detail", job.pk)
    jobs = list(ImportJob.objects.filter(owner=request.user)[:RECENT_JOBS])
    context = {"jobs": jobs, "error": error, **_limits()}
    return render(request, "reader/import.html", context, status=400 if error else 200)


def _job_for_user(request: AuthedRequest, job_id: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=job_id, owner=request.user)


@login_required
@require_GET
def import_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    """``GET /import/<id>/``: one import's progress. While it runs the progress region polls
    ``import-progress`` (the page's only poll), which answers HTTP 286 once nothing more will change."""
    progress = selectors.import_progress(_job_for_user(request, job_id))
    context = {"progress": progress, "poll_interval": settings.DIGEST_POLL_INTERVAL, **_limits()}
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "reader/_import_progress.html", context)
        if progress.finished:
            response.status_code = 286  # htmx stops polling
        return response
    return render(request, "reader/import_job.html", context)


@login_required
@require_GET
def import_report(request: AuthedRequest, job_id: int) -> StreamingHttpResponse:
    """``GET /import/<id>/report.csv``: every row of the file that was not imported, and why (CSV:
    position, outcome, url, title, reason, article id when it was already saved)."""
    job = _job_for_user(request, job_id)

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["position", "outcome", "url", "title", "reason", "article"])
        for problem in job.problems.all().iterator(chunk_size=1000):
            cells = [problem.position, problem.get_kind_display(), problem.url, problem.title, problem.reason]
            writer.writerow([_inert(cell) for cell in cells] + [problem.article_id or ""])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(f"digest-import-{job.pk}-report.csv")
    return response


def _inert(cell: str) -> str:
    """A cell a spreadsheet will not run: text from an import file that starts like a formula (``=``,
    ``+``, ``-``, ``@``) gets a leading apostrophe (OWASP, "CSV Injection")."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


@login_required
@require_GET
def export_library(request: AuthedRequest) -> StreamingHttpResponse:
    """``GET /export/?format=json|html|csv|markdown|epub`` and the list's parameters (``show``,
    ``tag``, ``site``, ``lang``, ``q``): what the list shows, as a download, streamed, named
    ``digest-export-YYYY-MM-DD.ext`` for the whole library, else after what narrowed it."""
    format = request.GET.get("format", "")
    if format not in FORMATS:
        raise Http404("Unknown export format.")
    params = request.GET.copy()
    # Without a view the export takes every article (the list's default view is only the unread).
    if "show" not in params and not params.get("q"):
        params["show"] = "all"
    filters = selectors.list_filters(params)
    ids = selected_ids(request.user, filters=filters)
    # What the file holds names it: a search, a tag, a site, a language, a view; nothing for everything.
    label = filters.q or filters.tag or filters.site or filters.lang or ("" if filters.show == "all" else filters.show)
    response = StreamingHttpResponse(
        export(request.user, format, ids, title=filters.q or filters.tag or "Digest"),
        content_type=FORMATS[format].content_type,
    )
    name = download_name(label, FORMATS[format].extension, timezone.localdate())
    response["Content-Disposition"] = attachment(name)
    return response


@login_required
@require_GET
def export_article(request: AuthedRequest, article_id: int, format: str) -> HttpResponse:
    """``GET /articles/<id>/export.<epub|md|txt>``: one article as an EPUB book, Markdown or plain text."""
    if format not in ARTICLE_FORMATS:
        raise Http404("Unknown export format.")
    article = get_article_for_user(request, article_id)
    if format == "epub":
        body: bytes | str = article_epub(article)
    elif format == "md":
        body = article_markdown(article)
    else:
        body = article_text(article)
    content_type, extension = ARTICLE_FORMATS[format]
    response = HttpResponse(body, content_type=content_type)
    name = f"{slug(article.display_title, 'article')}.{extension}"
    response["Content-Disposition"] = attachment(name)
    return response
