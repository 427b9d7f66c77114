"""``manage.py api_client``: make an API client for a person's wallabag apps (KOReader, the Android app,
wallabagger, wallabag-client), as the Preferences page does."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from reader.management.users import user_named
from reader.services.access import create_api_client


class Command(BaseCommand):
    help = (
        "Make an API client (client id and secret) for a user's wallabag apps. The secret is printed "
        "once and stored hashed; revoke the client on the Preferences page or in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username who owns the client")
        parser.add_argument("--name", default="", help="a label to recognise it by (e.g. 'KOReader')")
        parser.add_argument("--json", action="store_true", help='print {"client_id", "client_secret", "name"}')

    def handle(self, *args, **options):
        user = user_named(options["user"])
        made = create_api_client(user=user, name=options["name"])
        fields = {
            "client_id": made.application.client_id,
            "client_secret": made.client_secret,
            "name": made.application.name,
        }
        if options["json"]:
            self.stdout.write(json.dumps(fields))
        else:
            for key, value in fields.items():
                self.stdout.write(f"{key}: {value}")
