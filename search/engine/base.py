"""The search-backend seam: the value types every backend speaks, and the protocol.

Everything outside ``search/engine/`` sees only what is defined here. A backend
receives plain :class:`IndexDocument` values (built from the database elsewhere,
in ``search/documents.py``), answers :class:`EngineQuery` with an
:class:`EngineResult`, and never touches Django models, URLs or labels.

The query contract, which every backend must keep (the contract tests in
``tests/search/engine/contract.py`` check it):

* ``EngineQuery.text`` is the user's words in the query language: plain words are
  ANDed; ``OR``, ``NOT``/``-word``, ``"phrases"``, ``prefix*``, parentheses and the
  fields ``title:``, ``author:``, ``country:``, ``topic:``, ``year:`` are
  understood. Text that does not parse is searched as plain words, never raised.
  Words are folded and stemmed with :func:`corpus.text.analyze`, the same as the
  indexed text, so "investigating" finds "investigation".
* Filters: values are ORed within a facet, facets are ANDed, and the year range
  (``year_from``/``year_to``, inclusive; undated paragraphs fall outside any
  range) is one more ANDed filter.
* Each facet is counted over the matches with every filter applied except its
  own: ticking "IR" leaves the other countries' counts alone. The year range is
  not the year facet's own filter, so year counts are counted within it.
* Facet values are the indexed keys: country codes, topic slugs, author names
  (:data:`UNKNOWN_AUTHOR` for paragraphs of articles without one) and years as
  decimal strings.
* Order: "relevance" is by score, newest first among equal scores; "newest" and
  "oldest" are by the article's date (undated articles last in both), and within
  an article by paragraph position. Without text every score is 0.
* ``offset``/``limit`` page through hits, or through article groups when
  ``group_by_article`` is set.

Backends are created by :func:`get_backend`, which reads ``SEARCH_BACKEND`` at call
time; nothing is built at import time.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO, runtime_checkable

from corpus.text import analyze

FACETS = ("country", "author", "year", "topic")
SORTS = ("relevance", "newest", "oldest")
# Facet value for paragraphs of articles that have no author.
UNKNOWN_AUTHOR = "_unknown"
# A 2-D count's key for documents with no value of a facet (no country, no year).
NO_VALUE = ""
# What json.dumps(..., ensure_ascii=False) uses, made once: an encoder keeps no
# state between calls.
_JSON = json.JSONEncoder(ensure_ascii=False)
# Longer query text is cut (with a message) before it reaches a backend.
MAX_QUERY_CHARS = 500
DEFAULT_BACKEND = "whoosh"
# SEARCH_BACKEND value -> module holding ``create_backend()``.
BACKEND_MODULES = {
    "whoosh": "search.engine.whoosh",
    "typesense": "search.engine.typesense",
}

# (facet, raw text) -> (indexed value or None, message or None): how a field query
# such as ``country:iran`` finds its key ("IR"). Supplied by the caller, so the
# engine never reads labels from the database.
Resolver = Callable[[str, str], tuple[str | None, str | None]]


class BackendError(RuntimeError):
    """The backend cannot answer (not configured, unreachable)."""


class BackendBusyError(BackendError):
    """A write waited longer than its timeout for another writer."""


# ---------------------------------------------------------------- documents


@dataclass(frozen=True)
class IndexDocument:
    """One paragraph as every backend indexes it: plain values, no models.

    ``paragraph_id`` is the document's identity: adding a document with an id
    already indexed replaces it (an upsert).
    """

    paragraph_id: int
    article_id: int
    position: int
    text: str
    heading: str
    title: str
    authors: tuple[str, ...]
    publication: str
    year: int | None
    date: datetime.date | None
    countries: tuple[str, ...]
    topics: tuple[str, ...]

    @property
    def author_values(self) -> tuple[str, ...]:
        """The author facet's values: :data:`UNKNOWN_AUTHOR` when there is none."""
        return self.authors or (UNKNOWN_AUTHOR,)

    @property
    def sort_key(self) -> int:
        """Days since year 1 of the article's date (mid-year when only the year is
        known); 0 when undated, so undated articles sort last under "newest"."""
        if self.date is not None:
            return self.date.toordinal()
        if self.year:
            return datetime.date(self.year, 7, 1).toordinal()
        return 0

    @property
    def content_hash(self) -> int:
        """A signed 64-bit digest of everything indexed, to spot stale documents.

        A backend stores it and hands it back from ``document_hashes``.
        """
        return self.hash_with_tags(self.countries, self.topics)

    def hash_with_tags(self, countries: Sequence[str], topics: Sequence[str]) -> int:
        """``content_hash`` of this document with other countries and topics: a
        backend that updates tags alone checks with it that a document differs
        from the indexed one in its tags only."""
        tags = _JSON.encode([list(countries), list(topics)])
        # "[a, b, ..., date" + ", " + "countries, topics]": the whole list's JSON.
        payload = f"{self._untagged_payload}, {tags[1:]}".encode()
        digest = hashlib.blake2b(payload, digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    @functools.cached_property
    def _untagged_payload(self) -> str:
        # The JSON list of every hashed field, tags (the last two) left off.
        return _JSON.encode(
            [
                self.article_id,
                self.position,
                self.text,
                self.heading,
                self.title,
                self.authors,
                self.publication,
                self.year,
                self.date.isoformat() if self.date else None,
            ]
        )[:-1]

    def analyzed(self, name: str) -> list[str]:
        """The indexed terms of a text field ("text", "title", "heading",
        "author_text") in order: folded, stemmed, stop words dropped. A backend
        without the shared stemmer indexes these instead of the raw text."""
        if name == "author_text":
            return analyze(" ".join(self.authors))
        return analyze(getattr(self, name))


class DocumentSource(Protocol):
    """Where a rebuild reads its documents (the database, in production; any
    list in tests). Chunks come in paragraph id order."""

    def count(self) -> int:
        """How many documents there are."""
        ...

    def split(self, parts: int) -> list[tuple[int, int]]:
        """``parts`` paragraph id ranges (low inclusive, high exclusive) that
        cover every document, so a backend may build them in parallel."""
        ...

    def chunks(
        self, id_range: tuple[int, int] | None = None
    ) -> Iterator[list[IndexDocument]]:
        """Every document (or those in ``id_range``), a bounded chunk at a time."""
        ...

    def documents(self, paragraph_ids: Iterable[int]) -> list[IndexDocument]:
        """The current documents of these paragraphs; ids that are missing from
        the answer no longer exist."""
        ...

    def article_documents(self, article_ids: Iterable[int]) -> list[IndexDocument]:
        """The current documents of every paragraph of these articles."""
        ...


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class EngineQuery:
    """What to find, filter, count and return. Hashable, so backends may cache."""

    text: str = ""
    # (facet, values) pairs, facets in FACETS; values ORed, facets ANDed.
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "newest"
    offset: int = 0
    limit: int = 20
    group_by_article: bool = False
    # Hits shown per article group (the group's ``total`` counts them all).
    group_hits: int = 3
    # The facets to count; an empty tuple counts none.
    facets: tuple[str, ...] = FACETS
    resolve: Resolver | None = field(default=None, compare=False, hash=False)

    def selected(self, facet: str) -> tuple[str, ...]:
        for name, values in self.filters:
            if name == facet:
                return values
        return ()

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class EngineHit:
    """One matching paragraph with the fields a result page shows."""

    paragraph_id: int
    article_id: int
    position: int
    score: float
    text: str
    heading: str
    title: str
    authors: tuple[str, ...]
    publication: str
    year: int | None
    date: str | None
    countries: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True)
