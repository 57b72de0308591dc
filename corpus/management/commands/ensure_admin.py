from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

DEFAULT_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Create a local admin account on first run and say how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=DEFAULT_URL,
            help="where the site is served, for the log-in hint (make run passes "
            "its HOST and PORT)",
        )

    def handle(self, *args: object, **options: object) -> None:
        url = str(options.get("url") or DEFAULT_URL)
        user_model = get_user_model()
        password_file = settings.VAR_DIR / "admin-password.txt"
        if user_model.objects.filter(is_superuser=True).exists():
            hint = f" (password in {password_file})" if password_file.exists() else ""
            self.stdout.write(f"Log in at {url} as your admin user{hint}.")
            return
        username = os.environ.get("REFDESK_ADMIN_USER", "admin")
        password = os.environ.get("REFDESK_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(
            username=username, password=password, email=""
        )
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(f"{username}\n{password}\n")
        password_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created admin account. Log in at {url} as "
                f"{username!r} with password {password!r} (saved in {password_file})."
            )
        )
