"""Per-segment read state: arrays decoded once per segment and kept while the
segment exists, shared by every snapshot of a process (see ``reader``).

Segments never change once written, only their deletion sets do, so their
columns, facet pairs and postings are cached by segment id.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.formats import Positions

from search.engine.whoosh.build import SIDECAR_DIR
from search.engine.whoosh.internals import (
    EMPTY_IDS,
    EMPTY_WEIGHTS,
    decode_matcher,
    length_column,
    numeric_column,
    segment_matcher,
)
from search.engine.whoosh.schema import NUMERIC_COLUMNS

logger = logging.getLogger(__name__)

_POSITIONS = Positions()


class LRU:
    """A small thread-safe LRU bounded by entry count and by a cost (bytes)."""

    def __init__(self, *, max_items: int, max_cost: int = 0) -> None:
        self.max_items = max_items
        self.max_cost = max_cost
        self._data: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._cost = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
            return found[0]

    def put(self, key: Any, value: Any, *, cost: int = 0) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._cost -= old[1]
            self._data[key] = (value, cost)
            self._cost += cost
            while self._data and (
                len(self._data) > self.max_items
                or (self.max_cost and self._cost > self.max_cost)
            ):
                _key, (_value, dropped) = self._data.popitem(last=False)
                self._cost -= dropped

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._cost = 0


def _nbytes(*arrays: np.ndarray) -> int:
    return int(sum(a.nbytes for a in arrays))


# Segment-level caches, shared by every snapshot of a process.
_segment_cache = LRU(max_items=256)
_term_cache = LRU(max_items=200_000, max_cost=128 * 1024 * 1024)


def _decoded_positions(
    segreader: Any, field: str, term: str, local: np.ndarray
) -> dict[int, list[int]]:
    matcher = segment_matcher(segreader, field, term.encode("utf-8"))
    if matcher is None:
        return {}
    ids, _weights, values = decode_matcher(matcher, with_values=True)
    wanted = set(local.tolist())
    return {
        doc: _POSITIONS.decode_positions(value)
        for doc, value in zip(ids.tolist(), values or (), strict=False)
        if doc in wanted
    }


def _phrase_at(doc: int, positions: list[dict[int, list[int]]]) -> bool:
    first = positions[0].get(doc)
    if not first:
        return False
    rest = [set(p.get(doc, ())) for p in positions[1:]]
    return any(
        all(start + shift in following for shift, following in enumerate(rest, 1))
        for start in first
    )


def _concat(parts: list[np.ndarray], extra: list[int], offset: int) -> np.ndarray:
    arrays = [*parts, np.asarray(extra, dtype=np.int64) + offset]
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return EMPTY_IDS
    return np.sort(np.concatenate(arrays)).astype(np.int32)


# ---------------------------------------------------------------- segments


@dataclass
class FacetPairs:
    """(document, value) pairs of one facet field, sorted by document."""

    values: tuple[str, ...]
    docs: np.ndarray
    vals: np.ndarray


class SidecarField:
    """Posting arrays of one text field of one segment, written by a rebuild
    (see build.py), memory-mapped."""

    def __init__(self, folder: Path, field: str) -> None:
        text = (folder / f"{field}.terms").read_text(encoding="utf-8")
        terms = text.split("\n") if text else []
        self.index = {term: i for i, term in enumerate(terms)}
        self.offsets = np.load(folder / f"{field}.offsets.npy", mmap_mode="r")
        self.docs = np.load(folder / f"{field}.docs.npy", mmap_mode="r")
        self.freqs = np.load(folder / f"{field}.freqs.npy", mmap_mode="r")
        self.positions = np.load(folder / f"{field}.positions.npy", mmap_mode="r")
        self.position_offsets = np.load(
            folder / f"{field}.position_offsets.npy", mmap_mode="r"
        )

    def span(self, term: str) -> tuple[int, int]:
        found = self.index.get(term)
        if found is None:
            return 0, 0
        return int(self.offsets[found]), int(self.offsets[found + 1])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.span(term)
        if start == end:
            return EMPTY_IDS, EMPTY_WEIGHTS
        return (
            np.array(self.docs[start:end], dtype=np.int32),
            self.freqs[start:end].astype(np.float32),
        )

    def phrase_docs(
        self, words: list[str], candidates: np.ndarray, *, size: int
    ) -> np.ndarray:
        """Candidate documents (local, sorted) where ``words`` occur in a row."""
        keys: np.ndarray | None = None
        wanted = np.zeros(size, dtype=bool)
        wanted[candidates] = True
        for shift, word in enumerate(words):
            start, end = self.span(word)
            if start == end:
                return EMPTY_IDS
            docs = np.asarray(self.docs[start:end])
            freqs = np.asarray(self.freqs[start:end]).astype(np.int64)
            # A term's positions are stored together, posting after posting.
            term_starts = np.cumsum(freqs) - freqs
            term_starts += int(self.position_offsets[self.index[word]])
            chosen = np.flatnonzero(wanted[docs])
            lengths = freqs[chosen]
            starts = term_starts[chosen]
            total = int(lengths.sum())
            run_starts = np.cumsum(lengths) - lengths
            gather = np.repeat(starts - run_starts, lengths) + np.arange(total)
            positions = self.positions[gather].astype(np.int64)
            owners = np.repeat(docs[chosen].astype(np.int64), lengths)
            # Word i of the phrase at position p: the phrase starts at p - i. Keys
            # come out sorted (documents, then positions, ascending).
            word_keys = (owners << 20) | (positions - shift + (1 << 19))
            keys = word_keys if keys is None else _sorted_intersection(keys, word_keys)
            if not len(keys):
                return EMPTY_IDS
            survivors = np.unique(keys >> 20)
            wanted[:] = False
            wanted[survivors] = True
        if keys is None:
            return EMPTY_IDS
        return np.unique(keys >> 20).astype(np.int32)


def _sorted_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Values of sorted ``a`` also in sorted ``b``."""
    if not len(a) or not len(b):
        return a[:0]
    where = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[where] == a]


