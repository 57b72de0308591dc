"""Tag changes kept beside the index, so that tagging costs no re-indexing.

Re-adding a Whoosh document analyses its whole text again and costs a commit: a
bulk tag of 10,000 paragraphs took seconds that way. A tag change touches only
the country and topic fields, so ``update_tags`` writes each paragraph's new
countries and topics (and the content hash of the document with them) to a small
SQLite table inside the build directory, :data:`OVERLAY_FILE`, and every reader
lays it over the index: for the documents it names, the country and topic facets
(filters, field queries, facet counts, 2-D counts), the stored fields of hits and
the content hashes are the overlay's.

An entry names the document it patches by paragraph id *and* by that document's
content hash, so it never applies to a document written after it (an article edit
re-adds the paragraph whole): such an entry is ignored, and the writer removes it.
Entries are folded into the index (their documents re-added whole) a bounded
chunk per commit; a rebuild starts a new build directory, and so an empty overlay.

Readers check the table's version number on every read (one lookup in a
per-process connection), so a change is visible in every process as soon as
``update_tags`` returns; they then read only the entries written since, unless
some were removed meanwhile. The table lives and dies with its build directory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from search.engine.whoosh.segments import FacetIndex

logger = logging.getLogger(__name__)

OVERLAY_FILE = "tags.sqlite3"
TAG_FIELDS = ("country", "topic")
BUSY_TIMEOUT = 120.0
_ID_BATCH = 500
_SCHEMA = """
CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    version INTEGER NOT NULL,
    removals INTEGER NOT NULL
);
INSERT INTO meta (id, version, removals) VALUES (0, 0, 0);
CREATE TABLE tags (
    paragraph_id INTEGER PRIMARY KEY,
    base_hash INTEGER NOT NULL,
    content_hash INTEGER NOT NULL,
    countries TEXT NOT NULL,
    topics TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX tags_version ON tags (version);
"""


@dataclass(frozen=True)
class TagEntry:
    """A paragraph's tags as they are now, over the indexed document whose content
    hash is ``base_hash``; ``content_hash`` is the hash of the document with them."""

    paragraph_id: int
    base_hash: int
    content_hash: int
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    version: int = 0


@dataclass(frozen=True)
class Overlay:
    """Every entry of one version of the table, as arrays sorted by paragraph id;
    each entry's countries and topics are indexes into ``tag_sets``."""

    version: int
    removals: int
    paragraph_ids: np.ndarray
    base_hashes: np.ndarray
    content_hashes: np.ndarray
    country_ids: np.ndarray
    topic_ids: np.ndarray
    tag_sets: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.paragraph_ids)

    def countries(self, entry: int) -> tuple[str, ...]:
        return self.tag_sets[int(self.country_ids[entry])]

    def topics(self, entry: int) -> tuple[str, ...]:
        return self.tag_sets[int(self.topic_ids[entry])]


# ---------------------------------------------------------------- writing


def _connect(file: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        file, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _create(build: Path) -> Path:
    """The table of ``build``, created (complete, then renamed into place, so a
    reader never opens one without its schema) if there is none."""
    file = build / OVERLAY_FILE
    if file.exists():
        return file
    temp = build / f".{OVERLAY_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    temp.unlink(missing_ok=True)
    connection = _connect(temp)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(_SCHEMA)
    finally:
        connection.close()
    try:
        # A link, not a rename: it fails instead of replacing a table another
        # writer has just created.
        os.link(temp, file)
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
    return file


def write_entries(build: Path, entries: Sequence[TagEntry]) -> int:
    """Store ``entries`` (replacing earlier ones of the same paragraphs) in one
    transaction; returns the new version."""
    encoded: dict[tuple[str, ...], str] = {}

    def encode(values: tuple[str, ...]) -> str:
        # Most entries share a handful of tag lists: encode each list once.
        found = encoded.get(values)
        if found is None:
            found = encoded[values] = json.dumps(list(values), ensure_ascii=False)
        return found

    connection = _connect(_create(build))
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            (version,) = connection.execute(
                "UPDATE meta SET version = version + 1 WHERE id = 0 RETURNING version"
            ).fetchone()
            connection.executemany(
                "INSERT OR REPLACE INTO tags VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        entry.paragraph_id,
                        entry.base_hash,
                        entry.content_hash,
                        encode(entry.countries),
                        encode(entry.topics),
                        version,
                    )
                    for entry in entries
                ],
            )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return int(version)
    finally:
        connection.close()


