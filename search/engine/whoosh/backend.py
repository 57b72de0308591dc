"""The embedded backend: a Whoosh index on disk, read through numpy snapshots.

The backend object holds no state of its own: the index lives at
``SEARCH_INDEX_DIR`` (read at call time) and each process keeps one snapshot of
its latest generation (see ``reader``), refreshed at the start of every read.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import TextIO

import numpy as np
from whoosh import query as whoosh_query

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
from search.engine.whoosh import planner, store, tagging
from search.engine.whoosh.grid import count_grid
from search.engine.whoosh.parse import ParsedQuery, parse_query, query_terms
from search.engine.whoosh.reader import (
    Snapshot,
    forget_snapshot,
    indexed_hashes,
    latest_known_snapshot,
    with_snapshot,
)
from search.engine.whoosh.schema import word_spans
from search.engine.whoosh.suggest import suggest_correction

# A paragraph is recognised by more of its words than Whoosh's default five.
MORE_LIKE_TERMS = 15


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

    def count(
        self, query: EngineQuery, *, rows: str, columns: str, missing: bool = False
    ) -> CountGrid:
        found = with_snapshot(
            lambda snapshot: count_grid(
                snapshot,
                planner.collect(snapshot, query).docs,
                rows=rows,
                columns=columns,
                missing=missing,
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

    def update_tags(self, documents: Iterable[IndexDocument]) -> int:
        # Through the tag overlay: no text is analysed again (see ``overlay``).
        return tagging.update_tags(documents)

    def fold_tags(self) -> int:
        """Fold the whole tag overlay into the index (see ``tagging``)."""
        folded = tagging.fold_tags()
        forget_snapshot()
        return folded

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

    def remove_stale_builds(self) -> list[str]:
        """Build folders left by killed rebuilds (see ``store.remove_stale_builds``)."""
        return store.remove_stale_builds()

    def highlight(self, text: str) -> Highlight:
        return _highlight(text or "")

    def version(self) -> str:
        # Every read checks the disk anyway; the token may trail another
        # process's commit by one read.
        snapshot = latest_known_snapshot()
        if snapshot is None:
            return ""
        return f"{snapshot.path}:{snapshot.generation}:{snapshot.overlay_version}"

    def suggest(self, query: EngineQuery) -> str | None:
        return with_snapshot(lambda snapshot: _suggest(snapshot, query))

    def more_like(
        self,
        paragraph_id: int,
        *,
        limit: int = 10,
        query: EngineQuery | None = None,
        exclude_article: bool = False,
    ) -> list[EngineHit]:
        return (
            with_snapshot(
                lambda snapshot: _more_like(
                    snapshot,
                    paragraph_id,
                    limit=limit,
                    query=query,
                    exclude_article=exclude_article,
                )
            )
            or []
        )

    def more_like_terms(self, paragraph_id: int) -> tuple[str, ...] | None:
        found = with_snapshot(lambda snapshot: _key_terms(snapshot, paragraph_id))
        return None if found is None else tuple(word for _term, word in found[1])

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


def _key_terms(
    snapshot: Snapshot, paragraph_id: int
) -> tuple[int, list[tuple[str, str]]] | None:
    """(document, [(stem, word as written)]) of the paragraph's most distinctive
    words, by term frequency times inverse document frequency. Looked up by the
    stored paragraph id: Whoosh's document numbers change on every rebuild."""
    where = np.flatnonzero((snapshot.paragraph_ids == paragraph_id) & snapshot.live)
    if not len(where):
        return None
    doc = int(where[0])
    text = snapshot.stored([doc])[0].get("text") or ""
    surfaces: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for start, end, term in word_spans(text):
        if term is not None:
            counts[term] += 1
            surfaces.setdefault(term, text[start:end])
    size = max(snapshot.live_count, 2)
    scored = []
    for term, count in counts.items():
        frequency = snapshot.doc_frequency("text", term)
        # A word no other paragraph has cannot lead anywhere; one that every
        # paragraph has does not tell them apart.
        if 1 < frequency < size:
            scored.append((count * math.log(size / frequency), term))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return doc, [(term, surfaces[term]) for _score, term in scored[:MORE_LIKE_TERMS]]


def _more_like(
    snapshot: Snapshot,
    paragraph_id: int,
    *,
    limit: int,
    query: EngineQuery | None,
    exclude_article: bool,
) -> list[EngineHit]:
    """Paragraphs sharing the most distinctive words of this one, by BM25."""
    found = _key_terms(snapshot, paragraph_id)
    if found is None or not found[1]:
        return []
    doc, terms = found
    article = int(snapshot.article_ids[doc])
    skip = 1
    if exclude_article:
        skip += int(np.count_nonzero((snapshot.article_ids == article) & snapshot.live))
    # Built here rather than parsed from text: the query language caps a typed
    # query at 30 terms and searches titles and headings too.
    parsed = ParsedQuery(
        text=" OR ".join(word for _term, word in terms),
        query=whoosh_query.Or([whoosh_query.Term("text", term) for term, _w in terms]),
    )
    base = query or EngineQuery()
    candidates = dataclasses.replace(
        base,
        text=parsed.text,
        sort="relevance",
        offset=0,
        limit=limit + skip,
        group_by_article=False,
        facets=(),
    )
    result = planner.search(snapshot, candidates, parsed=parsed)
    return [
        hit
        for hit in result.hits
        if hit.paragraph_id != paragraph_id
        and not (exclude_article and hit.article_id == article)
    ][:limit]


def create_backend() -> WhooshBackend:
    # Stateless: the per-process snapshot registry is shared by every instance.
    return WhooshBackend()
