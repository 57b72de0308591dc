"""Per-process read state: a snapshot of one index generation as numpy arrays.

Whoosh reads a document's postings one Python object at a time; counting facets or
collecting a million matches that way takes seconds. A :class:`Snapshot` instead
holds, for one committed generation:

* per-document columns (paragraph id, article id, position, year, date key, hash)
  and a live mask (Whoosh marks deleted documents instead of removing them);
* for each facet field, the (document, value) pairs sorted by document;
* per-field document lengths for BM25, and posting arrays per term, decoded from
  the Whoosh postings once and then cached.

Arrays are cached per *segment* (segments never change once written, only their
deletion sets do), so an editor's one-paragraph update costs a small new segment,
not a reload of a million documents. Nothing is created at import time; the state
is keyed by the index directory's real path and generation, and rebuilt lazily on
the first read after a commit.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

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
from search.engine.whoosh.schema import FACET_FIELDS, NUMERIC_COLUMNS, TEXT_FIELDS
from search.engine.whoosh.store import build_lease, index_path, open_existing_index

T = TypeVar("T")

logger = logging.getLogger(__name__)

_POSITIONS = Positions()
LENGTH_PRIOR_POWER = 0.35
LENGTH_PRIOR_MIN = 0.25
LENGTH_PRIOR_MAX = 4.0


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


class Snapshot:
    """One committed generation of the index, read through numpy arrays."""

    def __init__(self, *, path: str, ix: Any, searcher: Any) -> None:
        self.path = path
        self.ix = ix
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = searcher.reader().generation()
        self.lock = threading.RLock()
        leaves = self.reader.leaf_readers()
        self.leaves: list[tuple[Any, int, SegmentData]] = [
            (segreader, offset, _segment_data(path, segreader))
            for segreader, offset in leaves
        ]
        self.size = sum(data.count for _r, _o, data in self.leaves)
        live = np.ones(self.size, dtype=bool)
        for segreader, offset, _data in self.leaves:
            deleted = list(segreader.segment().deleted_docs())
            if deleted:
                live[offset + np.asarray(deleted, dtype=np.int64)] = False
        self.live = live
        self.live_count = int(live.sum())
        self._columns: dict[str, np.ndarray] = {}
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._facets: dict[str, FacetIndex] = {}
        self._orders: dict[str, np.ndarray] = {}
        self._terms = LRU(max_items=512, max_cost=160 * 1024 * 1024)
        self.cache = LRU(max_items=256, max_cost=192 * 1024 * 1024)
        self._build_lock = threading.RLock()
        self._users = 0
        self._retired = False
        self.closed = False
        self._users_lock = threading.Lock()

    # Lifetime ------------------------------------------------------

    def enter(self) -> bool:
        """Start a read; False when the snapshot is already closed."""
        with self._users_lock:
            if self.closed:
                return False
            self._users += 1
            return True

    def leave(self) -> None:
        with self._users_lock:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self._close()

    def retire(self) -> None:
        """No new reads will start here: close the searcher once the last read in
        flight has left."""
        with self._users_lock:
            self._retired = True
            close = self._users == 0
        if close:
            self._close()

    def _close(self) -> None:
        with self._users_lock:
            if self.closed:
                return
            self.closed = True
        try:
            self.searcher.close()
        except Exception:
            logger.debug("closing a replaced searcher failed", exc_info=True)

    def _once(self, store: dict[str, Any], key: str, build: Callable[[], Any]) -> Any:
        found = store.get(key)
        if found is None:
            with self._build_lock:
                found = store.get(key)
                if found is None:
                    with self.lock:
                        found = build()
                    store[key] = found
        return found

    # Columns -------------------------------------------------------

    def column(self, name: str) -> np.ndarray:
        def build() -> np.ndarray:
            parts = [data.column(r, name) for r, _o, data in self.leaves]
            dtype = np.dtype(NUMERIC_COLUMNS[name])
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return self._once(self._columns, name, build)

    @property
    def paragraph_ids(self) -> np.ndarray:
        return self.column("c_pid")

    @property
    def article_ids(self) -> np.ndarray:
        return self.column("c_article")

    @property
    def years(self) -> np.ndarray:
        return self.column("c_year")

    def lengths(self, field: str) -> tuple[np.ndarray, float]:
        """Per-document length of a text field, and its mean over live documents."""

        def build() -> tuple[np.ndarray, float]:
            parts = [data.length(r, field) for r, _o, data in self.leaves]
            lengths = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
            live = lengths[self.live]
            mean = float(live.mean()) if len(live) else 1.0
            return lengths, max(mean, 1.0)

        return self._once(self._lengths, field, build)

    def length_prior(self) -> np.ndarray:
        """A mild per-paragraph relevance prior that grows with text length.

        Captions, credits and one-line asides otherwise outrank the substantive
        paragraph that uses the same words: BM25 rewards short passages more than
        relevance does (Singhal et al., pivoted length normalisation).
        """

        def build() -> np.ndarray:
            lengths, mean = self.lengths("text")
            ratio = np.clip(lengths / mean, LENGTH_PRIOR_MIN, LENGTH_PRIOR_MAX)
            return (ratio**LENGTH_PRIOR_POWER).astype(np.float32)

        return self._once(self._orders, "_length_prior", build)

    # Facets --------------------------------------------------------

    def facet(self, field: str) -> FacetIndex:
        """A facet field ("author", "country", "topic", or "year" from its
        column) over every document, deleted ones included."""

        def build_year() -> FacetIndex:
            years = self.years
            docs = np.flatnonzero(years > 0).astype(np.int32)
            distinct, vals = np.unique(years[docs], return_inverse=True)
            values = tuple(str(int(y)) for y in distinct)
            return FacetIndex.build(values, docs, vals.astype(np.int32), self.size)

        def build() -> FacetIndex:
            if field == "year":
                return build_year()
            pairs = [(data.facet(r, field), o) for r, o, data in self.leaves]
            values = sorted({v for p, _o in pairs for v in p.values})
            index = {v: i for i, v in enumerate(values)}
            docs_parts = []
            vals_parts = []
            for p, offset in pairs:
                if not len(p.docs):
                    continue
                remap = np.asarray([index[v] for v in p.values], dtype=np.int32)
                docs_parts.append(p.docs.astype(np.int32) + offset)
                vals_parts.append(remap[p.vals])
            docs = np.concatenate(docs_parts) if docs_parts else EMPTY_IDS
            vals = np.concatenate(vals_parts) if vals_parts else EMPTY_IDS
            return FacetIndex.build(tuple(values), docs, vals, self.size)

        return self._once(self._facets, field, build)

    # Postings ------------------------------------------------------

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Doc numbers (sorted, deleted ones included) and term frequencies."""
        key = (field, term)
        found = self._terms.get(key)
        if found is None:
            with self.lock:
                parts = [
                    (data.postings(r, field, term), o) for r, o, data in self.leaves
                ]
            ids = [p[0] + o for p, o in parts if len(p[0])]
            weights = [p[1] for p, _o in parts if len(p[0])]
            found = (
                (np.concatenate(ids).astype(np.int32), np.concatenate(weights))
                if ids
                else (EMPTY_IDS, EMPTY_WEIGHTS)
            )
            self._terms.put(key, found, cost=_nbytes(*found) + 200)
        return found

    def phrase_docs(
        self, field: str, words: list[str], candidates: np.ndarray, *, deadline: float
    ) -> tuple[np.ndarray, bool]:
        """Candidate documents (sorted doc numbers) where ``words`` occur in a row,
        and whether the check finished before ``deadline``."""
        found: list[np.ndarray] = []
        for segreader, offset, data in self.leaves:
            low, high = np.searchsorted(candidates, [offset, offset + data.count])
            local = candidates[low:high].astype(np.int64) - offset
            if not len(local):
                continue
            sidecar = data.sidecar(field)
            if sidecar is not None:
                found.append(
                    sidecar.phrase_docs(words, local, size=data.count) + offset
                )
                continue
            with self.lock:
                positions = [
                    _decoded_positions(segreader, field, word, local) for word in words
                ]
            verified: list[int] = []
            for count, doc in enumerate(local.tolist()):
                if count % 256 == 0 and time.monotonic() > deadline:
                    return _concat(found, verified, offset), False
                if _phrase_at(doc, positions):
                    verified.append(doc)
            found.append(np.asarray(verified, dtype=np.int64) + offset)
        return _concat(found, [], 0), True

    def expand_prefix(self, field: str, prefix: str, *, limit: int) -> list[str]:
        with self.lock:
            out: list[str] = []
            for term in self.reader.expand_prefix(field, prefix):
                out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                if len(out) >= limit:
                    break
        return out

    def doc_frequency(self, field: str, term: str) -> int:
        return len(self.postings(field, term)[0])

    def lexicon(self, field: str) -> Iterator[str]:
        with self.lock:
            terms = list(self.reader.lexicon(field))
        for term in terms:
            yield term.decode("utf-8") if isinstance(term, bytes) else term

    # Orders --------------------------------------------------------

    def sort_key(self, sort: str) -> np.ndarray:
        """Per-document keys that put documents in date order when sorted
        ascending: "newest" or "oldest", undated last, an article's paragraphs in
        reading order."""

        def build() -> np.ndarray:
            dates = self.column("c_sort").astype(np.int64)
            articles = self.article_ids.astype(np.int64) & 0xFFFFFF
            positions = np.minimum(self.column("c_position"), 0xFFFF).astype(np.int64)
            if sort == "newest":
                return -((dates << 40) | (articles << 16)) + positions
            dates = np.where(dates == 0, np.int64(1 << 22), dates)
            return (dates << 40) | (articles << 16) | positions

        return self._once(self._orders, f"key:{sort}", build)

    # Stored fields -------------------------------------------------

    def stored(self, docnums: list[int]) -> list[dict[str, Any]]:
        with self.lock:
            return [self.searcher.stored_fields(int(doc)) for doc in docnums]


