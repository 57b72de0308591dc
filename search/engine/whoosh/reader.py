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
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from search.engine.whoosh import overlay
from search.engine.whoosh.internals import EMPTY_IDS, EMPTY_WEIGHTS
from search.engine.whoosh.schema import FACET_FIELDS, NUMERIC_COLUMNS, TEXT_FIELDS
from search.engine.whoosh.segments import (
    LRU,
    FacetIndex,
    SegmentData,
    _concat,
    _decoded_positions,
    _nbytes,
    _phrase_at,
    _segment_cache,
    _segment_data,
    _term_cache,
)
from search.engine.whoosh.store import build_lease, index_path, open_existing_index

T = TypeVar("T")

logger = logging.getLogger(__name__)

LENGTH_PRIOR_POWER = 0.35
LENGTH_PRIOR_MIN = 0.25
LENGTH_PRIOR_MAX = 4.0


class Snapshot:
    """One committed generation of the index, read through numpy arrays."""

    def __init__(self, *, path: str, ix: Any, searcher: Any) -> None:
        self.path = path
        self.ix = ix
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = searcher.reader().generation()
        self.lock = threading.RLock()
        # An index with no segment yet reads as one EmptyReader, no segment.
        leaves = [
            (segreader, offset)
            for segreader, offset in self.reader.leaf_readers()
            if segreader.segment() is not None
        ]
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
        # The index as written; an OverlaidSnapshot lays the tag overlay on it.
        self.base: Snapshot = self
        self.overlay_version = 0

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

    def doc_numbers(self, paragraph_ids: np.ndarray) -> np.ndarray:
        """The live document of each paragraph id, or -1 where there is none."""

        def build() -> np.ndarray:
            live = np.flatnonzero(self.live)
            return live[np.argsort(self.paragraph_ids[live], kind="stable")]

        order = self._once(self._orders, "_by_paragraph", build)
        wanted = np.asarray(paragraph_ids, dtype=np.int64)
        found = np.full(len(wanted), -1, dtype=np.int64)
        if not len(order) or not len(wanted):
            return found
        sorted_ids = self.paragraph_ids[order]
        where = np.minimum(np.searchsorted(sorted_ids, wanted), len(order) - 1)
        hit = sorted_ids[where] == wanted
        found[hit] = order[where[hit]]
        return found

    # Stored fields -------------------------------------------------

    def stored(self, docnums: list[int]) -> list[dict[str, Any]]:
        with self.lock:
            return [self.searcher.stored_fields(int(doc)) for doc in docnums]


class OverlaidSnapshot(Snapshot):
    """A snapshot with the tag overlay (see ``overlay``) laid over it: the country
    and topic facets, stored fields and content hashes of the overlaid documents
    are the overlay's. Everything else, and the lifetime, is the base snapshot's;
    only the result cache is its own, as results depend on the tags."""

    def __init__(self, base: Snapshot, found: overlay.Overlay) -> None:
        for name in (
            "path",
            "ix",
            "searcher",
            "reader",
            "generation",
            "lock",
            "leaves",
            "size",
            "live",
            "live_count",
            "_lengths",
            "_orders",
            "_terms",
            "_build_lock",
        ):
            setattr(self, name, getattr(base, name))
        self.base = base
        self.overlay_version = found.version
        self.cache = LRU(max_items=256, max_cost=192 * 1024 * 1024)
        self._facets = {}
        self._columns = {}
        docs = base.doc_numbers(found.paragraph_ids)
        # An entry applies only to the document it was written over.
        applies = docs >= 0
        applies[applies] = (
            base.column("c_hash")[docs[applies]] == found.base_hashes[applies]
        )
        chosen = np.flatnonzero(applies)
        order = np.argsort(docs[chosen], kind="stable")
        chosen = chosen[order]
        self.overlaid_docs = docs[chosen]
        self._entries = chosen
        self._overlay = found
        self._by_doc = dict(
            zip(self.overlaid_docs.tolist(), chosen.tolist(), strict=True)
        )

    def enter(self) -> bool:
        return self.base.enter()

    def leave(self) -> None:
        self.base.leave()

    def retire(self) -> None:
        # The registry retires the base itself once it is replaced.
        pass

    @property
    def closed(self) -> bool:  # type: ignore[override]
        return self.base.closed

    def column(self, name: str) -> np.ndarray:
        if name != "c_hash":
            return self.base.column(name)

        def build() -> np.ndarray:
            hashes = self.base.column(name).copy()
            hashes[self.overlaid_docs] = self._overlay.content_hashes[self._entries]
            return hashes

        return self._once(self._columns, name, build)

    def facet(self, field: str) -> FacetIndex:
        if field not in overlay.TAG_FIELDS:
            return self.base.facet(field)
        found = self._overlay
        set_ids = found.country_ids if field == "country" else found.topic_ids

        def build() -> FacetIndex:
            return overlay.patch_facet(
                self.base.facet(field),
                self.overlaid_docs,
                set_ids[self._entries],
                found.tag_sets,
                size=self.size,
            )

        return self._once(self._facets, field, build)

    def stored(self, docnums: list[int]) -> list[dict[str, Any]]:
        found = self.base.stored(docnums)
        for position, doc in enumerate(docnums):
            entry = self._by_doc.get(int(doc))
            if entry is not None:
                found[position] = {
                    **found[position],
                    "country": list(self._overlay.countries(entry)),
                    "topic": list(self._overlay.topics(entry)),
                }
        return found


