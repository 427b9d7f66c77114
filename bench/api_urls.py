"""``bench.api``'s URLs: Digest's, and the answer of ``/api/version`` from a plain Django view."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def plain_version(request: HttpRequest) -> JsonResponse:
    """What ``/api/version`` answers, without Django REST framework, for comparison."""
    return JsonResponse("2.6.10", safe=False)


urlpatterns = [path("bench/plain-version", plain_version), path("", include("config.urls"))]
