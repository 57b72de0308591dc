"""Keeping the search index in step with the database, through whichever backend
``SEARCH_BACKEND`` names.

Services call :func:`update_paragraphs` / :func:`update_articles` after a commit;
``manage.py rebuild_index`` calls :func:`rebuild_index`, which builds a complete new
index from the database and switches to it atomically; :func:`check_index` compares
the two by content hash. The database is the source of truth: a rebuild always
restores the index.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from search.documents import DatabaseSource, iter_documents
from search.engine.base import (
    BackendBusyError,
    RebuildReport,
    get_backend,
)

logger = logging.getLogger(__name__)

PARALLEL_MIN_PARAGRAPHS = 20_000
# The old name of the busy error, kept for callers.
IndexBusyError = BackendBusyError


@dataclass(frozen=True)
class DriftReport:
    paragraphs: int
    documents: int
    missing: tuple[int, ...] = ()
    stale: tuple[int, ...] = ()
    extra: tuple[int, ...] = ()
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)

    def lines(self, *, sample: int = 10) -> list[str]:
        out = [
            f"{self.paragraphs} paragraphs in the database, "
            f"{self.documents} documents in the index."
        ]
        for label, ids in (
            ("missing from the index", self.missing),
            ("stale in the index", self.stale),
            ("in the index but not the database", self.extra),
        ):
            if ids:
                shown = ", ".join(str(pk) for pk in ids[:sample])
                more = f" and {len(ids) - sample} more" if len(ids) > sample else ""
                out.append(f"{len(ids)} {label}: {shown}{more}")
        if self.ok:
            out.append("The index matches the database.")
        elif self.repaired:
            out.append("Repaired.")
        return out


def update_paragraphs(ids: Iterable[int]) -> None:
    """Reindex these paragraphs from the database; ids no longer in the database
    are deleted from the index.

    Through the backend's ``update_tags``: a paragraph whose tags alone changed
    (a bulk tag, a re-tag) is updated without its text being indexed again, which
    keeps a bulk tag of 10,000 paragraphs inside the editor's request; any other
    is written whole."""
    wanted = sorted({int(pk) for pk in ids})
    if not wanted:
        return
    backend = get_backend()
    # One call (at most one commit, one segment) for the lot: a bulk tag of 10,000
    # paragraphs in chunks wrote five segments and committed five times.
    documents = list(iter_documents(paragraph_ids=wanted))
    found = {doc.paragraph_id for doc in documents}
    gone = [pk for pk in wanted if pk not in found]
    if documents:
        backend.update_tags(documents)
    if gone:
        backend.delete(paragraph_ids=gone)


def update_articles(article_ids: Iterable[int]) -> None:
    """Reindex every paragraph of these articles, dropping index documents of
    paragraphs (or whole articles) that are gone from the database."""
    wanted = sorted({int(pk) for pk in article_ids})
    if not wanted:
        return
    documents = list(iter_documents(article_ids=wanted))
    get_backend().add_bulk(documents, replace_articles=wanted)


def rebuild_index(
    *, progress: bool = False, procs: int | None = None, stream: TextIO | None = None
) -> RebuildReport:
    """Build a complete new index from the database and switch to it atomically.

    ``procs`` worker processes share the work (default: up to two, for libraries
    big enough to be worth the start-up).
    """
    source = DatabaseSource()
    return get_backend().rebuild(
        source,
        procs=_default_procs(source) if procs is None else procs,
        progress=progress,
        stream=stream,
    )


def _default_procs(source: DatabaseSource) -> int:
    if source.count() < PARALLEL_MIN_PARAGRAPHS:
        return 1
    return max(1, min(os.cpu_count() or 1, 2))


def check_index(*, repair: bool = False) -> DriftReport:
    """Compare the database with the index: documents missing, stale (their
    content hash differs) or extra. With ``repair``, reindex the drifted ones."""
    backend = get_backend()
    # Engines that keep builds on disk clear away those of killed rebuilds.
    remove_stale = getattr(backend, "remove_stale_builds", None)
    if remove_stale is not None:
        remove_stale()
    indexed = backend.document_hashes()
    seen: set[int] = set()
    missing: list[int] = []
    stale: list[int] = []
    for doc in iter_documents():
        seen.add(doc.paragraph_id)
        hashes = indexed.get(doc.paragraph_id)
        if hashes is None:
            missing.append(doc.paragraph_id)
        elif len(hashes) != 1 or hashes[0] != doc.content_hash:
            stale.append(doc.paragraph_id)
    extra = sorted(pk for pk in indexed if pk not in seen)
    report = DriftReport(
        paragraphs=len(seen),
        documents=sum(len(hashes) for hashes in indexed.values()),
        missing=tuple(missing),
        stale=tuple(stale),
        extra=tuple(extra),
    )
    if repair and not report.ok:
        update_paragraphs([*missing, *stale, *extra])
        report = DriftReport(
            paragraphs=report.paragraphs,
            documents=report.documents,
            missing=report.missing,
            stale=report.stale,
            extra=report.extra,
            repaired=True,
        )
    return report


def index_status() -> dict[str, object]:
    """A summary for /healthz; never raises."""
    try:
        return get_backend().status()
    except Exception:
        logger.exception("search index status check failed")
        return {"status": "error", "documents": 0}


__all__ = [
    "DriftReport",
    "IndexBusyError",
    "RebuildReport",
    "check_index",
    "index_status",
    "rebuild_index",
    "update_articles",
    "update_paragraphs",
]
