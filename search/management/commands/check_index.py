"""Report drift between the database and the search index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.index import check_index


class Command(BaseCommand):
    help = (
        "Compare the database with the search index: paragraphs missing from the "
        "index, stale in it, or left in it after deletion. Exits 1 on any drift "
        "(after repairing it, with --repair)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repair", action="store_true", help="Reindex whatever has drifted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = check_index(repair=options["repair"])
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("The search index has drifted from the database.")