# ---------------------------------------------------------------- registry


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def current(self) -> Snapshot | None:
        found = self._snapshot
        if found is not None:
            # The common case costs a readlink and a directory listing.
            try:
                real = os.path.realpath(index_path())
                if (
                    real == found.path
                    and found.ix.latest_generation() == found.generation
                ):
                    return found
            except OSError:
                pass
        with self._lock:
            ix = open_existing_index()
            if ix is None:
                self._replace(None)
                return None
            path = os.path.realpath(ix.storage.folder)
            generation = ix.latest_generation()
            found = self._snapshot
            if found is not None and (found.path, found.generation) == (
                path,
                generation,
            ):
                return found
            snapshot = Snapshot(path=path, ix=ix, searcher=_open_searcher(ix))
            self._replace(snapshot)
            return snapshot

    def peek(self) -> Snapshot | None:
        """The snapshot in use, without checking the disk for a newer one."""
        return self._snapshot

    def _replace(self, snapshot: Snapshot | None) -> None:
        old, self._snapshot = self._snapshot, snapshot
        if old is not None and old is not snapshot:
            old.retire()

    def forget(self, snapshot: Snapshot | None = None) -> None:
        """Drop the current snapshot (or only ``snapshot`` if it is current)."""
        with self._lock:
            if snapshot is None or self._snapshot is snapshot:
                self._replace(None)

    def clear(self) -> None:
        self.forget()
        _segment_cache.clear()
        _term_cache.clear()


