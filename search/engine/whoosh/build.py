"""Full rebuilds: Whoosh segments written in parallel, each with posting arrays.

Each worker process reads its own range of paragraph ids from the database and
writes Whoosh segments of up to ``SEGMENT_DOCS`` documents. While it does, it
keeps the term positions it computed for Whoosh and, when a segment is finished,
saves them next to it as numpy arrays (``engine/<segment id>/``): per text field,
the terms, and per term its documents, frequencies and positions. Searches read
those arrays memory-mapped instead of decoding Whoosh's pickled posting blocks,
which costs more than a microsecond per posting.

The parent holds the index's write lock and publishes all segments in one table of
contents once every worker has finished.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
from array import array
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from search.engine.base import DocumentSource, IndexDocument
from search.engine.whoosh.internals import (
    discard_segment,
    finish_segment,
    publish_segments,
    segment_writer,
)
from search.engine.whoosh.schema import TEXT_FIELDS, analyzed, document_fields

logger = logging.getLogger(__name__)

SEGMENT_DOCS = 250_000
LIMIT_MB = 256
SIDECAR_DIR = "engine"
SIDECAR_VERSION = 1
# Fields whose values repeat across an article's paragraphs: analysed once.
_CACHED_FIELDS = ("title", "heading", "author_text")
_STORED_TEXT_FIELDS = ("text", "title", "heading")


def sidecar_path(index_dir: str | Path, segment_id: str) -> Path:
    return Path(index_dir) / SIDECAR_DIR / segment_id


class FieldPostings:
    """Postings of one text field for one segment, appended document by document."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self.term_ids = array("i")
        self.docs = array("i")
        self.freqs = array("H")
        self.positions = array("H")

    def add(self, doc: int, positions: dict[str, list[int]]) -> None:
        vocab = self.vocab
        for term, poses in positions.items():
            term_id = vocab.get(term)
            if term_id is None:
                term_id = vocab[term] = len(self.terms)
                self.terms.append(term)
            self.term_ids.append(term_id)
            self.docs.append(doc)
            try:
                self.positions.extend(poses)
            except OverflowError:
                self.positions.extend(min(p, 0xFFFF) for p in poses)
            self.freqs.append(min(len(poses), 0xFFFF))

    def write(self, folder: Path, field: str) -> None:
        term_ids = np.frombuffer(self.term_ids, dtype=np.int32)
        docs = np.frombuffer(self.docs, dtype=np.int32)
        freqs = np.frombuffer(self.freqs, dtype=np.uint16)
        positions = np.frombuffer(self.positions, dtype=np.uint16)
        order = np.argsort(term_ids, kind="stable")
        counts = np.bincount(term_ids, minlength=len(self.terms))
        offsets = np.zeros(len(self.terms) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        lengths = freqs.astype(np.int64)
        starts = np.cumsum(lengths) - lengths
        sorted_lengths = lengths[order]
        run_starts = np.cumsum(sorted_lengths) - sorted_lengths
        gather = np.repeat(starts[order] - run_starts, sorted_lengths) + np.arange(
            int(sorted_lengths.sum()), dtype=np.int64
        )
        per_term = np.bincount(term_ids, weights=lengths, minlength=len(self.terms))
        position_offsets = np.zeros(len(self.terms) + 1, dtype=np.int64)
        np.cumsum(per_term.astype(np.int64), out=position_offsets[1:])
        (folder / f"{field}.terms").write_text("\n".join(self.terms), encoding="utf-8")
        np.save(folder / f"{field}.position_offsets.npy", position_offsets)
        np.save(folder / f"{field}.offsets.npy", offsets)
        np.save(folder / f"{field}.docs.npy", docs[order])
        np.save(folder / f"{field}.freqs.npy", freqs[order])
        np.save(folder / f"{field}.positions.npy", positions[gather])


class SegmentBuilder:
    """A Whoosh segment writer plus the posting arrays of the same documents."""

    def __init__(self, ix: Any) -> None:
        self.writer = segment_writer(ix, limitmb=LIMIT_MB)
        self.fields = {field: FieldPostings() for field in TEXT_FIELDS}
        self.count = 0

    def add(self, doc: IndexDocument) -> None:
        fields = document_fields(doc)
        local = self.writer.docnum - self.writer.docbase
        for name in TEXT_FIELDS:
            value = analyzed(fields[name], cache=name in _CACHED_FIELDS)
            if name in _STORED_TEXT_FIELDS:
                fields[f"_stored_{name}"] = fields[name]
            fields[name] = value
            self.fields[name].add(local, value.positions)
        self.writer.add_document(**fields)
        self.count += 1

    def finish(self, index_dir: Path) -> Any:
        segment = finish_segment(self.writer)
        final = sidecar_path(index_dir, segment.segment_id())
        temp = final.with_name(final.name + ".tmp")
        temp.mkdir(parents=True, exist_ok=True)
        for name, postings in self.fields.items():
            postings.write(temp, name)
        (temp / "meta.json").write_text(
            json.dumps({"version": SIDECAR_VERSION, "documents": self.count})
        )
        os.replace(temp, final)
        return segment


class OrphanedWorker(RuntimeError):
    """The rebuild that started this worker is gone (killed); stop working for it."""


def _build_range(
    index_dir: str,
    source: DocumentSource,
    id_range: tuple[int, int] | None,
    counter: Any = None,
    *,
    parent_pid: int | None = None,
) -> list[Any]:
    """Write the documents of ``id_range`` as segments; returns the segments.

    A worker process passes ``parent_pid``: when its rebuild dies it stops at the
    next chunk instead of finishing an index nobody will use.
    """
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(index_dir)
    segments = []
    builder = SegmentBuilder(ix)
    for chunk in source.chunks(id_range):
        if parent_pid is not None and os.getppid() != parent_pid:
            raise OrphanedWorker(f"rebuild process {parent_pid} is gone")
        for doc in chunk:
            builder.add(doc)
            if builder.count >= SEGMENT_DOCS:
                segments.append(builder.finish(Path(index_dir)))
                builder = SegmentBuilder(ix)
        if counter is not None:
            with counter.get_lock():
                counter.value += len(chunk)
    if builder.count:
        segments.append(builder.finish(Path(index_dir)))
    else:
        discard_segment(builder.writer)
    return segments


def _worker(
    index_dir: str,
    source: DocumentSource,
    number: int,
    id_range: tuple[int, int],
    counter: Any,
    results: Any,
    parent_pid: int,
) -> None:
    from django.db import connections

    try:
        segments = _build_range(
            index_dir, source, id_range, counter, parent_pid=parent_pid
        )
        results.put(("ok", (number, segments)))
    except OrphanedWorker:
        logger.warning("index build worker stopped: its rebuild was killed")
        return
    except BaseException as error:
        logger.exception("index build worker failed")
        results.put(("error", repr(error)))
        raise
    finally:
        connections.close_all()


def build_index(
    ix: Any,
    source: DocumentSource,
    *,
    procs: int,
    progress: bool = False,
    stream: TextIO | None = None,
) -> int:
    """Fill the empty index ``ix`` from ``source``; returns the document count."""
    from django.db import connections

    index_dir = ix.storage.folder
    total = source.count()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="¶", file=stream, mininterval=1.0)
    parent = ix.writer()
    try:
        if procs <= 1:
            segments = _build_range(index_dir, source, None)
            if bar is not None:
                bar.update(total)
        else:
            segments = _build_parallel(index_dir, source, procs=procs, bar=bar)
            connections.close_all()
        publish_segments(parent, segments)
    except BaseException:
        parent.cancel()
        shutil.rmtree(Path(index_dir) / SIDECAR_DIR, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return sum(segment.doc_count_all() for segment in segments)


def _build_parallel(
    index_dir: str, source: DocumentSource, *, procs: int, bar: Any
) -> list[Any]:
    from django.db import connections

    ranges = source.split(procs)
    # Each child opens its own database connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    results = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            args=(index_dir, source, number, id_range, counter, results, os.getpid()),
            daemon=True,
        )
        for number, id_range in enumerate(ranges)
    ]
    for worker in workers:
        worker.start()
    done: dict[int, list[Any]] = {}
    pending = len(workers)
    shown = 0
    try:
        while pending:
            try:
                status, payload = results.get(timeout=0.5)
            except Exception:  # noqa: BLE001 - queue.Empty: poll progress and health
                status, payload = "", None
            if status == "ok":
                number, found = payload
                done[number] = found
                pending -= 1
            elif status == "error":
                raise RuntimeError(f"an index build worker failed: {payload}")
            if bar is not None and counter.value > shown:
                bar.update(counter.value - shown)
                shown = counter.value
            if not status and any(
                not w.is_alive() and w.exitcode not in (0, None) for w in workers
            ):
                raise RuntimeError("an index build worker died")
    finally:
        for worker in workers:
            if worker.is_alive() and pending:
                worker.terminate()
            worker.join(timeout=5)
    # Segments in id order, so documents keep their database order.
    return [segment for number in sorted(done) for segment in done[number]]


__all__ = ["SEGMENT_DOCS", "build_index", "sidecar_path"]
