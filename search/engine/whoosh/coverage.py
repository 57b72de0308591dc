"""Whoosh side of the 2-D count and of "more like this", kept in one module until
the backend seam (``search/engine/base.py``) carries them: ``count_grid`` counts the
matches by country and year in one vectorised pass, and ``key_terms`` picks the
words that make a paragraph distinctive.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from search.engine_reader import Snapshot, with_snapshot
from search.engine_schema import word_spans


@dataclass(frozen=True)
class Grid:
    """Counts by (country, year). Row ``len(countries)`` is "no country" and
    column ``len(years)`` is "no year"; ``paragraphs`` and ``articles`` have one
    more row and column than there are values."""

    countries: tuple[str, ...]
    years: tuple[int, ...]
    paragraphs: np.ndarray
    articles: np.ndarray
    matched: int = 0


def count_grid(snapshot: Snapshot, docs: np.ndarray) -> Grid:
    docs = np.asarray(docs, dtype=np.int64)
    country = snapshot.facet("country")
    year_values = snapshot.years[docs] if len(docs) else np.zeros(0, np.int64)
    dated = year_values[year_values > 0]
    years = tuple(range(int(dated.min()), int(dated.max()) + 1)) if len(dated) else ()
    width = len(years) + 1
    column = np.where(
        year_values > 0, year_values - (years[0] if years else 0), len(years)
    ).astype(np.int64)
    # (document, country) pairs of the matches, from the facet's per-document CSR;
    # a document with no country is paired with the "no country" row.
    starts = country.indptr[docs]
    lengths = country.indptr[docs + 1] - starts
    total = int(lengths.sum())
    run_starts = np.cumsum(lengths) - lengths
    gather = np.repeat(starts - run_starts, lengths) + np.arange(total)
    pair_doc = np.repeat(np.arange(len(docs)), lengths)
    present = np.unique(country.vals[gather]) if total else np.zeros(0, np.int64)
    remap = np.full(len(country.values) + 1, len(present), dtype=np.int64)
    if len(present):
        remap[present] = np.arange(len(present))
    pair_row = remap[country.vals[gather]] if total else np.zeros(0, np.int64)
    bare = np.flatnonzero(lengths == 0)
    pair_doc = np.concatenate([pair_doc, bare])
    pair_row = np.concatenate([pair_row, np.full(len(bare), len(present))])
    height = len(present) + 1
    cell = pair_row * width + column[pair_doc]
    paragraphs = np.bincount(cell, minlength=height * width).reshape(height, width)
    article = snapshot.article_ids[docs[pair_doc]].astype(np.int64)
    distinct = np.unique(np.stack([cell, article]), axis=1) if len(cell) else cell
    articles = np.bincount(
        distinct[0] if len(cell) else cell, minlength=height * width
    ).reshape(height, width)
    return Grid(
        countries=tuple(country.values[int(value)] for value in present.tolist()),
        years=years,
        paragraphs=paragraphs,
        articles=articles,
        matched=len(docs),
    )


def key_terms(paragraph_id: int, *, limit: int) -> tuple[int, list[str]] | None:
    """(article id, the paragraph's most distinctive words), looked up by the
    stored paragraph id (Whoosh's document numbers change on every rebuild)."""

    def work(snapshot: Snapshot) -> tuple[int, list[str]] | None:
        where = np.flatnonzero((snapshot.paragraph_ids == paragraph_id) & snapshot.live)
        if not len(where):
            return None
        doc = int(where[0])
        text = snapshot.stored([doc])[0].get("text") or ""
        counts: Counter[str] = Counter()
        surfaces: dict[str, str] = {}
        for start, end, term in word_spans(text):
            if term is not None:
                counts[term] += 1
                surfaces.setdefault(term, text[start:end])
        size = max(snapshot.live_count, 1)
        scored = []
        for term, count in counts.items():
            frequency = snapshot.doc_frequency("text", term)
            # A word only this paragraph has cannot lead to another one.
            if 1 < frequency < size:
                scored.append((count * np.log(size / frequency), term))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        words = [surfaces[term] for _score, term in scored[:limit]]
        return int(snapshot.article_ids[doc]), words

    return with_snapshot(work)


def grid_for(docs_of: object) -> Grid | None:
    """``count_grid`` over the documents ``docs_of(snapshot)`` returns."""
    return with_snapshot(lambda snapshot: count_grid(snapshot, docs_of(snapshot)))
