"""Every use of Whoosh's private internals, in one place.

Whoosh decodes postings one Python object at a time and offers no bulk read of
its columns, and a parallel rebuild needs to publish segments written by other
processes; both need attributes Whoosh does not document. They are confined here
and pinned by tests/search/engine/whoosh/test_internals.py against the installed
``whoosh3``, so an upgrade that changes them fails there, by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching.mcore import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

EMPTY_IDS = np.zeros(0, dtype=np.int32)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)
_LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


# ---------------------------------------------------------------- reading


def decode_matcher(
    matcher: Any, *, with_values: bool = False
) -> tuple[np.ndarray, np.ndarray, list[bytes] | None]:
    """(doc ids, weights, encoded values) of a leaf matcher, a block at a time."""
    if isinstance(matcher, W3LeafMatcher):
        id_blocks: list[np.ndarray] = []
        weight_blocks: list[np.ndarray] = []
        values: list[bytes] | None = [] if with_values else None
        while True:
            matcher._read_data()
            data = matcher._data
            count = matcher._blocklength
            id_blocks.append(np.cumsum(np.asarray(data[0], dtype=np.int64)))
            weights = data[1]
            if weights is None:
                weight_blocks.append(np.ones(count, dtype=np.float32))
            elif isinstance(weights, float):
                weight_blocks.append(np.full(count, weights, dtype=np.float32))
            else:
                weight_blocks.append(np.asarray(weights, dtype=np.float32))
            if values is not None:
                values.extend(data[2] or ())
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
        return (
            np.concatenate(id_blocks).astype(np.int32),
            np.concatenate(weight_blocks),
            values,
        )
    if isinstance(matcher, ListMatcher):
        ids = np.asarray(matcher._ids, dtype=np.int32)
        raw = matcher._weights
        weights = (
            np.ones(len(ids), dtype=np.float32)
            if raw is None
            else np.asarray(raw, dtype=np.float32)
        )
        values = list(matcher._values or ()) if with_values else None
        return ids, weights, values
    ids_list: list[int] = []
    weights_list: list[float] = []
    values_list: list[bytes] = []
    while matcher.is_active():
        ids_list.append(matcher.id())
        weights_list.append(matcher.weight())
        if with_values:
            values_list.append(matcher.value())
        matcher.next()
    return (
        np.asarray(ids_list, dtype=np.int32),
        np.asarray(weights_list, dtype=np.float32),
        values_list if with_values else None,
    )


def segment_matcher(segreader: Any, field: str, term: bytes) -> Any | None:
    # The raw terms reader skips the deletion filter SegmentReader.postings adds;
    # deletions are applied with the snapshot's live mask instead.
    try:
        return segreader._terms.matcher(field, term, segreader.schema[field].format)
    except (TermNotFound, KeyError):
        return None


def numeric_column(segreader: Any, name: str, typecode: str, count: int) -> np.ndarray:
    dtype = np.dtype(">" + typecode)
    perdoc = segreader._perdoc
    out = np.zeros(count, dtype=dtype.newbyteorder("="))
    if not perdoc.has_column(name):
        return out
    reader = perdoc.column_reader(name, NumericColumn(typecode))
    written = min(reader._count, count)
    if written:
        raw = reader._dbfile.get(reader._basepos, written * dtype.itemsize)
        out[:written] = np.frombuffer(raw, dtype=dtype)
    return out


def length_column(segreader: Any, field: str, count: int) -> np.ndarray:
    perdoc = segreader._perdoc
    name = f"_{field}_len"
    out = np.zeros(count, dtype=np.float32)
    if not perdoc.has_column(name):
        return out
    reader = perdoc.column_reader(name, LENGTHS_COLUMN)
    written = min(reader._count, count)
    if written:
        raw = reader._dbfile.get(reader._basepos, written)
        out[:written] = _LENGTH_TABLE[np.frombuffer(raw, dtype=np.uint8)]
    return out


# ---------------------------------------------------------------- writing


def segment_writer(ix: Any, *, limitmb: int) -> Any:
    """A writer for one new segment that does not take the index lock: the
    rebuild's parent holds it while worker processes write segments."""
    return SegmentWriter(ix, _lk=False, limitmb=limitmb, compound=False)


def finish_segment(writer: Any) -> Any:
    """Write out the segment and return it, without committing a TOC."""
    return writer._finalize_segment()


def discard_segment(writer: Any) -> None:
    """Close a segment writer that received no documents."""
    writer._close_segment()


def publish_segments(writer: Any, segments: list[Any]) -> None:
    """Commit ``segments`` (written by other writers) as the index's new table of
    contents, and release ``writer``'s lock."""
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()
