"""`manage.py create_api_token` (INTERFACES §1): prints the token once, stores only its hash."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from clients.models import ApiToken, hash_token
from clients.services import authenticate_token


def run(*args) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_json_prints_only_the_token_and_stores_its_hash(firm):
    output = run("--user", "staff", "--name", "reporting", "--json")

    data = json.loads(output)
    assert list(data) == ["token"]
    raw = data["token"]
    token = ApiToken.objects.get(user=firm.staff)
    assert token.name == "reporting"
    assert token.key_hash == hash_token(raw)
    assert raw.startswith(token.prefix)
    stored = ApiToken.objects.filter(user=firm.staff).values_list("key_hash", "prefix", "name")
    assert all(raw not in value for row in stored for value in row)


def test_plain_output_is_the_token(firm):
    raw = run("--user", "manager").strip()
    assert authenticate_token(raw) == firm.manager


def test_token_authenticates_its_user_and_records_the_use(firm):
    raw = json.loads(run("--user", "staff", "--json"))["token"]
    assert ApiToken.objects.get(user=firm.staff).last_used_at is None

    assert authenticate_token(raw) == firm.staff
    assert ApiToken.objects.get(user=firm.staff).last_used_at is not None
    assert authenticate_token(raw + "x") is None


def test_revoked_token_no_longer_authenticates(firm):
    raw = json.loads(run("--user", "staff", "--json"))["token"]
    ApiToken.objects.filter(user=firm.staff).update(revoked_at=timezone.now())
    assert authenticate_token(raw) is None


def test_unknown_user_is_exit_1_with_a_json_error(db):
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("create_api_token", "--user", "x", "--json", stdout=out, stderr=StringIO())
    assert raised.value.returncode == 1
    assert json.loads(out.getvalue()) == {"error": "No user named 'x'."}
    assert not ApiToken.objects.exists()


def test_unknown_user_without_json_names_the_user(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("--user", "ghost")
