from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from corpus.services import retag_articles


class Command(BaseCommand):
    help = (
        "Re-run automatic country and topic tagging (all articles, or those given) "
        "and reindex the paragraphs whose tags changed. Manual and rejected tags "
        "are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--article",
            type=int,
            action="append",
            metavar="ID",
            help="Only this article; repeat for more.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = retag_articles(options["article"])
        self.stdout.write(f"{changed} automatic tags added or removed.")
