"""`manage.py import_setup FILE [--json]`: the firm setup file of INTERFACES §1.1."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timetracking.setup import COUNT_KEYS, SetupError, import_setup


class Command(BaseCommand):
    help = (
        "Create or update the firm setup (settings, clients with plans, purchases, projects and "
        "tasks, members with rates, users) from a JSON file; see docs/setup.example.json. The whole "
        "file is checked first and nothing is written unless all of it is valid; a rerun changes "
        "nothing. A key left out keeps an existing object's value. Counts are objects created or "
        "changed: a client counts when its row, plan or purchases changed, a member when its row, "
        "rates or cost rates changed, a user when its login (including a member's name and email) "
        "or role changed. Passwords are set only when a user is created; a purchase's price and "
        "expires_on update the purchase matched by date, hours and note. Rounding increments: "
        "1, 5, 6, 10, 12, 15, 20, 30 or 60 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the setup JSON file")
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    def handle(self, *args, **options):
        as_json = options["json"]
        try:
            counts = import_setup(_load(options["file"]))
        except (SetupError, _FileProblem) as problem:
            if as_json:
                self.stdout.write(json.dumps({"error": str(problem)}))
                raise CommandError(str(problem), returncode=1) from None
            raise CommandError(_readable(problem), returncode=1) from None
        if as_json:
            self.stdout.write(json.dumps(counts))
        else:
            summary = ", ".join(f"{counts[key]} {key}" for key in COUNT_KEYS)
            self.stdout.write(f"Imported {options['file']}: {summary} created or changed.")


def _readable(problem: Exception) -> str:
    """One problem per line on a terminal."""
    if isinstance(problem, SetupError):
        count = len(problem.errors)
        lines = "".join(f"\n  - {error}" for error in problem.errors)
        return f"{count} problem{'s' if count != 1 else ''} in the setup file (nothing was written):{lines}"
    return str(problem)


class _FileProblem(Exception):
    pass


def _load(path: str) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _FileProblem(f"Cannot read setup file {path}: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _FileProblem(
            f"Setup file {path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno} "
            '(the file must be one JSON object, e.g. {"clients": []})'
        ) from None
