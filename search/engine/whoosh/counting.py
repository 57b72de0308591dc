"""Facet counting over a snapshot: a gather and a ``bincount`` over the (document,
value) pairs, never a loop over documents."""

from __future__ import annotations

import numpy as np

from search.engine.whoosh.reader import FacetIndex


def count_values(
    index: FacetIndex,
    docs: np.ndarray | None,
    *,
    mask: np.ndarray | None = None,
    size: int,
) -> np.ndarray:
    """How many of the documents (sorted doc numbers ``docs``, or a boolean
    ``mask`` over all documents) carry each value of the facet."""
    width = len(index.values)
    if mask is not None:
        # Gathering the mask in value order and counting each value's run is
        # several times faster than compressing the pairs and a bincount.
        gathered = mask[index.by_value]
        bounds = index.value_ptr.tolist()
        return np.fromiter(
            (
                np.count_nonzero(gathered[bounds[i] : bounds[i + 1]])
                for i in range(width)
            ),
            dtype=np.int64,
            count=width,
        )
    if docs is None or not width or not len(docs):
        return np.zeros(width, dtype=np.int64)
    if len(docs) * 8 < size:
        # Few documents: gather their value runs from the per-document CSR.
        starts = index.indptr[docs]
        lengths = index.indptr[docs + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(width, dtype=np.int64)
        run_starts = np.cumsum(lengths) - lengths
        gather = np.repeat(starts - run_starts, lengths) + np.arange(total)
        return np.bincount(index.vals[gather], minlength=width)
    selected = np.zeros(size, dtype=bool)
    selected[docs] = True
    return np.bincount(index.vals[selected[index.docs]], minlength=width)
