"""`manage.py create_api_token --user USERNAME [--name NAME] [--json]` (INTERFACES §1)."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clients.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", required=True, help="Username of the token's owner, e.g. alice"
        )
        parser.add_argument(
            "--name", default="", help="A label for the token, e.g. 'reporting script'"
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help='Print exactly {"token": "…"} on stdout',
        )

    def handle(self, *args, user, name, as_json, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            self.fail(f"No user named {user!r}.", as_json)
        if not owner.is_active:
            self.fail(f"User {user!r} is inactive; its tokens would never authenticate.", as_json)
        _, raw = create_api_token(user=owner, name=name)
        if as_json:
            self.stdout.write(json.dumps({"token": raw}))
        else:
            self.stdout.write(raw)
            self.stderr.write(
                f"API token for {owner.username}: copy it now, it is not shown again."
            )

    def fail(self, message: str, as_json: bool):
        # --json: stdout carries only the JSON object; the exit status is 1 either way.
        if as_json:
            self.stdout.write(json.dumps({"error": message}))
        raise CommandError(message, returncode=1)