class EngineGroup:
    """One article's matches: its first ``group_hits`` hits and how many matched."""

    article_id: int
    hits: tuple[EngineHit, ...]
    total: int


@dataclass(frozen=True)
class FacetCounts:
    """Counts for one facet: every value with at least one match, in no particular
    order (the caller sorts, labels and trims)."""

    name: str
    counts: Mapping[str, int]

    def count(self, value: str) -> int:
        return self.counts.get(value, 0)


@dataclass(frozen=True)
class Highlight:
    """What the query matched, for marking words: indexed terms (stems) and folded
    prefixes (from ``prefix*``)."""

    terms: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EngineResult:
    total: int
    articles_total: int
    hits: tuple[EngineHit, ...] = ()
    groups: tuple[EngineGroup, ...] = ()
    groups_total: int = 0
    facets: Mapping[str, FacetCounts] = field(default_factory=dict)
    # Messages for the user (a query fixed up, a search cut short).
    messages: tuple[str, ...] = ()
    # False when the engine stopped early (a timeout): totals are lower bounds.
    complete: bool = True
    highlight: Highlight = Highlight()
    # (facet, value) of filter values the index has never seen.
    unknown_values: tuple[tuple[str, str], ...] = ()
    # False when there is no index to search yet (everything else is empty).
    ready: bool = True


@dataclass(frozen=True)
class CountGrid:
    """Two-dimensional counts, e.g. country x year, over a query's matches with
    every filter applied. Cells with a zero count are left out. A document with
    two values of a facet counts under each. With ``count(..., missing=True)``,
    documents without a value of a facet count under :data:`NO_VALUE` for it."""

    rows: str
    columns: str
    cells: Mapping[tuple[str, str], int]
    # Distinct articles per cell, keyed like ``cells``.
    articles: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # How many matches were counted (each once, however many cells it is in).
    matched: int = 0

    def count(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)

    def row_totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for (row, _column), value in self.cells.items():
            totals[row] = totals.get(row, 0) + value
        return totals


