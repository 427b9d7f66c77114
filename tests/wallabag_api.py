"""Helpers for the wallabag API tests: a person with an API client, and their tokens."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from reader.services.access import create_api_client

PASSWORD = "pw-reader-12345"


@dataclass
class ApiUser:
    """A person with an API client: ``user``, ``client_id``, ``client_secret``, ``password``."""

    user: User
    client_id: str
    client_secret: str
    password: str = PASSWORD

    @property
    def username(self) -> str:
        return self.user.get_username()

    def password_grant(self) -> dict[str, str]:
        return {
            "grant_type": "password",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "username": self.username,
            "password": self.password,
        }


def api_user(name: str) -> ApiUser:
    """A new person called ``name`` (password ``PASSWORD``) with one API client."""
    user = get_user_model().objects.create_user(name, password=PASSWORD, email=f"{name}@example.org")
    made = create_api_client(user=user, name=f"{name}'s app")
    return ApiUser(user=user, client_id=made.application.client_id, client_secret=made.client_secret)


def token_for(client, who: ApiUser) -> dict:
    """A token answer (``access_token``, ``refresh_token``, ...) for ``who`` through ``/oauth/v2/token``."""
    response = client.post("/oauth/v2/token", who.password_grant())
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: dict | str) -> dict[str, str]:
    """Test-client keyword arguments sending ``token`` as ``Authorization: Bearer``."""
    value = token["access_token"] if isinstance(token, dict) else token
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}
