"""``/oauth/v2/token``: wallabag's token endpoint, on django-oauth-toolkit.

django-oauth-toolkit (oauthlib underneath) does the OAuth 2 work: client secrets and tokens stored
hashed, expiry, refresh-token rotation and replay detection, the ``{error, error_description}``
answers. What it does not do is what wallabag's clients send: ``wallabag-client`` asks with a GET and
its parameters in the query string, KOReader and wallabagger post JSON, Miniflux and the Android app a
form (interop notes, section 2.1). oauthlib takes only a form POST, so ``token`` gathers the
parameters from wherever they came (query, form, JSON; the body wins) and hands oauthlib a form POST.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.utils import OpenApiResponse, extend_schema
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import urlencode
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, parser_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from reader.api.wire import json_response, wire_error

log = logging.getLogger(__name__)

# The parameters of the two grants Digest serves; anything else a client sends is dropped.
TOKEN_PARAMETERS = ("grant_type", "client_id", "client_secret", "username", "password", "refresh_token", "scope")
GRANTS = ("password", "refresh_token")


class ClientOwnerValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, but a person's API client gives tokens to that person only:
    another account's password with it is refused as a wrong password would be."""

    def validate_user(self, username, password, client, request, *args, **kwargs) -> bool:
        if not super().validate_user(username, password, client, request, *args, **kwargs):
            return False
        return client.user_id is not None and client.user_id == request.user.pk


class _TokenCore(OAuthLibCore):
    """oauthlib's token endpoint fed with the gathered parameters as a form POST (see the module)."""

    def __init__(self, params: dict[str, str]) -> None:
        super().__init__()
        self.params = params

    def _extract_params(self, request):
        headers = self.extract_headers(request)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        # The path alone: oauthlib refuses a token POST with a query string.
        return request.build_absolute_uri(request.path), "POST", urlencode(list(self.params.items())), headers


@sensitive_variables("params", "body")
def token_parameters(request: HttpRequest) -> dict[str, str]:
    """The token request's parameters from the query string, then a form body, then a JSON object
    body (later ones win), keeping only ``TOKEN_PARAMETERS`` as strings. Never raises on a bad body."""
    params: dict[str, str] = {k: request.GET[k] for k in TOKEN_PARAMETERS if k in request.GET}
    if request.method == "POST":
        content_type = (request.content_type or "").lower()
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            params.update({k: request.POST[k] for k in TOKEN_PARAMETERS if k in request.POST})
        else:
            try:
                body = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                body = None
            if isinstance(body, dict):
                params.update({k: _text(v) for k, v in body.items() if k in TOKEN_PARAMETERS and v is not None})
    return params


def _text(value) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


class TokenRequestSerializer(serializers.Serializer):
    """The token request, as a form, a JSON object or the query string."""

    grant_type = serializers.ChoiceField(choices=GRANTS)
    client_id = serializers.CharField()
    client_secret = serializers.CharField()
    username = serializers.CharField(required=False, help_text="password grant")
    password = serializers.CharField(required=False, help_text="password grant")
    refresh_token = serializers.CharField(required=False, help_text="refresh_token grant")


class TokenSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="seconds")
    refresh_token = serializers.CharField()
    scope = serializers.CharField(allow_null=True)
    token_type = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    error_description = serializers.CharField()


@extend_schema(
    request=TokenRequestSerializer,
    responses={200: TokenSerializer, 400: ErrorSerializer, 401: OpenApiResponse(ErrorSerializer)},
    auth=[],
)
@sensitive_post_parameters("password", "client_secret", "refresh_token")
@api_view(["GET", "POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@parser_classes([])
def token(request: Request) -> HttpResponse:
    """``GET|POST /oauth/v2/token``: the ``password`` grant (``client_id, client_secret, username,
    password``) or the ``refresh_token`` grant (``client_id, client_secret, refresh_token``), from the
    query string, a form or a JSON body.

    200: ``{access_token, expires_in (seconds), refresh_token, scope: null, token_type: "bearer"}``, as
    wallabag answers. 400 (``invalid_grant``: wrong password or refresh token; ``invalid_request``;
    ``unsupported_grant_type``) or 401 (``invalid_client``) with ``{error, error_description}``. Wrong
    passwords count toward the sign-in lockout (django-axes) like the login page's.
    """
    django_request: HttpRequest = request._request
    params = token_parameters(django_request)
    grant = params.get("grant_type", "")
    if grant not in GRANTS:
        return wire_error(
            400, "unsupported_grant_type", f"grant_type must be one of {', '.join(GRANTS)}; got {grant!r}."
        )
    _, headers, body, status = _TokenCore(params).create_token_response(django_request)
    try:
        answer = json.loads(body)
    except (TypeError, ValueError):
        log.error("The token endpoint gave no JSON (status %s)", status)
        return wire_error(500, "server_error", "The token could not be made.")
    if status == 200:
        answer["token_type"] = "bearer"
        answer["scope"] = None
    elif "error_description" not in answer:
        answer["error_description"] = answer.get("error", "").replace("_", " ").capitalize() + "."
    response = json_response(answer, status=status)
    for name in ("Cache-Control", "Pragma", "WWW-Authenticate"):
        if name in headers:
            response[name] = headers[name]
    return response
