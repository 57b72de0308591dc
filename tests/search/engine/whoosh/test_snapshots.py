"""A replaced snapshot's searcher is closed, but only once no read is using it."""

from __future__ import annotations

import datetime
from pathlib import Path

from search.engine.base import EngineQuery, IndexDocument, get_backend
from search.engine.whoosh.reader import current_snapshot


def _document(pk: int, text: str) -> IndexDocument:
    return IndexDocument(
        paragraph_id=pk,
        article_id=1,
        position=pk,
        text=text,
        heading="",
        title="Notes",
        authors=(),
        publication="",
        year=2020,
        date=datetime.date(2020, 1, 1),
        countries=(),
        topics=(),
    )


def test_snapshots_replaced_searcher_closes_after_its_last_read(
    settings, tmp_path: Path
) -> None:
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    backend = get_backend()
    backend.add_bulk([_document(1, "opium trade")])
    first = current_snapshot()
    assert first is not None and first.enter()
    backend.add_bulk([_document(2, "opium seizure")])
    assert backend.search(EngineQuery(text="opium")).total == 2
    second = current_snapshot()
    assert second is not first
    # A read still running on the old snapshot keeps its searcher open.
    assert not first.closed
    first.leave()
    assert first.closed and not second.closed
    backend.close()
    assert second.closed