def current_version(build: Path) -> int:
    """The table's version (0 when there is none)."""
    file = build / OVERLAY_FILE
    if not file.exists():
        return 0
    connection = _connect(file)
    try:
        return int(connection.execute("SELECT version FROM meta").fetchone()[0])
    finally:
        connection.close()


def remove_entries(
    build: Path, paragraph_ids: Iterable[int], *, up_to_version: int | None = None
) -> int:
    """Drop the entries of these paragraphs (only those written at or before
    ``up_to_version``, when given, so a newer change is kept); returns how many."""
    file = build / OVERLAY_FILE
    ids = sorted({int(pk) for pk in paragraph_ids})
    if not ids or not file.exists():
        return 0
    limit = up_to_version if up_to_version is not None else 2**62
    connection = _connect(file)
    removed = 0
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for start in range(0, len(ids), _ID_BATCH):
                batch = ids[start : start + _ID_BATCH]
                marks = ",".join("?" * len(batch))
                removed += connection.execute(
                    "DELETE FROM tags WHERE version <= ? "
                    f"AND paragraph_id IN ({marks})",
                    [limit, *batch],
                ).rowcount
            if removed:
                # Readers load the table whole again after a removal, and only
                # the newer entries otherwise.
                connection.execute(
                    "UPDATE meta SET version = version + 1, removals = removals + 1"
                )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()
    return removed


