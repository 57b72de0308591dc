"""The 2-D count: matches counted by two facets at once, vectorised.

Each facet is a per-document CSR of value indexes (``FacetIndex``). The matches'
(document, row value) and (document, column value) pairs are joined on the
document with ``repeat``/``cumsum`` arithmetic, packed into one integer per cell,
and counted with ``bincount``; distinct articles per cell come from a ``unique``
over (cell, article) keys. No Python loop runs per document.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from search.engine.base import NO_VALUE, CountGrid
from search.engine.whoosh.reader import FacetIndex, Snapshot


def _pairs(
    index: FacetIndex, docs: np.ndarray, *, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """(document, value index) pairs of the matches ``docs`` (sorted); a match
    without a value is paired with ``len(index.values)``, the "no value" index."""
    starts = index.indptr[docs]
    lengths = index.indptr[docs + 1] - starts
    if len(docs) == size:
        # Everything matches (a browse of an index without deletions).
        owners = index.docs.astype(np.int64)
        values = index.vals.astype(np.int64)
    elif len(docs) * 8 < size:
        # Few matches: gather their runs from the per-document CSR.
        owners = np.repeat(docs, lengths)
        offsets = np.cumsum(lengths) - lengths
        source = np.arange(len(owners)) - np.repeat(offsets - starts, lengths)
        values = index.vals[source].astype(np.int64)
    else:
        # Many: filter the facet's own pairs (sorted by document) through a mask.
        selected = np.zeros(size, dtype=bool)
        selected[docs] = True
        keep = selected[index.docs]
        owners = index.docs[keep].astype(np.int64)
        values = index.vals[keep].astype(np.int64)
    bare = docs[lengths == 0]
    if len(bare):
        owners = np.concatenate([owners, bare])
        values = np.concatenate(
            [values, np.full(len(bare), len(index.values), dtype=np.int64)]
        )
    return owners, values


def _single_values(snapshot: Snapshot, name: str, index: FacetIndex) -> Any:
    """Each document's one value index ("no value" for none), or False when some
    document has two; kept with the snapshot, which never changes."""
    key = ("grid-single", name)
    found = snapshot.cache.get(key)
    if found is None:
        docs = index.docs
        if len(docs) > 1 and bool(np.any(docs[1:] == docs[:-1])):
            found = False
        else:
            found = np.full(snapshot.size, len(index.values), dtype=np.int64)
            found[docs] = index.vals
        snapshot.cache.put(key, found, cost=getattr(found, "nbytes", 0) + 64)
    return found


def _join(
    snapshot: Snapshot, docs: np.ndarray, *, rows: str, columns: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (document, row value, column value) of the same document."""
    first, second = snapshot.facet(rows), snapshot.facet(columns)
    size = snapshot.size
    single = _single_values(snapshot, columns, second)
    if single is not False:
        owners, row_values = _pairs(first, docs, size=size)
        return owners, row_values, single[owners]
    single = _single_values(snapshot, rows, first)
    if single is not False:
        owners, column_values = _pairs(second, docs, size=size)
        return owners, single[owners], column_values
    # Both multi-valued: each row pair repeated once per column pair of its
    # document, walking that document's column pairs in order.
    row_owner, row_value = _sorted(*_pairs(first, docs, size=size))
    column_owner, column_value = _sorted(*_pairs(second, docs, size=size))
    per_doc = np.bincount(column_owner, minlength=size)
    column_start = np.cumsum(per_doc) - per_doc
    times = per_doc[row_owner]
    owner = np.repeat(row_owner, times)
    offsets = np.cumsum(times) - times
    within = np.arange(len(owner)) - np.repeat(offsets, times)
    return (
        owner,
        np.repeat(row_value, times),
        column_value[column_start[owner] + within],
    )


def _sorted(owners: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(owners, kind="stable")
    return owners[order], values[order]


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
    owner, row, column = _join(snapshot, docs, rows=rows, columns=columns)
    width = len(second.values) + 1
    cells_total = (len(first.values) + 1) * width
    cell = row * width + column
    paragraphs = np.bincount(cell, minlength=cells_total)
    # Distinct (article, cell) keys; numpy's default sort is the vectorised one,
    # several times faster here than a stable sort.
    keys = snapshot.article_ids[owner].astype(np.int64) * cells_total + cell
    keys.sort()
    first_seen = np.ones(len(keys), dtype=bool)
    first_seen[1:] = keys[1:] != keys[:-1]
    articles = np.bincount(keys[first_seen] % cells_total, minlength=cells_total)
    row_names = (*first.values, NO_VALUE)
    column_names = (*second.values, NO_VALUE)
    cells: dict[tuple[str, str], int] = {}
    article_cells: dict[tuple[str, str], int] = {}
    for key in np.flatnonzero(paragraphs).tolist():
        row_index, column_index = divmod(key, width)
        if not missing and (
            row_index == len(first.values) or column_index == len(second.values)
        ):
            continue
        name = (row_names[row_index], column_names[column_index])
        cells[name] = int(paragraphs[key])
        article_cells[name] = int(articles[key])
    return CountGrid(
        rows=rows,
        columns=columns,
        cells=cells,
        articles=article_cells,
        matched=len(docs),
    )