@dataclass(frozen=True)
class RebuildReport:
    documents: int
    seconds: float
    directory: str

    @property
    def per_second(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0


# ---------------------------------------------------------------- protocol


@runtime_checkable
class SearchBackend(Protocol):
    """One search engine. Reads never raise for bad user text; a backend with no
    index yet answers reads as empty (``status()["status"] == "missing"``).

    Writes are upserts keyed by paragraph id and visible to the next read of the
    same process once the call returns.
    """

    name: str

    def search(self, query: EngineQuery) -> EngineResult:
        """Hits (or groups) for one page, totals, facet counts and messages."""
        ...

    def matching_ids(
        self, query: EngineQuery, *, limit: int | None = None
    ) -> list[int]:
        """Paragraph ids of every match (or the first ``limit``) in result order,
        ignoring ``offset``/``limit``/grouping of the query."""
        ...

    def count(
        self, query: EngineQuery, *, rows: str, columns: str, missing: bool = False
    ) -> CountGrid:
        """Matches counted by two facets at once (every filter applied), in one
        pass, with the distinct articles of each cell; ``missing`` adds the
        :data:`NO_VALUE` row and column."""
        ...

    def add_bulk(
        self,
        documents: Iterable[IndexDocument],
        *,
        replace_articles: Iterable[int] = (),
    ) -> int:
        """Index (or replace, by paragraph id) these documents; returns how many
        were written. Every paragraph of ``replace_articles`` not among
        ``documents`` is removed in the same write, so readers never see an
        article half-updated."""
        ...

    def update_tags(self, documents: Iterable[IndexDocument]) -> int:
        """Upsert these documents as ``add_bulk`` does, but where one differs from
        the indexed document in its countries and topics alone, write only those
        (its text is not indexed again), so a bulk tag of thousands of paragraphs
        is quick; returns how many were written. Searches, counts, hits and
        ``document_hashes`` show the new tags once the call returns."""
        ...

    def delete(
        self, *, paragraph_ids: Iterable[int] = (), article_ids: Iterable[int] = ()
    ) -> None:
        """Remove these paragraphs and every paragraph of these articles."""
        ...

    def rebuild(
        self,
        source: DocumentSource,
        *,
        procs: int = 1,
        progress: bool = False,
        stream: TextIO | None = None,
    ) -> RebuildReport:
        """Index everything ``source`` yields into a fresh index, then switch to it
        at once: until the switch, searches see the old index, complete; after it,
        the new one. Writes made during the rebuild are not lost."""
        ...

    def document_hashes(self) -> dict[int, list[int]]:
        """Paragraph id -> content hashes of its indexed documents (more than one
        means a duplicate), for drift checks against the database."""
        ...

    def highlight(self, text: str) -> Highlight:
        """The terms and prefixes query text ``text`` looks for, to mark them in
        any paragraph (excluded words are not marked). Never raises."""
        ...

    def version(self) -> str:
        """An opaque token that changes with every committed write; cheap, so
        callers may key caches on it."""
        ...

    def suggest(self, query: EngineQuery) -> str | None:
        """A corrected ``query.text`` whose text match finds more paragraphs than
        the original (filters ignored), or None."""
        ...

    def more_like(
        self,
        paragraph_id: int,
        *,
        limit: int = 10,
        query: EngineQuery | None = None,
        exclude_article: bool = False,
    ) -> list[EngineHit]:
        """Paragraphs most similar in wording to this one, best first, itself
        excluded; empty when it is not indexed. The paragraph is found by its id.
        ``query``'s filters and year range (not its text) narrow the candidates;
        ``exclude_article`` leaves out the paragraph's own article."""
        ...

    def more_like_terms(self, paragraph_id: int) -> tuple[str, ...] | None:
        """The paragraph's words that ``more_like`` searches with, most
        distinctive first, as written in the paragraph; None when it is not
        indexed."""
        ...

    def status(self) -> dict[str, object]:
        """``{"status": "ok" | "missing" | "error", "documents": int, ...}``;
        never raises."""
        ...

    def close(self) -> None:
        """Release searchers, files and connections; the backend may be reused
        afterwards (it reopens lazily)."""
        ...


def backend_name() -> str:
    """``settings.SEARCH_BACKEND``, else the ``SEARCH_BACKEND`` environment variable,
    else the default; read at each call."""
    from django.conf import settings

    chosen = getattr(settings, "SEARCH_BACKEND", "") or os.environ.get(
        "SEARCH_BACKEND", ""
    )
    return str(chosen or DEFAULT_BACKEND).strip().lower()


def get_backend(name: str | None = None) -> SearchBackend:
    """The backend named by ``SEARCH_BACKEND`` (read now), or by ``name``.

    Each backend module keeps at most one instance per configuration itself, so
    repeated calls are cheap; the module is imported only when asked for.
    """
    chosen = (name or backend_name()).lower()
    module_name = BACKEND_MODULES.get(chosen)
    if module_name is None:
        known = ", ".join(sorted(BACKEND_MODULES))
        raise BackendError(f"Unknown SEARCH_BACKEND “{chosen}” (known: {known}).")
    module = importlib.import_module(module_name)
    return module.create_backend()
