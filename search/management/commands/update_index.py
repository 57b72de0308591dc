"""Apply database changes to the search index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.index import check_index, update_articles, update_paragraphs


class Command(BaseCommand):
    help = (
        "Reindex the given articles or paragraphs; with no arguments, compare the "
        "whole index with the database and fix every difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--article",
            type=int,
            nargs="+",
            action="extend",
            default=[],
            metavar="ID",
            help="Reindex these articles (repeatable: --article 3 4 --article 9).",
        )
        parser.add_argument(
            "--paragraph",
            type=int,
            nargs="+",
            action="extend",
            default=[],
            metavar="ID",
            help="Reindex these paragraphs.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        articles = options["article"]
        paragraphs = options["paragraph"]
        if articles or paragraphs:
            if articles:
                update_articles(articles)
            if paragraphs:
                update_paragraphs(paragraphs)
            self.stdout.write(
                f"Reindexed {len(articles)} articles and {len(paragraphs)} paragraphs."
            )
            return
        report = check_index(repair=True)
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok and not report.repaired:
            raise CommandError("The index could not be repaired.")
