"""The Whoosh index on disk: open, write, rebuild atomically, report status.

``SEARCH_INDEX_DIR`` is a symlink into a sibling ``<name>.builds/`` directory that
holds one complete index per rebuild. A rebuild writes a fresh build directory and
then swaps the symlink with ``os.replace``, so readers see either the old index or
the new one, never a half-built one; killing a rebuild leaves the old index serving.

Writes go through :func:`index_writer`, which waits for Whoosh's write lock with a
timeout and retries instead of failing. Changes made while a rebuild runs are noted
in a journal next to the builds and replayed from the document source into the
new index after the swap.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from django.conf import settings
from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.index import EmptyIndexError, FileIndex, LockError
from whoosh.writing import SegmentWriter

from search.engine.base import (
    BackendBusyError,
    DocumentSource,
    IndexDocument,
    RebuildReport,
)
from search.engine.whoosh import overlay
from search.engine.whoosh.build import build_index
from search.engine.whoosh.schema import build_schema, document_fields

logger = logging.getLogger(__name__)

WRITE_TIMEOUT = 120.0
# Segments stay as separate files: Whoosh copies every file of a compound segment
# into memory when it opens it (gigabytes at a million paragraphs).
# Incremental commits merge only segments below this size, so the large segments
# written by a rebuild (and the caches keyed on them) stay put until the next one.
SMALL_SEGMENT_DOCS = 20_000
MAX_SMALL_SEGMENTS = 8
MERGE_BUDGET_DOCS = 5_000
UPDATE_CHUNK = 2000
PARALLEL_MIN_PARAGRAPHS = 20_000
_BUILD_MARKER = ".rebuild.json"
_JOURNAL = ".pending-ids"
_LOCK_FILE = ".lock"
_REBUILD_LOCK = ".rebuild.lock"
_LEASE_SUFFIX = ".lease"
# How long a rebuild waits for readers to leave an old build before leaving it to
# the next rebuild's clean-up.
PRUNE_WAIT = 5.0

# One writer at a time inside a process; Whoosh's file lock covers other processes.
_process_write_lock = threading.Lock()


class IndexBusyError(BackendBusyError):
    """The index stayed locked by another writer for longer than the timeout."""


# ---------------------------------------------------------------- locations


def index_path() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def builds_path(path: Path | None = None) -> Path:
    path = path or index_path()
    return path.with_name(path.name + ".builds")


def _new_build_dir(path: Path) -> Path:
    builds = builds_path(path)
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%d-%H%M%S")
    target = builds / f"{stamp}-{secrets.token_hex(3)}"
    target.mkdir()
    return target


def _point_symlink_at(path: Path, target: Path) -> None:
    """Make ``path`` a symlink to ``target`` in one atomic rename."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    os.symlink(os.path.relpath(target, path.parent), temp)
    try:
        if path.exists() and not path.is_symlink():
            # An index from before the symlink layout: move it aside first. Readers
            # that hit the short gap retry their open.
            path.rename(builds_path(path) / f"legacy-{secrets.token_hex(3)}")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def _builds_lock(path: Path) -> Iterator[None]:
    builds = builds_path(path)
    builds.mkdir(parents=True, exist_ok=True)
    with open(builds / _LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lease_file(build: Path) -> Path:
    """The lock file of a build, beside it in the builds directory."""
    return build.parent / f".{build.name}{_LEASE_SUFFIX}"


@contextmanager
def build_lease(real: str | os.PathLike[str]) -> Iterator[bool]:
    """Keep the build directory ``real`` from being removed while the block runs.

    Yields False when the directory is already gone: the caller reopens the live
    index and tries again. Readers share the lease; a rebuild's clean-up removes
    an old build only once it can take the lease exclusively.
    """
    build = Path(real)
    lease = _lease_file(build)
    try:
        handle = open(lease, "a+")  # noqa: SIM115 - closed in the finally below
    except OSError:
        # No builds directory (an index from before the symlink layout) or no
        # right to write there: read without a lease, as before leases existed.
        yield build.is_dir()
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield build.is_dir()
    finally:
        handle.close()


# ---------------------------------------------------------------- opening


def open_index() -> FileIndex:
    """The live index, created empty if there is none yet."""
    found = open_existing_index()
    if found is not None:
        return found
    path = index_path()
    with _builds_lock(path):
        found = open_existing_index()
        if found is not None:
            return found
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
        target = _new_build_dir(path)
        created = whoosh_index.create_in(str(target), build_schema())
        _point_symlink_at(path, target)
        return created


def open_existing_index(*, attempts: int = 5) -> FileIndex | None:
    """The live index, or None when there is none.

    The index is opened through its resolved build directory, so a reader never
    mixes files of two builds when a rebuild swaps the symlink. The open is
    retried because a commit (or a rebuild's clean-up) can delete files a reader
    has just listed.
    """
    path = index_path()
    for attempt in range(attempts):
        real = os.path.realpath(path)
        try:
            names = os.listdir(real)
        except (FileNotFoundError, NotADirectoryError):
            names = None
        if names is not None and not any(n.endswith(".toc") for n in names):
            return None
        try:
            if names is None:
                if not path.is_symlink() or attempt == attempts - 1:
                    return None
                raise FileNotFoundError(real)
            return whoosh_index.open_dir(real)
        except (FileNotFoundError, EmptyIndexError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    return None


# ---------------------------------------------------------------- writing


def _merge_small_segments(
    writer: SegmentWriter, segments: list[Segment]
) -> list[Segment]:
    """Merge some of the small segments left by incremental updates once they pile
    up; never touch the large ones a rebuild wrote."""
    merged = set(_segments_to_merge([s.doc_count_all() for s in segments]))
    keep = []
    from whoosh.reading import SegmentReader

    for number, segment in enumerate(segments):
        if segment.doc_count() == 0:
            continue
        if number in merged:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        else:
            keep.append(segment)
    return keep


def _segments_to_merge(sizes: Sequence[int]) -> list[int]:
    """Which segments (by position) a commit merges, given their document counts.

    The commit runs inside an editor's request, so one merge copies at most
    ``MERGE_BUDGET_DOCS`` documents: the smallest small segments first, which keeps
    single edits cheap. Merging everything small at once cost seconds, and always
    at the same (every eighth) commit. Past ``MAX_SMALL_SEGMENTS * 3`` small segments
    the smallest are merged whatever their size, so searches never face an
    unbounded number of segments; ``rebuild_index`` writes large ones again.
    """
    small = sorted(
        (size, number)
        for number, size in enumerate(sizes)
        if 0 < size < SMALL_SEGMENT_DOCS
    )
    if len(small) < MAX_SMALL_SEGMENTS:
        return []
    chosen: list[int] = []
    total = 0
    for size, number in small:
        if total + size > MERGE_BUDGET_DOCS and len(chosen) >= 2:
            break
        chosen.append(number)
        total += size
    if total > MERGE_BUDGET_DOCS and len(small) <= MAX_SMALL_SEGMENTS * 3:
        return []
    return sorted(chosen) if len(chosen) >= 2 else []


@contextmanager
def index_writer(
    ix: FileIndex | None = None, *, timeout: float = WRITE_TIMEOUT
) -> Iterator[SegmentWriter]:
    """A writer on the live index, committed on success and cancelled on error.

    A second writer waits (up to ``timeout`` seconds) rather than raising
    ``LockError``; only a lock held longer than that raises :class:`IndexBusyError`.
    """
    deadline = time.monotonic() + timeout
    if not _process_write_lock.acquire(timeout=timeout):
        raise IndexBusyError("another writer in this process held the index too long")
    try:
        for _attempt in range(3):
            target = ix or open_index()
            with build_lease(os.path.realpath(target.storage.folder)) as alive:
                if not alive:
                    # A rebuild replaced and removed this build; its journal
                    # replays the change into the new one, but write there too.
                    ix = None
                    continue
                writer = _acquire_writer(target, deadline=deadline)
                try:
                    yield writer
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit(mergetype=_merge_small_segments)
                return
        raise IndexBusyError("the search index kept being replaced while writing")
    finally:
        _process_write_lock.release()


@contextmanager
def locked_index(*, timeout: float = WRITE_TIMEOUT) -> Iterator[FileIndex]:
    """The live index held by its write lock, without a writer: no commit happens
    while the block runs. For writes beside the index (the tag overlay) that must
    not interleave with a commit."""
    deadline = time.monotonic() + timeout
    if not _process_write_lock.acquire(timeout=timeout):
        raise IndexBusyError("another writer in this process held the index too long")
    try:
        for _attempt in range(3):
            target = open_index()
            real = os.path.realpath(target.storage.folder)
            with build_lease(real) as alive:
                if not alive:
                    continue
                lock = target.lock("WRITELOCK")
                _acquire_lock(lock, deadline=deadline)
                try:
                    if os.path.realpath(index_path()) != real:
                        # A rebuild switched builds meanwhile: use the new one.
                        continue
                    yield target
                    return
                finally:
                    lock.release()
        raise IndexBusyError("the search index kept being replaced while writing")
    finally:
        _process_write_lock.release()


def _acquire_lock(lock: object, *, deadline: float) -> None:
    delay = 0.01
    while not lock.acquire(blocking=False):  # type: ignore[attr-defined]
        if time.monotonic() >= deadline:
            raise IndexBusyError("the search index stayed locked by another writer")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _acquire_writer(ix: FileIndex, *, deadline: float) -> SegmentWriter:
    delay = 0.05
    while True:
        remaining = deadline - time.monotonic()
        try:
            writer = ix.writer(
                timeout=max(min(remaining, 5.0), 0.0), delay=0.05, compound=False
            )
            # A file index's writer is always a segment writer.
            assert isinstance(writer, SegmentWriter)
            return writer
        except LockError:
            if time.monotonic() >= deadline:
                raise IndexBusyError(
                    "the search index stayed locked by another writer"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def write_documents(
    documents: Sequence[IndexDocument],
    *,
    delete_ids: Iterable[int] = (),
    replace_articles: Iterable[int] = (),
) -> int:
    """Upsert ``documents`` in one commit, first removing every paragraph of
    ``replace_articles`` and the paragraphs ``delete_ids``."""
    articles = sorted({int(pk) for pk in replace_articles})
    gone = sorted({int(pk) for pk in delete_ids})
    if not documents and not articles and not gone:
        return 0
    written = [*(doc.paragraph_id for doc in documents), *gone]
    note_pending(written, article_ids=articles)
    with index_writer() as writer:
        build = Path(os.path.realpath(writer.storage.folder))
        # Tag overlay entries of these paragraphs are superseded once this
        # commits; a newer entry (written after the commit) is kept.
        superseded = overlay.current_version(build)
        for pk in articles:
            writer.delete_by_term("article", str(pk))
        for pk in gone:
            writer.delete_by_term("paragraph_id", str(pk))
        for doc in documents:
            if articles:
                writer.delete_by_term("paragraph_id", str(doc.paragraph_id))
                writer.add_document(**document_fields(doc))
            else:
                writer.update_document(**document_fields(doc))
    if superseded:
        overlay.remove_entries(build, written, up_to_version=superseded)
    return len(documents)


# ---------------------------------------------------------------- rebuild journal


def _rebuild_running(path: Path) -> bool:
    marker = builds_path(path) / _BUILD_MARKER
    try:
        info = json.loads(marker.read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def note_pending(ids: Sequence[int], *, article_ids: Sequence[int] = ()) -> None:
    """Note a write for the rebuild in progress, if any, to replay after its
    switch (its build may have read these paragraphs before the write)."""
    path = index_path()
    if not (builds_path(path) / _BUILD_MARKER).exists():
        return
    with _builds_lock(path):
        if not _rebuild_running(path):
            return
        with open(builds_path(path) / _JOURNAL, "a") as journal:
            journal.write(
                json.dumps({"paragraphs": list(ids), "articles": list(article_ids)})
                + "\n"
            )


def _take_pending(path: Path) -> tuple[list[int], list[int]]:
    paragraphs: set[int] = set()
    articles: set[int] = set()
    with _builds_lock(path):
        journal = builds_path(path) / _JOURNAL
        if journal.exists():
            for line in journal.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                paragraphs.update(int(pk) for pk in entry.get("paragraphs", ()))
                articles.update(int(pk) for pk in entry.get("articles", ()))
            journal.unlink()
        (builds_path(path) / _BUILD_MARKER).unlink(missing_ok=True)
    return sorted(paragraphs), sorted(articles)


# ---------------------------------------------------------------- rebuild


def rebuild(
    source: DocumentSource,
    *,
    procs: int = 1,
    progress: bool = False,
    stream: TextIO | None = None,
) -> RebuildReport:
    """Build a complete new index from ``source`` and switch to it atomically."""
    path = index_path()
    started = time.monotonic()
    builds_path(path).mkdir(parents=True, exist_ok=True)
    with open(builds_path(path) / _REBUILD_LOCK, "a+") as rebuild_lock:
        # One rebuild at a time: a second one waits for the first to finish.
        fcntl.flock(rebuild_lock, fcntl.LOCK_EX)
        count, target = _rebuild(
            path, source, procs=procs, progress=progress, stream=stream
        )
    return RebuildReport(
        documents=count, seconds=time.monotonic() - started, directory=target.name
    )


def _rebuild(
    path: Path,
    source: DocumentSource,
    *,
    procs: int,
    progress: bool,
    stream: TextIO | None,
) -> tuple[int, Path]:
    with _builds_lock(path):
        # Under the rebuild lock no other rebuild runs: whatever is not live is left
        # over from a killed one, or an old build that readers have since let go.
        _remove_unowned_builds(path)
        (builds_path(path) / _JOURNAL).unlink(missing_ok=True)
        (builds_path(path) / _BUILD_MARKER).write_text(
            json.dumps({"pid": os.getpid(), "started": time.time()})
        )
    target = _new_build_dir(path)
    try:
        ix = whoosh_index.create_in(str(target), build_schema())
        count = build_index(ix, source, procs=procs, progress=progress, stream=stream)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        (builds_path(path) / _BUILD_MARKER).unlink(missing_ok=True)
        raise
    with _builds_lock(path):
        _point_symlink_at(path, target)
    paragraphs, articles = _take_pending(path)
    # Writes made while the build ran: replayed from the source, as it is now.
    if articles:
        write_documents(source.article_documents(articles), replace_articles=articles)
    if paragraphs:
        found = source.documents(paragraphs)
        present = {doc.paragraph_id for doc in found}
        write_documents(
            found, delete_ids=[pk for pk in paragraphs if pk not in present]
        )
    _remove_old_builds(path, keep=target)
    return count, target


def remove_stale_builds(path: Path | None = None) -> list[str]:
    """Remove the builds no process owns: the partial build of a killed rebuild and
    old builds no reader holds. Does nothing while a rebuild runs; returns the
    names removed."""
    path = path or index_path()
    builds = builds_path(path)
    if not builds.is_dir():
        return []
    with open(builds / _REBUILD_LOCK, "a+") as rebuild_lock:
        try:
            fcntl.flock(rebuild_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        with _builds_lock(path):
            return _remove_unowned_builds(path)


def _remove_unowned_builds(path: Path) -> list[str]:
    """Call with the rebuild lock and the builds lock held."""
    builds = builds_path(path)
    live = Path(os.path.realpath(path))
    removed = []
    for child in sorted(builds.iterdir()):
        if child.name.startswith(".") or child == live or not child.is_dir():
            continue
        if _remove_build(child, deadline=0.0):
            removed.append(child.name)
    if not _rebuild_running(path):
        (builds / _BUILD_MARKER).unlink(missing_ok=True)
        (builds / _JOURNAL).unlink(missing_ok=True)
    for lease in builds.glob(f".*{_LEASE_SUFFIX}"):
        if not (builds / lease.name[1 : -len(_LEASE_SUFFIX)]).exists():
            lease.unlink(missing_ok=True)
    if removed:
        logger.info("removed stale index builds: %s", ", ".join(removed))
    return removed


def _remove_old_builds(path: Path, *, keep: Path, wait: float | None = None) -> None:
    """Remove the builds that ``keep`` replaced, once no reader is using them.

    A build still being read after ``wait`` seconds (default ``PRUNE_WAIT``) stays;
    the next rebuild removes it.
    """
    builds = builds_path(path)
    deadline = time.monotonic() + (PRUNE_WAIT if wait is None else wait)
    for child in sorted(builds.iterdir()):
        if child.name.startswith(".") or child == keep or not child.is_dir():
            continue
        if not _remove_build(child, deadline=deadline):
            logger.info("old index build %s is still being read; kept", child.name)
    for lease in builds.glob(f".*{_LEASE_SUFFIX}"):
        build = builds / lease.name[1 : -len(_LEASE_SUFFIX)]
        if not build.exists():
            lease.unlink(missing_ok=True)


def _remove_build(build: Path, *, deadline: float) -> bool:
    with open(_lease_file(build), "a+") as lease:
        while True:
            try:
                fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)
        shutil.rmtree(build, ignore_errors=True)
        return True


# ---------------------------------------------------------------- status


def status() -> dict[str, object]:
    """A summary for /healthz; never raises."""
    try:
        ix = open_existing_index()
        if ix is None:
            return {"status": "missing", "documents": 0}
        with ix.reader() as reader:
            documents = reader.doc_count()
        return {
            "status": "ok",
            "documents": documents,
            "generation": ix.latest_generation(),
            "rebuilding": _rebuild_running(index_path()),
        }
    except Exception:
        logger.exception("search index status check failed")
        return {"status": "error", "documents": 0}


__all__ = [
    "IndexBusyError",
    "build_lease",
    "builds_path",
    "index_path",
    "index_writer",
    "locked_index",
    "note_pending",
    "open_existing_index",
    "open_index",
    "rebuild",
    "remove_stale_builds",
    "status",
    "write_documents",
]
