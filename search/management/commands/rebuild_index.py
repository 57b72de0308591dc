"""Build a complete new search index from the database and switch to it."""

from __future__ import annotations

import os
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandParser

from search.index import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the search index in a fresh directory and switch to it atomically; "
        "searches keep using the old index until the new one is complete."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--procs",
            type=int,
            default=min(os.cpu_count() or 1, 2),
            help="Indexing processes (default: up to 2).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show a progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = rebuild_index(
            progress=not options["no_progress"],
            procs=max(1, options["procs"]),
            # OutputWrapper proxies sys.stderr (the stubs call it a TextIOBase);
            # the progress bar only writes to it and flushes it.
            stream=cast(TextIO, self.stderr),
        )
        self.stdout.write(
            f"Indexed {report.documents} paragraphs in {report.seconds:.1f}s "
            f"({report.per_second:.0f}/s) into {report.directory}."
        )
