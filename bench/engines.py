"""What every engine under test offers the harness: a build and a search call."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Protocol

from bench.queries import BenchRequest

SNIPPET_CHARS = 300
TOP_K = 20


@dataclass(frozen=True)
class Outcome:
    """Enough of a result page to check that the engines did comparable work."""

    total: int
    hits: int
    facet_values: int


class SearchEngine(Protocol):
    name: str

    def search(self, request: BenchRequest) -> Outcome: ...

    def close(self) -> None: ...


def plain_snippet(text: str) -> str:
    """The opening of a paragraph, escaped: what a page shows when nothing matched."""
    return html.escape(text[:SNIPPET_CHARS])
