"""API benchmark: what Django REST framework and django-oauth-toolkit cost per request, against the pages.

Run ``python -m bench.api`` from the repo (``make bench-api``). A new SQLite database in a temporary
folder (deleted afterwards) gets one person with ``--articles`` (default 300) ready articles, each
with 2 tags and a 3-sentence summary, and one API client. In-process Django test ``Client`` requests
(server time: no network), each URL 3 warm-up requests then ``--repeat`` (default 200) timed ones,
all in one run so that the ratios hold on a noisy machine:

* ``version``: ``GET /api/version`` (a DRF view, no authentication) against the same answer from a
  plain Django view (``JsonResponse``): what DRF's request/response cycle adds.
* ``auth``: ``GET /api/config`` (DRF with a bearer token checked by django-oauth-toolkit) against
  ``version``: what checking a token adds.
* ``entries``: ``GET /api/entries?perPage=30`` (30 entries with content and summary, serialized by DRF
  serializers) against the list page ``/`` (30 rows rendered by templates).
* ``token``: ``POST /oauth/v2/token`` (the password grant) with Django's production password hasher.

Prints ``NAME median_ms=X p95_ms=Y`` lines and ``ratio A/B=R`` lines; ``#`` lines are notes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def timed(client, method: str, url: str, repeat: int, **extra) -> list[float]:
    """Milliseconds of ``repeat`` requests after 3 warm-up ones; each must answer 200."""
    call = getattr(client, method)
    for _ in range(3):
        assert call(url, **extra).status_code == 200
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = call(url, **extra)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:200]
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="digest-bench-api-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    # Django and the models are imported once DATABASE_URL names the temporary database (as bench.web).
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from reader.models import Article, Tag
    from reader.services.access import create_api_client
    from summaries.models import Summary

    try:
        setup_test_environment()
        call_command("migrate", verbosity=0)
        person = get_user_model().objects.create_user("bench", password="pw-bench-12345")
        text = "\n".join(f"Paragraph {n} of the story. It says something about the harbour." for n in range(40))
        articles = Article.objects.bulk_create(
            Article(
                owner=person,
                url=f"https://news.example.com/{n}",
                canonical_url=f"https://news.example.com/{n}",
                site="news.example.com",
                status="ready",
                title=f"Story {n}",
                text=text,
                word_count=len(text.split()),
            )
            for n in range(args.articles)
        )
        tags = [Tag.objects.create(owner=person, name=f"tag{n}") for n in range(10)]
        links = Article.tags.through
        links.objects.bulk_create(
            links(article_id=a.pk, tag_id=tags[(i + k) % 10].pk) for i, a in enumerate(articles) for k in range(2)
        )
        spans = [{"text": "Paragraph 0 of the story.", "start": 0, "end": 25}] * 3
        Summary.objects.bulk_create(
            Summary(
                article=a,
                algorithm=settings.DIGEST_SUMMARY_ALGORITHM,
                sentence_count=3,
                status="ready",
                sentences=spans,
            )
            for a in articles
        )
        made = create_api_client(user=person, name="bench")
        grant = {
            "grant_type": "password",
            "client_id": made.application.client_id,
            "client_secret": made.client_secret,
            "username": "bench",
            "password": "pw-bench-12345",
        }
        client = Client()
        with override_settings(ROOT_URLCONF="bench.api_urls"):
            token = client.post("/oauth/v2/token", grant).json()["access_token"]
            auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            results = {
                "plain_version": timed(client, "get", "/bench/plain-version", args.repeat),
                "version": timed(client, "get", "/api/version", args.repeat),
                "auth_config": timed(client, "get", "/api/config", args.repeat, **auth),
                "entries_30": timed(client, "get", "/api/entries?perPage=30", args.repeat, **auth),
            }
            client.force_login(person)
            results["list_page_30"] = timed(client, "get", "/", args.repeat)
            results["token_grant"] = timed(client, "post", "/oauth/v2/token", max(10, args.repeat // 20), data=grant)
        medians = {name: statistics.median(times) for name, times in results.items()}
        print(f"# {args.articles} articles, {args.repeat} timed requests each; hasher {settings.PASSWORD_HASHERS[0]}")
        for name, times in results.items():
            print(f"{name} median_ms={medians[name]:.2f} p95_ms={p95(times):.2f}")
        for a, b in (("version", "plain_version"), ("auth_config", "version"), ("entries_30", "list_page_30")):
            print(f"ratio {a}/{b}={medians[a] / medians[b]:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