class SegmentData:
    """Arrays of one segment, local document numbers; valid while it exists."""

    def __init__(self, key: tuple[str, str], count: int) -> None:
        self.key = key
        self.count = count
        self.columns: dict[str, np.ndarray] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.facets: dict[str, FacetPairs] = {}
        self._sidecar: dict[str, SidecarField | None] = {}
        self._lock = threading.Lock()

    def sidecar(self, field: str) -> SidecarField | None:
        if field not in self._sidecar:
            folder = Path(self.key[0]) / SIDECAR_DIR / self.key[1]
            found = None
            if (folder / "meta.json").exists() and (folder / f"{field}.terms").exists():
                try:
                    found = SidecarField(folder, field)
                except FileNotFoundError:
                    # The build went away under us: let the caller reopen.
                    raise
                except (OSError, ValueError):
                    logger.exception("unreadable posting arrays in %s", folder)
            self._sidecar[field] = found
        return self._sidecar[field]

    def column(self, segreader: Any, name: str) -> np.ndarray:
        found = self.columns.get(name)
        if found is None:
            with self._lock:
                found = numeric_column(
                    segreader, name, NUMERIC_COLUMNS[name], self.count
                )
                self.columns[name] = found
        return found

    def length(self, segreader: Any, field: str) -> np.ndarray:
        found = self.lengths.get(field)
        if found is None:
            found = length_column(segreader, field, self.count)
            self.lengths[field] = found
        return found

    def facet(self, segreader: Any, field: str) -> FacetPairs:
        found = self.facets.get(field)
        if found is None:
            values: list[str] = []
            doc_parts: list[np.ndarray] = []
            val_parts: list[np.ndarray] = []
            for term in segreader.lexicon(field):
                matcher = segment_matcher(segreader, field, term)
                if matcher is None:
                    continue
                ids, _weights, _values = decode_matcher(matcher)
                val_parts.append(np.full(len(ids), len(values), dtype=np.int32))
                doc_parts.append(ids)
                values.append(term.decode("utf-8"))
            if doc_parts:
                docs = np.concatenate(doc_parts)
                vals = np.concatenate(val_parts)
                order = np.argsort(docs, kind="stable")
                found = FacetPairs(tuple(values), docs[order], vals[order])
            else:
                found = FacetPairs((), EMPTY_IDS, EMPTY_IDS)
            self.facets[field] = found
        return found

    def postings(
        self, segreader: Any, field: str, term: str
    ) -> tuple[np.ndarray, np.ndarray]:
        sidecar = self.sidecar(field)
        if sidecar is not None:
            return sidecar.postings(term)
        key = (*self.key, field, term)
        found = _term_cache.get(key)
        if found is None:
            matcher = segment_matcher(segreader, field, term.encode("utf-8"))
            if matcher is None:
                found = (EMPTY_IDS, EMPTY_WEIGHTS)
            else:
                ids, weights, _values = decode_matcher(matcher)
                found = (ids, weights)
            _term_cache.put(key, found, cost=_nbytes(*found) + 200)
        return found


def _segment_data(path: str, segreader: Any) -> SegmentData:
    segment = segreader.segment()
    key = (path, segment.segment_id())
    found = _segment_cache.get(key)
    if found is None or found.count != segment.doc_count_all():
        found = SegmentData(key, segment.doc_count_all())
        _segment_cache.put(key, found)
    return found


# ---------------------------------------------------------------- snapshot


@dataclass(frozen=True)
class FacetIndex:
    """A facet over the whole snapshot.

    ``docs``/``vals``: (document, value index) pairs sorted by document, with
    ``indptr`` the per-document CSR over them; ``by_value``: the same documents
    grouped by value, value ``i`` owning ``by_value[value_ptr[i]:value_ptr[i+1]]``.
    """

    values: tuple[str, ...]
    index: dict[str, int]
    docs: np.ndarray
    vals: np.ndarray
    indptr: np.ndarray
    by_value: np.ndarray = field(default_factory=lambda: EMPTY_IDS)
    value_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))

    @classmethod
    def build(
        cls, values: tuple[str, ...], docs: np.ndarray, vals: np.ndarray, size: int
    ) -> FacetIndex:
        counts = np.bincount(docs, minlength=size)[:size]
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        # Small value indexes sort by radix, in linear time.
        sortable = vals.astype(np.int16) if len(values) < 2**15 else vals
        order = np.argsort(sortable, kind="stable")
        value_ptr = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(np.bincount(vals, minlength=len(values)), out=value_ptr[1:])
        return cls(
            values=values,
            index={v: i for i, v in enumerate(values)},
            docs=docs,
            vals=vals,
            indptr=indptr,
            by_value=docs[order],
            value_ptr=value_ptr,
        )

    def value_docs(self, position: int) -> np.ndarray:
        return self.by_value[self.value_ptr[position] : self.value_ptr[position + 1]]
