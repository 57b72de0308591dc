"""Tag updates through the overlay (see ``overlay``), and folding it into the index.

``update_tags`` checks each document against the indexed one: a document whose
content hash, with the indexed tags put back, equals the indexed hash differs in
its tags alone and goes to the overlay; any other is written whole. The check and
the overlay write run under the index's write lock, so no commit slips between
them.

The overlay is folded back (documents re-added whole, from their stored fields
with the overlay's tags, checked against the overlay's content hash) a bounded
chunk per commit: a little after each update once it holds more than
:data:`FOLD_AT` entries, or all of it through :func:`fold_tags`.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from search.engine.base import IndexDocument
from search.engine.whoosh import overlay, store
from search.engine.whoosh.reader import Snapshot, current_snapshot, forget_snapshot
from search.engine.whoosh.schema import document_fields

logger = logging.getLogger(__name__)

# Entries past which each update also folds FOLD_CHUNK of the oldest: a process
# loads the whole overlay on its first read and after any entry is removed (a
# fold, an edit of an overlaid paragraph), and lays it over two facets after
# every change, so it is kept small.
FOLD_AT = 20_000
FOLD_CHUNK = 1_000


def update_tags(documents: Iterable[IndexDocument]) -> int:
    """Write ``documents`` (see ``SearchBackend.update_tags``); returns how many."""
    by_id = {doc.paragraph_id: doc for doc in documents}
    if not by_id:
        return 0
    docs = list(by_id.values())
    if store.open_existing_index() is None:
        # Nothing indexed yet to lay tags over.
        return store.write_documents(docs)
    store.note_pending(list(by_id))
    whole: list[IndexDocument] = docs
    with store.locked_index() as ix:
        build = Path(os.path.realpath(ix.storage.folder))
        with _held_base(build) as snapshot:
            if snapshot is not None:
                entries, whole = _plan(snapshot, docs)
                if entries:
                    overlay.write_entries(build, entries)
    if whole:
        store.write_documents(whole)
    _, total = overlay.oldest_entries(build, 0)
    if total > FOLD_AT:
        fold_tags(limit=FOLD_CHUNK)
    # This process's next read (and version token) sees the change at once.
    current_snapshot()
    return len(docs)


@contextmanager
def _held_base(build: Path) -> Iterator[Snapshot | None]:
    """The index as written (no overlay) at its latest generation, if it is
    ``build``'s, held open while the block runs: another thread's refresh may
    retire it meanwhile, and would close it under a read that had not entered."""
    for _attempt in range(3):
        snapshot = current_snapshot()
        if snapshot is None or snapshot.path != str(build):
            break
        base = snapshot.base
        if base.enter():
            try:
                yield base
            finally:
                base.leave()
            return
        forget_snapshot(snapshot)
    yield None


def _plan(
    snapshot: Snapshot, docs: Sequence[IndexDocument]
) -> tuple[list[overlay.TagEntry], list[IndexDocument]]:
    """Overlay entries for the documents that differ in their tags alone, and the
    documents to write whole."""
    pids = np.fromiter((doc.paragraph_id for doc in docs), np.int64, len(docs))
    where = snapshot.doc_numbers(pids).tolist()
    hashes = snapshot.column("c_hash")
    countries = snapshot.facet("country")
    topics = snapshot.facet("topic")
    entries: list[overlay.TagEntry] = []
    whole: list[IndexDocument] = []
    for doc, number in zip(docs, where, strict=True):
        if number < 0:
            whole.append(doc)
            continue
        base_hash = int(hashes[number])
        indexed = (
            overlay.doc_values(countries, number),
            overlay.doc_values(topics, number),
        )
        if doc.hash_with_tags(*indexed) != base_hash:
            whole.append(doc)
            continue
        entries.append(
            overlay.TagEntry(
                paragraph_id=doc.paragraph_id,
                base_hash=base_hash,
                content_hash=doc.content_hash,
                countries=doc.countries,
                topics=doc.topics,
            )
        )
    return entries, whole


def fold_tags(*, limit: int | None = None) -> int:
    """Fold overlay entries into the index, oldest first, ``FOLD_CHUNK`` per
    commit, until ``limit`` (None: every one) are done; returns how many were
    folded. Entries whose document has since been written again are dropped."""
    done = 0
    skipped = 0
    while limit is None or done < limit:
        size = FOLD_CHUNK if limit is None else min(FOLD_CHUNK, limit - done)
        folded, examined, kept = _fold_chunk(size, skip=skipped)
        done += folded
        skipped += kept
        if examined < size:
            break
    return done


def _fold_chunk(size: int, *, skip: int) -> tuple[int, int, int]:
    """(folded, entries examined, entries left in place)."""
    ix = store.open_existing_index()
    if ix is None:
        return 0, 0, 0
    if not overlay.oldest_entries(
        Path(os.path.realpath(ix.storage.folder)), 1, offset=skip
    )[0]:
        # Nothing to fold: no writer, so no empty commit.
        return 0, 0, 0
    with store.index_writer() as writer:
        build = Path(os.path.realpath(writer.storage.folder))
        entries, _total = overlay.oldest_entries(build, size, offset=skip)
        with _held_base(build) as snapshot:
            if snapshot is None or not entries:
                return 0, 0, 0
            documents, done, kept = _fold_plan(snapshot, entries)
        for document in documents:
            writer.update_document(**document_fields(document))
    newest = max(entry.version for entry in entries)
    overlay.remove_entries(build, done, up_to_version=newest)
    return len(done), len(entries), kept


def _fold_plan(
    snapshot: Snapshot, entries: list[overlay.TagEntry]
) -> tuple[list[IndexDocument], list[int], int]:
    """(documents to write whole, paragraphs whose entries are done, entries
    kept): each document from its stored fields with the entry's tags."""
    numbers = snapshot.doc_numbers(
        np.fromiter((e.paragraph_id for e in entries), np.int64, len(entries))
    ).tolist()
    hashes = snapshot.column("c_hash")
    present = [n for n in numbers if n >= 0]
    stored = dict(zip(present, snapshot.stored(present), strict=True))
    documents: list[IndexDocument] = []
    done: list[int] = []
    kept = 0
    for entry, number in zip(entries, numbers, strict=True):
        if number < 0 or int(hashes[number]) != entry.base_hash:
            # Its document was written again (or deleted) since.
            done.append(entry.paragraph_id)
            continue
        document = _document(stored[number], entry)
        if document.content_hash != entry.content_hash:
            logger.warning(
                "paragraph %s: stored fields do not give its overlaid document; "
                "kept in the overlay until the next rebuild",
                entry.paragraph_id,
            )
            kept += 1
            continue
        documents.append(document)
        done.append(entry.paragraph_id)
    return documents, done, kept


def _document(stored: dict[str, Any], entry: overlay.TagEntry) -> IndexDocument:
    date = stored.get("date")
    return IndexDocument(
        paragraph_id=int(stored.get("paragraph_id") or entry.paragraph_id),
        article_id=int(stored.get("article_id") or 0),
        position=int(stored.get("position") or 0),
        text=stored.get("text") or "",
        heading=stored.get("heading") or "",
        title=stored.get("title") or "",
        authors=tuple(stored.get("author") or ()),
        publication=stored.get("publication") or "",
        year=stored.get("year"),
        date=datetime.date.fromisoformat(date) if date else None,
        countries=entry.countries,
        topics=entry.topics,
    )


def overlay_size() -> int:
    """How many paragraphs the live index's overlay holds."""
    ix = store.open_existing_index()
    if ix is None:
        return 0
    return overlay.oldest_entries(Path(os.path.realpath(ix.storage.folder)), 0)[1]
