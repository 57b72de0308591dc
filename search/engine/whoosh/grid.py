"""The 2-D count: matches counted by two facets at once, vectorised.

Each facet is a per-document CSR of value indexes (``FacetIndex``). The matches'
(document, row value) and (document, column value) pairs are joined on the
document with ``repeat``/``cumsum`` arithmetic, packed into one integer per cell,
and counted with ``bincount``; distinct articles per cell come from a ``unique``
over (cell, article) keys. No Python loop runs per document.
"""

from __future__ import annotations

import numpy as np

from search.engine.base import NO_VALUE, CountGrid
from search.engine.whoosh.reader import FacetIndex, Snapshot


def _pairs(index: FacetIndex, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``docs``, value index) pairs; a document without a value is
    paired with ``len(index.values)``, the "no value" index."""
    starts = index.indptr[docs]
    lengths = index.indptr[docs + 1] - starts
    empty = lengths == 0
    # Count an empty document once, as one pair with the "no value" index.
    counted = np.where(empty, 1, lengths)
    total = int(counted.sum())
    run_starts = np.cumsum(counted) - counted
    within = np.arange(total) - np.repeat(run_starts, counted)
    owner = np.repeat(np.arange(len(docs)), counted)
    source = np.repeat(starts, counted) + within
    values = np.full(total, len(index.values), dtype=np.int64)
    real = ~np.repeat(empty, counted)
    values[real] = index.vals[source[real]]
    return owner, values


def count_grid(
    snapshot: Snapshot,
    docs: np.ndarray,
    *,
    rows: str,
    columns: str,
    missing: bool,
) -> CountGrid:
    docs = np.asarray(docs, dtype=np.int64)
    first, second = snapshot.facet(rows), snapshot.facet(columns)
    if not len(docs):
        return CountGrid(rows=rows, columns=columns, cells={}, matched=0)
    row_owner, row_value = _pairs(first, docs)
    column_owner, column_value = _pairs(second, docs)
    # Join on the document: each row pair repeated once per column pair of its
    # document, then walking that document's column pairs in order.
    per_doc = np.bincount(column_owner, minlength=len(docs))
    column_start = np.cumsum(per_doc) - per_doc
    times = per_doc[row_owner]
    total = int(times.sum())
    joined_owner = np.repeat(row_owner, times)
    joined_row = np.repeat(row_value, times)
    run_starts = np.cumsum(times) - times
    within = np.arange(total) - np.repeat(run_starts, times)
    joined_column = column_value[column_start[joined_owner] + within]
    width = len(second.values) + 1
    cell = joined_row * width + joined_column
    height = len(first.values) + 1
    paragraphs = np.bincount(cell, minlength=height * width)
    article = snapshot.article_ids[docs[joined_owner]].astype(np.int64)
    span = int(article.max()) + 1 if len(article) else 1
    distinct = np.unique(cell * span + article) // span
    articles = np.bincount(distinct, minlength=height * width)
    row_names = (*first.values, NO_VALUE)
    column_names = (*second.values, NO_VALUE)
    cells: dict[tuple[str, str], int] = {}
    article_cells: dict[tuple[str, str], int] = {}
    for key in np.flatnonzero(paragraphs).tolist():
        row, column = divmod(key, width)
        if not missing and (row == height - 1 or column == width - 1):
            continue
        name = (row_names[row], column_names[column])
        cells[name] = int(paragraphs[key])
        article_cells[name] = int(articles[key])
    return CountGrid(
        rows=rows,
        columns=columns,
        cells=cells,
        articles=article_cells,
        matched=len(docs),
    )