# ---------------------------------------------------------------- registry


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # What reads use: the base snapshot, or the overlay laid over it.
        self._snapshot: Snapshot | None = None
        self._tags: overlay.OverlayReader | None = None
        self._loaded: overlay.Overlay | None = None

    def _tag_version(self, path: str) -> int:
        tags = self._tags
        if tags is None or tags.build != path:
            return -1
        return tags.version()

    def current(self) -> Snapshot | None:
        found = self._snapshot
        if found is not None:
            # The common case costs a readlink, a directory listing and one
            # lookup in the tag overlay. The overlay's version is read before the
            # generation: a fold commits its documents, then drops their entries.
            try:
                real = os.path.realpath(index_path())
                if (
                    real == found.path
                    and self._tag_version(real) == found.overlay_version
                    and found.ix.latest_generation() == found.generation
                ):
                    return found
            except OSError:
                pass
        with self._lock:
            return self._refresh()

    def _refresh(self) -> Snapshot | None:
        ix = open_existing_index()
        if ix is None:
            self._replace(None)
            return None
        path = os.path.realpath(ix.storage.folder)
        if self._tags is None or self._tags.build != path:
            if self._tags is not None:
                self._tags.close()
            self._tags = overlay.OverlayReader(path)
            self._loaded = None
        version = self._tags.version()
        if version and (self._loaded is None or self._loaded.version != version):
            self._loaded = self._tags.load()
        generation = ix.latest_generation()
        found = self._snapshot
        if found is not None and (found.path, found.generation) == (path, generation):
            base = found.base
        else:
            base = Snapshot(path=path, ix=ix, searcher=_open_searcher(ix))
        loaded = self._loaded if version else None
        if loaded is None:
            view = base
        elif (
            found is not None
            and found.base is base
            and found.overlay_version == loaded.version
        ):
            view = found
        else:
            view = OverlaidSnapshot(base, loaded)
            # Reads use the view's own results from now on.
            base.cache.clear()
        self._replace(view)
        return view

    def peek(self) -> Snapshot | None:
        """The snapshot in use, without checking the disk for a newer one."""
        return self._snapshot

    def _replace(self, snapshot: Snapshot | None) -> None:
        old, self._snapshot = self._snapshot, snapshot
        if old is not None and (snapshot is None or old.base is not snapshot.base):
            old.base.retire()

    def forget(self, snapshot: Snapshot | None = None) -> None:
        """Drop the current snapshot (or only ``snapshot`` if it is current)."""
        with self._lock:
            if snapshot is None or self._snapshot is snapshot:
                self._replace(None)

    def clear(self) -> None:
        self.forget()
        with self._lock:
            if self._tags is not None:
                self._tags.close()
            self._tags = None
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
