from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from corpus.ingest import FileResult, dry_run, expand_paths, ingest_paths


class Command(BaseCommand):
    help = (
        "Ingest article files (.txt, .md, .html; default: SEEDS_DIR) into the "
        "database and index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="Files or directories.")
        parser.add_argument(
            "--no-index", action="store_true", help="Leave the search index alone."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and parse the files, save nothing.",
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="With --dry-run: print every block, its decision and the reason.",
        )

    def handle(self, *args: object, **options: object) -> None:
        paths: list[Path] = options["paths"] or [Path(settings.SEEDS_DIR)]  # type: ignore[assignment]
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"No such file or directory: {', '.join(missing)}")
        if options["explain"] and not options["dry_run"]:
            raise CommandError("--explain goes with --dry-run.")
        verbosity = int(options["verbosity"])  # type: ignore[call-overload]
        total = len(expand_paths(paths))
        # On a terminal, a progress bar (skipped files are printed above it, and
        # every file with -v 2); otherwise one line per file as it is done. With
        # -v 0, only the files that could not be ingested are printed.
        interactive = verbosity >= 1 and self.stdout.isatty() and total > 20
        bar = (
            tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)
            if interactive
            else None
        )

        def show(result: FileResult) -> None:
            skipped = result.status == "skipped"
            style = self.style.ERROR if skipped else str
            if bar is not None:
                bar.update(1)
                if skipped or verbosity >= 2:
                    with tqdm.external_write_mode(file=sys.stderr):
                        self.stdout.write(style(result.line))
            elif skipped or verbosity >= 1:
                self.stdout.write(style(result.line))

        if options["dry_run"]:
            report = dry_run(
                paths,
                on_result=show,
                on_explain=self.stdout.write if options["explain"] else None,
            )
        else:

            def indexing(paragraphs: int) -> None:
                nonlocal bar
                if bar is not None:
                    bar.close()
                    bar = None
                if verbosity >= 1:
                    self.stdout.write(
                        f"Updating the search index ({paragraphs} paragraphs)…"
                    )

            report = ingest_paths(
                paths,
                on_result=show,
                update_index=not options["no_index"],
                on_indexing=indexing,
            )
        if bar is not None:
            bar.close()
        if verbosity >= 1:
            self.stdout.write(report.summary)
        if report.failed:
            raise CommandError(
                f"{report.count('skipped')} file(s) could not be ingested."
            )