def oldest_entries(
    build: Path, limit: int, *, offset: int = 0
) -> tuple[list[TagEntry], int]:
    """The ``limit`` entries written longest ago (after the first ``offset``),
    and how many there are in all."""
    file = build / OVERLAY_FILE
    if not file.exists():
        return [], 0
    connection = _connect(file)
    try:
        (total,) = connection.execute("SELECT count(*) FROM tags").fetchone()
        rows = connection.execute(
            "SELECT * FROM tags ORDER BY version, paragraph_id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
    finally:
        connection.close()
    return [_entry(row) for row in rows], int(total)


def _entry(row: Sequence[object]) -> TagEntry:
    pid, base, content, countries, topics, version = row
    return TagEntry(
        paragraph_id=int(pid),  # type: ignore[call-overload]
        base_hash=int(base),  # type: ignore[call-overload]
        content_hash=int(content),  # type: ignore[call-overload]
        countries=tuple(json.loads(str(countries))),
        topics=tuple(json.loads(str(topics))),
        version=int(version),  # type: ignore[call-overload]
    )


# ---------------------------------------------------------------- reading


class OverlayReader:
    """One process's view of one build's table: its version, checked on every
    read, and its entries, loaded again when the version moves."""

    def __init__(self, build: str) -> None:
        self.build = build
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._last: Overlay | None = None
        self._sets: list[tuple[str, ...]] = []
        self._set_ids: dict[str, int] = {}

    def _open(self) -> sqlite3.Connection | None:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        file = Path(self.build) / OVERLAY_FILE
        if not file.exists():
            return None
        # A connection is never shared with a forked child.
        self._connection = _connect(file)
        self._pid = os.getpid()
        return self._connection

    def version(self) -> int:
        with self._lock:
            try:
                connection = self._open()
                if connection is None:
                    return 0
                return int(connection.execute("SELECT version FROM meta").fetchone()[0])
            except sqlite3.Error:
                logger.exception("unreadable tag overlay in %s", self.build)
                self._drop()
                return 0

    def load(self) -> Overlay | None:
        """Every entry, with the version they belong to (None: no table). After
        the first load only entries written since are read, unless some were
        removed meanwhile."""
        with self._lock:
            try:
                connection = self._open()
                if connection is None:
                    return None
                connection.execute("BEGIN")
                try:
                    version, removals = connection.execute(
                        "SELECT version, removals FROM meta"
                    ).fetchone()
                    last = self._last
                    since = (
                        last.version
                        if last is not None and last.removals == removals
                        else -1
                    )
                    rows = connection.execute(
                        "SELECT paragraph_id, base_hash, content_hash, countries, "
                        "topics FROM tags WHERE version > ? ORDER BY paragraph_id",
                        (since,),
                    ).fetchall()
                finally:
                    connection.execute("COMMIT")
            except sqlite3.Error:
                logger.exception("unreadable tag overlay in %s", self.build)
                self._drop()
                return None
            found = self._merge(
                int(version), int(removals), rows, base=last if since >= 0 else None
            )
            self._last = found
            return found

    def _tag_set(self, text: str) -> int:
        # Most entries share a handful of tag lists: decode each list once.
        found = self._set_ids.get(text)
        if found is None:
            found = self._set_ids[text] = len(self._sets)
            self._sets.append(tuple(json.loads(text)))
        return found

    def _merge(
        self,
        version: int,
        removals: int,
        rows: list[tuple[int, int, int, str, str]],
        *,
        base: Overlay | None,
    ) -> Overlay:
        count = len(rows)
        pids = np.fromiter((r[0] for r in rows), np.int64, count)
        base_hashes = np.fromiter((r[1] for r in rows), np.int64, count)
        content = np.fromiter((r[2] for r in rows), np.int64, count)
        countries = np.fromiter((self._tag_set(r[3]) for r in rows), np.int32, count)
        topics = np.fromiter((self._tag_set(r[4]) for r in rows), np.int32, count)
        if base is not None and len(base):
            # Entries written since replace the loaded ones of their paragraphs.
            kept = ~np.isin(base.paragraph_ids, pids)
            pids = np.concatenate([base.paragraph_ids[kept], pids])
            order = np.argsort(pids, kind="stable")
            pids = pids[order]

            def merged(old: np.ndarray, new: np.ndarray) -> np.ndarray:
                return np.concatenate([old[kept], new])[order]

            base_hashes = merged(base.base_hashes, base_hashes)
            content = merged(base.content_hashes, content)
            countries = merged(base.country_ids, countries)
            topics = merged(base.topic_ids, topics)
        return Overlay(
            version=version,
            removals=removals,
            paragraph_ids=pids,
            base_hashes=base_hashes,
            content_hashes=content,
            country_ids=countries,
            topic_ids=topics,
            tag_sets=tuple(self._sets),
        )

    def _drop(self) -> None:
        self._last = None
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
        self._connection = None

    def close(self) -> None:
        with self._lock:
            self._drop()


# ---------------------------------------------------------------- applying


def patch_facet(
    index: FacetIndex,
    docs: np.ndarray,
    set_ids: np.ndarray,
    tag_sets: Sequence[tuple[str, ...]],
    *,
    size: int,
) -> FacetIndex:
    """``index`` with the values of documents ``docs`` (sorted, distinct) replaced
    by the tag sets ``set_ids`` (one index into ``tag_sets`` per document)."""
    overlaid = np.zeros(size, dtype=bool)
    overlaid[docs] = True
    keep = ~overlaid[index.docs]
    names = list(index.values)
    lookup = dict(index.index)
    # Value positions of each tag set, laid end to end.
    parts: list[list[int]] = []
    for tags in tag_sets:
        positions = []
        for value in tags:
            position = lookup.get(value)
            if position is None:
                position = lookup[value] = len(names)
                names.append(value)
            positions.append(position)
        parts.append(positions)
    lengths = np.fromiter((len(p) for p in parts), np.int64, len(parts))
    flat = np.fromiter((v for p in parts for v in p), np.int32, int(lengths.sum()))
    starts = np.cumsum(lengths) - lengths
    per_doc = lengths[set_ids] if len(set_ids) else np.zeros(0, dtype=np.int64)
    total = int(per_doc.sum())
    runs = np.cumsum(per_doc) - per_doc
    gather = np.repeat(starts[set_ids] - runs, per_doc) + np.arange(total)
    kept_docs = index.docs[keep]
    new_docs = np.repeat(docs, per_doc).astype(kept_docs.dtype)
    where = np.searchsorted(kept_docs, new_docs, side="right")
    merged_docs = np.insert(kept_docs, where, new_docs)
    merged_vals = np.insert(index.vals[keep], where, flat[gather])
    return FacetIndex.build(
        tuple(names), merged_docs, merged_vals.astype(np.int32), size
    )


def doc_values(index: FacetIndex, doc: int) -> tuple[str, ...]:
    """The values of one document, in index order (sorted, for an unpatched one)."""
    start, end = int(index.indptr[doc]), int(index.indptr[doc + 1])
    return tuple(index.values[v] for v in index.vals[start:end].tolist())


__all__ = [
    "OVERLAY_FILE",
    "TAG_FIELDS",
    "Overlay",
    "OverlayReader",
    "TagEntry",
    "current_version",
    "doc_values",
    "oldest_entries",
    "patch_facet",
    "remove_entries",
    "write_entries",
]
