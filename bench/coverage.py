"""`python -m bench coverage --paragraphs N`: the coverage map's 2-D count.

The synthetic corpus of the main benchmark (same generator, same seed) is indexed
straight through the backend's ``rebuild`` (no database: the count never reads
it), then ``count(country x year, missing=True)`` is timed for a mix of queries,
each repeated, and p50/p95 are printed as JSON. The target is p95 <= 100 ms at
1,000,000 paragraphs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.engine.base import IndexDocument

REPO_ROOT = Path(__file__).resolve().parents[1]
CHUNK = 5000
TOPICS = ("security", "energy", "drugs", "trade", "migration", "water")
# (label, text, filters, year range): a browse, common and rare words, filters.
QUERIES = (
    ("all paragraphs", "", (), None),
    ("common word", "security", (), None),
    ("two words", "gas pipeline", (), None),
    ("phrase", '"central asia"', (), None),
    ("rare word", "hydropower", (), None),
    ("country filter", "", (("country", ("IR",)),), None),
    ("word + two countries", "security", (("country", ("RU", "KZ")),), None),
    ("year range", "", (), (2015, 2020)),
)


def _documents(paragraphs: int, seed: int) -> Iterator[IndexDocument]:
    from bench.generate import build_vocabulary, generate_articles
    from search.engine.base import IndexDocument

    vocabulary = build_vocabulary(seeds_dir=REPO_ROOT / "seeds", topics=TOPICS)
    pid = 0
    for article in generate_articles(vocabulary, paragraphs=paragraphs, seed=seed):
        for position, paragraph in enumerate(article.paragraphs, start=1):
            pid += 1
            yield IndexDocument(
                paragraph_id=pid,
                article_id=article.number,
                position=position,
                text=paragraph.text,
                heading=paragraph.heading,
                title=article.title,
                authors=article.authors,
                publication=article.publication,
                year=article.year,
                date=article.date,
                countries=paragraph.countries,
                topics=paragraph.topics,
            )


class SyntheticSource:
    """A DocumentSource over the generator, regenerated for each pass."""

    def __init__(self, paragraphs: int, seed: int) -> None:
        self.paragraphs = paragraphs
        self.seed = seed

    def count(self) -> int:
        return self.paragraphs

    def split(self, parts: int) -> list[tuple[int, int]]:
        step = -(-self.paragraphs // max(parts, 1))
        return [
            (low, min(low + step, self.paragraphs + 1))
            for low in range(1, self.paragraphs + 1, step)
        ]

    def chunks(self, id_range: tuple[int, int] | None = None) -> Iterator[list]:
        documents: Iterable = _documents(self.paragraphs, self.seed)
        if id_range is not None:
            documents = (
                doc
                for doc in documents
                if id_range[0] <= doc.paragraph_id < id_range[1]
            )
        iterator = iter(documents)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            yield chunk

    def documents(self, paragraph_ids: Iterable[int]) -> list:
        wanted = set(paragraph_ids)
        return [
            doc
            for doc in _documents(self.paragraphs, self.seed)
            if doc.paragraph_id in wanted
        ]

    def article_documents(self, article_ids: Iterable[int]) -> list:
        wanted = set(article_ids)
        return [
            doc
            for doc in _documents(self.paragraphs, self.seed)
            if doc.article_id in wanted
        ]


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench coverage")
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help="keep the index here, and reuse it if it is already built",
    )
    options = parser.parse_args(argv)

    import os

    with tempfile.TemporaryDirectory(prefix="refdesk-coverage-") as work:
        index_dir = options.index or Path(work) / "index"
        os.environ["SEARCH_INDEX_DIR"] = str(index_dir)
        os.environ["REFDESK_VAR_DIR"] = work
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from search.engine.base import EngineQuery, get_backend

        backend = get_backend()
        build_seconds = None
        documents = backend.status().get("documents")
        if documents != options.paragraphs:
            started = time.perf_counter()
            backend.rebuild(
                SyntheticSource(options.paragraphs, options.seed), procs=options.procs
            )
            build_seconds = round(time.perf_counter() - started, 1)
        timings: list[float] = []
        per_query = {}
        for label, text, filters, years in QUERIES:
            query = EngineQuery(
                text=text,
                filters=filters,
                year_from=years[0] if years else None,
                year_to=years[1] if years else None,
                limit=0,
                facets=(),
            )
            backend.count(query, rows="country", columns="year", missing=True)
            samples = []
            for _ in range(options.repeat):
                began = time.perf_counter()
                grid = backend.count(
                    query, rows="country", columns="year", missing=True
                )
                samples.append((time.perf_counter() - began) * 1000)
            timings += samples
            per_query[label] = {
                "matched": grid.matched,
                "cells": len(grid.cells),
                "p50_ms": round(statistics.median(samples), 2),
                "p95_ms": round(_percentile(samples, 0.95), 2),
            }
        backend.close()
    report = {
        "paragraphs": options.paragraphs,
        "build_seconds": build_seconds,
        "queries": per_query,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
    }
    print(json.dumps(report, indent=1))
    return 0
