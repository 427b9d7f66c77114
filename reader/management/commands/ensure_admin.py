"""``manage.py ensure_admin``: on first start with no user, create an administrator."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from config.envfiles import env_or_file


class Command(BaseCommand):
    help = "Create a superuser from DIGEST_ADMIN_USER/DIGEST_ADMIN_PASSWORD (or a generated password, printed once) if no user exists."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            return
        username = os.environ.get("DIGEST_ADMIN_USER") or "admin"
        try:
            password = env_or_file("DIGEST_ADMIN_PASSWORD")  # or DIGEST_ADMIN_PASSWORD_FILE
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created user {username!r} with password {password!r} (shown once; change it after logging in)."
                )
            )
        else:
            self.stdout.write(f"Created user {username!r} with the password from DIGEST_ADMIN_PASSWORD.")
