"""What lets a person's other programs in: API clients for the wallabag apps (OAuth 2 applications of
django-oauth-toolkit) and the personal tokens of the feeds and the bookmarklet.

Each function acts only on the given person's own rows; another person's id is ignored (never an error).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application, clear_expired

from reader.models import PersonalToken

# Longest label of an API client, characters (django-oauth-toolkit's Application.name).
CLIENT_NAME_MAX_CHARS = 255


@dataclass(frozen=True)
class NewClient:
    """An API client just made: ``application`` (its ``client_id`` is public) and ``client_secret``,
    the only time the secret is seen in clear (it is stored hashed)."""

    application: Application
    client_secret: str


@transaction.atomic
def create_api_client(*, user, name: str = "") -> NewClient:
    """A new API client of ``user`` for the wallabag apps (password and refresh-token grants), labelled
    ``name`` (cut to ``CLIENT_NAME_MAX_CHARS``; empty: "wallabag app")."""
    secret = generate_client_secret()
    application = Application.objects.create(
        user=user,
        name=(name.strip() or "wallabag app")[:CLIENT_NAME_MAX_CHARS],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_PASSWORD,
        client_secret=secret,
        hash_client_secret=True,
    )
    return NewClient(application=application, client_secret=secret)


@transaction.atomic
def revoke_api_client(*, user, client_pk: int | str) -> bool:
    """Delete ``user``'s API client ``client_pk`` and every token given through it (the apps using it are
    signed out). Returns False when ``user`` has no such client."""
    try:
        pk = int(client_pk)
    except (TypeError, ValueError):
        return False
    deleted, _ = Application.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)


@transaction.atomic
def renew_personal_token(*, user, kind: str) -> PersonalToken:
    """Give ``user`` a new token of ``kind`` (``PersonalToken.Kind``), replacing the one they had: the old
    one's addresses stop working at once (404)."""
    PersonalToken.objects.filter(user=user, kind=kind).delete()
    for _ in range(3):
        try:
            with transaction.atomic():
                return PersonalToken.objects.create(user=user, kind=kind, token=PersonalToken.new_token())
        except IntegrityError:  # another request made one at the same moment
            existing = PersonalToken.objects.filter(user=user, kind=kind).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not make a personal token.")


def clear_expired_tokens() -> None:
    """Delete the API tokens that expired (access tokens after ``DIGEST_API_TOKEN_SECONDS``, refresh tokens
    after ``DIGEST_API_REFRESH_SECONDS``), in batches: django-oauth-toolkit's ``clear_expired``."""
    clear_expired()


def revoke_personal_token(*, user, kind: str) -> bool:
    """Delete ``user``'s token of ``kind``; its addresses answer 404 from now on. False when there was none."""
    deleted, _ = PersonalToken.objects.filter(user=user, kind=kind).delete()
    return bool(deleted)
