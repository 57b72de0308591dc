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
from whoosh.writing import SegmentWriter

from search.documents import ParagraphDocument, iter_document_chunks
from search.engine_schema import TEXT_FIELDS, analyzed, document_fields

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
        self.writer = SegmentWriter(ix, _lk=False, limitmb=LIMIT_MB, compound=False)
        self.fields = {field: FieldPostings() for field in TEXT_FIELDS}
        self.count = 0

    def add(self, doc: ParagraphDocument) -> None:
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
        segment = self.writer._finalize_segment()
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
    for chunk in iter_document_chunks(id_range=id_range):
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
        builder.writer._close_segment()
    return segments


def _worker(
    index_dir: str,
    number: int,
    id_range: tuple[int, int],
    counter: Any,
    results: Any,
    parent_pid: int,
) -> None:
    from django.db import connections

    try:
        segments = _build_range(index_dir, id_range, counter, parent_pid=parent_pid)
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


def _id_ranges(parts: int) -> list[tuple[int, int]]:
    from corpus.models import Paragraph

    ids = Paragraph.objects.order_by("id").values_list("id", flat=True)
    total = ids.count()
    bounds = [0]
    for part in range(1, parts):
        bounds.append(int(ids[part * total // parts]))
    bounds.append(2**63 - 1)
    return [(bounds[i], bounds[i + 1]) for i in range(parts)]


def build_index(
    ix: Any,
    *,
    procs: int,
    progress: bool = False,
    stream: TextIO | None = None,
) -> int:
    """Fill the empty index ``ix`` from the database; returns the document count."""
    from django.db import connections

    from corpus.models import Paragraph

    index_dir = ix.storage.folder
    total = Paragraph.objects.count()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="¶", file=stream, mininterval=1.0)
    parent = ix.writer()
    try:
        if procs <= 1:
            segments = _build_range(index_dir, None)
            if bar is not None:
                bar.update(total)
        else:
            segments = _build_parallel(index_dir, procs=procs, bar=bar)
            connections.close_all()
        parent._close_segment()
        parent._commit_toc(segments)
        parent._finish()
    except BaseException:
        parent.cancel()
        shutil.rmtree(Path(index_dir) / SIDECAR_DIR, ignore_errors=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return sum(segment.doc_count_all() for segment in segments)


def _build_parallel(index_dir: str, *, procs: int, bar: Any) -> list[Any]:
    from django.db import connections

    ranges = _id_ranges(procs)
    # Each child opens its own database connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    results = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            args=(index_dir, number, id_range, counter, results, os.getpid()),
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
