"""The embedded backend: a Whoosh index on disk, read through numpy snapshots.

The backend object holds no state of its own: the index lives at
``SEARCH_INDEX_DIR`` (read at call time) and each process keeps one snapshot of
its latest generation (see ``reader``), refreshed at the start of every read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import TextIO

from search.engine.base import (
    CountGrid,
    DocumentSource,
    EngineHit,
    EngineQuery,
    EngineResult,
    Highlight,
    IndexDocument,
    RebuildReport,
)
from search.engine.whoosh import planner, store
from search.engine.whoosh.parse import parse_query, query_terms
from search.engine.whoosh.reader import (
    Snapshot,
    forget_snapshot,
    indexed_hashes,
    latest_known_snapshot,
    with_snapshot,
)
from search.engine.whoosh.schema import word_spans
from search.engine.whoosh.suggest import suggest_correction

MORE_LIKE_TERMS = 12


@lru_cache(maxsize=256)
def _highlight(text: str) -> Highlight:
    # A page marks many texts for one query: parse it once.
    terms, prefixes = query_terms(parse_query(text).query)
    return Highlight(terms=terms, prefixes=prefixes)


class WhooshBackend:
    name = "whoosh"

    def search(self, query: EngineQuery) -> EngineResult:
        found = with_snapshot(lambda snapshot: planner.search(snapshot, query))
        if found is None:
            return EngineResult(
                total=0,
                articles_total=0,
                highlight=_highlight(query.text),
                ready=False,
            )
        return found

    def matching_ids(
        self, query: EngineQuery, *, limit: int | None = None
    ) -> list[int]:
        found = with_snapshot(
            lambda snapshot: planner.matching_ids(snapshot, query, limit=limit)
        )
        return found or []

    def count(self, query: EngineQuery, *, rows: str, columns: str) -> CountGrid:
        found = with_snapshot(
            lambda snapshot: planner.count_grid(
                snapshot, query, rows=rows, columns=columns
            )
        )
        return found or CountGrid(rows=rows, columns=columns, cells={})

    def add_bulk(
        self,
        documents: Iterable[IndexDocument],
        *,
        replace_articles: Iterable[int] = (),
    ) -> int:
        written = store.write_documents(
            list(documents), replace_articles=replace_articles
        )
        # The next read (and version()) opens the new generation.
        forget_snapshot()
        return written

    def delete(
        self, *, paragraph_ids: Iterable[int] = (), article_ids: Iterable[int] = ()
    ) -> None:
        store.write_documents(
            [], delete_ids=paragraph_ids, replace_articles=article_ids
        )
        forget_snapshot()

    def rebuild(
        self,
        source: DocumentSource,
        *,
        procs: int = 1,
        progress: bool = False,
        stream: TextIO | None = None,
    ) -> RebuildReport:
        report = store.rebuild(source, procs=procs, progress=progress, stream=stream)
        forget_snapshot()
        return report

    def document_hashes(self) -> dict[int, list[int]]:
        return indexed_hashes()

    def highlight(self, text: str) -> Highlight:
        return _highlight(text or "")

    def version(self) -> str:
        # Every read checks the disk anyway; the token may trail another
        # process's commit by one read.
        snapshot = latest_known_snapshot()
        if snapshot is None:
            return ""
        return f"{snapshot.path}:{snapshot.generation}"

    def suggest(self, query: EngineQuery) -> str | None:
        return with_snapshot(lambda snapshot: _suggest(snapshot, query))

    def more_like(self, paragraph_id: int, *, limit: int = 10) -> list[EngineHit]:
        return (
            with_snapshot(
                lambda snapshot: _more_like(snapshot, paragraph_id, limit=limit)
            )
            or []
        )

    def status(self) -> dict[str, object]:
        return store.status()

    def close(self) -> None:
        forget_snapshot()


def _suggest(snapshot: Snapshot, query: EngineQuery) -> str | None:
    parsed = parse_query(query.text)
    if parsed.query is None:
        return None
    corrected = suggest_correction(snapshot, parsed.query, parsed.text)
    if not corrected:
        return None
    before = planner.text_total(snapshot, query.text, resolve=query.resolve)
    after = planner.text_total(snapshot, corrected, resolve=query.resolve)
    return corrected if after > before else None


def _more_like(snapshot: Snapshot, paragraph_id: int, *, limit: int) -> list[EngineHit]:
    """Paragraphs sharing the rarest words of this one, ranked by BM25."""
    live = snapshot.live
    where = (snapshot.paragraph_ids == paragraph_id) & live
    docs = where.nonzero()[0]
    if not len(docs):
        return []
    stored = snapshot.stored([int(docs[0])])[0]
    text = stored.get("text") or ""
    surfaces: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for start, end, term in word_spans(text):
        if term is not None:
            counts[term] += 1
            surfaces.setdefault(term, text[start:end])
    scored = []
    for term, count in counts.items():
        frequency = snapshot.doc_frequency("text", term)
        if frequency > 1:
            scored.append((count / frequency, term))
    words = [surfaces[term] for _score, term in sorted(scored, reverse=True)]
    if not words:
        return []
    words = words[:MORE_LIKE_TERMS]
    query = EngineQuery(
        text=" OR ".join(f'"{word}"' for word in words),
        sort="relevance",
        limit=limit + 1,
        facets=(),
    )
    result = planner.search(snapshot, query)
    return [hit for hit in result.hits if hit.paragraph_id != paragraph_id][:limit]


def create_backend() -> WhooshBackend:
    # Stateless: the per-process snapshot registry is shared by every instance.
    return WhooshBackend()
