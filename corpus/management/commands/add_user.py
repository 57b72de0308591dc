"""`manage.py add_user NAME [--editor] [--staff]`: an account for a colleague."""

from __future__ import annotations

import secrets
import sys
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

EDITORS_GROUP = "Editors"


class Command(BaseCommand):
    help = (
        "Add an account. Prints a one-time password to hand over (the user changes "
        "it at /accounts/password/), or reads one from standard input with "
        "--password-stdin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--editor", action="store_true", help="may edit tags and articles"
        )
        parser.add_argument(
            "--staff", action="store_true", help="may open the admin (/admin/)"
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        user_model = get_user_model()
        if not username:
            raise CommandError("Give the new account a name.")
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"There is already an account called {username!r}.")
        given = options["password_stdin"]
        password = _read_password() if given else secrets.token_urlsafe(12)
        user = user_model(username=username, is_staff=options["staff"])
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        if options["editor"]:
            user.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
        roles = [role for role in ("editor", "staff") if options[role]]
        kind = " and ".join(roles) if roles else "analyst"
        self.stdout.write(self.style.SUCCESS(f"Added {username!r} ({kind})."))
        if not given:
            self.stdout.write(
                f"One-time password: {password}\n"
                "Hand it over privately; it can be changed after logging in, "
                "at /accounts/password/."
            )


def _read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CommandError("No password on standard input.")
    return line
