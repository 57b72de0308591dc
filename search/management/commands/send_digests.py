from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.watches import send_digests


class Command(BaseCommand):
    help = (
        "Email each watch's new matches (daily or weekly, as set) through Django's "
        "email backend; meant for cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be sent; send and record nothing.",
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        reports = send_digests(dry_run=dry_run)
        for report in reports:
            state = "sent" if report.sent else f"not sent ({report.reason})"
            self.stdout.write(
                f"{report.user}: {report.paragraphs} new paragraph"
                f"{'s' if report.paragraphs != 1 else ''}, "
                f"{report.broken} broken watch{'es' if report.broken != 1 else ''}, "
                f"{state}"
            )
        self.stdout.write(f"{len(reports)} digest{'s' if len(reports) != 1 else ''}.")