def _open_searcher(ix: Any, *, attempts: int = 5) -> Any:
    for attempt in range(attempts):
        try:
            return ix.searcher()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise RuntimeError("unreachable")


_registry = _Registry()


def current_snapshot() -> Snapshot | None:
    """The snapshot of the live index's latest generation (None: no index yet)."""
    return _registry.current()


def latest_known_snapshot() -> Snapshot | None:
    """The snapshot this process last read (refreshed by every read and after
    every write of this process), or the current one when there is none yet."""
    return _registry.peek() or _registry.current()


def forget_snapshot(snapshot: Snapshot | None = None) -> None:
    """Stop using ``snapshot`` (its files are gone); the next read reopens."""
    _registry.forget(snapshot)


def reset_caches() -> None:
    """Forget every cached snapshot and array (tests, and after a crash)."""
    _registry.clear()


def with_snapshot(work: Callable[[Snapshot], T]) -> T | None:
    """Run ``work`` on the current snapshot; None when there is no index yet.

    The work holds a lease on the snapshot's build directory, so a rebuild does
    not delete it mid-read; a snapshot whose build is already gone is dropped and
    the work starts again on the live index.
    """
    for attempt in range(3):
        snapshot = current_snapshot()
        if snapshot is None:
            return None
        if not snapshot.enter():
            continue
        try:
            with build_lease(snapshot.path) as alive:
                if alive:
                    try:
                        return work(snapshot)
                    except FileNotFoundError:
                        if attempt == 2:
                            raise
        finally:
            snapshot.leave()
        forget_snapshot(snapshot)
    return None


def indexed_hashes() -> dict[int, list[int]]:
    """Paragraph id -> content hashes of its live documents (more than one means a
    duplicate)."""

    def read(snapshot: Snapshot) -> dict[int, list[int]]:
        live = snapshot.live
        pids = snapshot.paragraph_ids[live].tolist()
        hashes = snapshot.column("c_hash")[live].tolist()
        out: dict[int, list[int]] = {}
        for pid, digest in zip(pids, hashes, strict=True):
            out.setdefault(pid, []).append(digest)
        return out

    return with_snapshot(read) or {}


__all__ = [
    "EMPTY_IDS",
    "FACET_FIELDS",
    "TEXT_FIELDS",
    "Snapshot",
    "current_snapshot",
    "with_snapshot",
]
