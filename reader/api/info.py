"""wallabag's ``/api/version``, ``/api/info`` (no sign-in needed) and ``/api/config``."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from reader import api_selectors, selectors
from reader.api.serializers import ConfigSerializer, InfoSerializer
from reader.models import PersonalToken

# The wallabag version Digest answers as: at least 2.4, from which wallabagger and the Android app ask
# "exists" by URL hash, and a full x.y.z (wallabag-client checks it against \d+\.\d+\.\d+ and 2.1.1).
WALLABAG_VERSION = "2.6.10"
# Digest's reading speed (``Article.reading_minutes``: 230 words a minute) in wallabag's unit, 200 words a minute.
READING_SPEED = 230 / 200


@extend_schema(operation_id="version", responses=OpenApiResponse(description='a JSON string, e.g. "2.6.10"'))
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def version(request: Request, **kwargs) -> Response:
    """``GET /api/version``: the wallabag API version Digest speaks, as a JSON string."""
    return Response(WALLABAG_VERSION)


@extend_schema(operation_id="info", responses=InfoSerializer)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def info(request: Request, **kwargs) -> Response:
    """``GET /api/info``: ``{appname, version, allowed_registration}``; accounts are made by an admin."""
    return Response({"appname": "wallabag", "version": WALLABAG_VERSION, "allowed_registration": False})


@extend_schema(operation_id="config", responses=ConfigSerializer)
@api_view(["GET"])
def config(request: Request, **kwargs) -> Response:
    """``GET /api/config``: the person's reading settings in wallabag's names (``fontsize`` in CSS pixels,
    ``feed_token`` the secret of their feeds or null)."""
    prefs = selectors.preferences_of(request.user)
    token = api_selectors.personal_token(request.user, PersonalToken.Kind.FEEDS)
    return Response(
        {
            "id": request.user.pk,
            "items_per_page": settings.DIGEST_PAGE_SIZE,
            "language": "en",
            "feed_token": token.token if token else None,
            "feed_limit": settings.DIGEST_FEED_SIZE,
            "reading_speed": READING_SPEED,
            "action_mark_as_read": 1,
            "list_mode": 0,
            "display_thumbnails": 1,
            "font": prefs.font,
            "fontsize": float(prefs.font_size),
            "line_height": 1.5,
            "max_width": 36.0,
        }
    )
