"""Pins what search/engine/whoosh/internals.py relies on in the installed whoosh3:
each private shortcut must agree with Whoosh's public API on a real index whose
postings span several blocks."""

from __future__ import annotations

import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import index as whoosh_index

from search.engine.base import IndexDocument
from search.engine.whoosh.internals import (
    decode_matcher,
    discard_segment,
    finish_segment,
    length_column,
    numeric_column,
    publish_segments,
    segment_matcher,
    segment_writer,
)
from search.engine.whoosh.schema import NUMERIC_COLUMNS, build_schema, document_fields

# Enough documents that a common term's postings need several blocks.
DOCS = 400


def _document(pk: int) -> IndexDocument:
    words = " ".join(["opium"] * (1 + pk % 3))
    return IndexDocument(
        paragraph_id=pk,
        article_id=pk // 10,
        position=pk % 10,
        text=f"{words} trade number {pk} " + "filler " * (pk % 7),
        heading="",
        title=f"Article {pk // 10}",
        authors=("Jane Doe",) if pk % 2 else (),
        publication="The Review",
        year=2000 + pk % 20,
        date=datetime.date(2000 + pk % 20, 1, 1),
        countries=("IR",) if pk % 4 == 0 else (),
        topics=(),
    )


@pytest.fixture
def segment(tmp_path: Path) -> Any:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with ix.writer() as writer:
        for pk in range(1, DOCS + 1):
            writer.add_document(**document_fields(_document(pk)))
    with ix.reader() as reader:
        assert len(reader.leaf_readers()) == 1
    searcher = ix.searcher()
    yield searcher.reader().leaf_readers()[0][0]
    searcher.close()


def test_internals_run_against_whoosh3() -> None:
    # The shortcuts are written against this codec; a new release is re-pinned here.
    assert version("whoosh3") == "3.54.0"


def test_internals_decode_matcher_agrees_with_public_postings(segment: Any) -> None:
    public = segment.postings("text", b"opium")
    ids, weights, values = decode_matcher(
        segment_matcher(segment, "text", b"opium"), with_values=True
    )
    expected_ids, expected_weights, expected_positions = [], [], []
    while public.is_active():
        expected_ids.append(public.id())
        expected_weights.append(public.weight())
        expected_positions.append(public.value_as("positions"))
        public.next()
    assert len(expected_ids) == DOCS
    assert ids.tolist() == expected_ids
    assert weights.tolist() == expected_weights
    fmt = segment.schema["text"].format
    decoded = [fmt.decode_as("positions", value) for value in values]
    assert decoded == expected_positions


def test_internals_segment_matcher_keeps_deleted_documents(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    with ix.writer() as writer:
        for pk in range(1, 11):
            writer.add_document(**document_fields(_document(pk)))
    with ix.writer(mergetype=lambda writer, segments: segments) as writer:
        writer.delete_by_term("paragraph_id", "3")
    with ix.searcher() as searcher:
        leaf = searcher.reader().leaf_readers()[0][0]
        ids, _weights, _values = decode_matcher(segment_matcher(leaf, "text", b"trade"))
        assert 2 in ids.tolist()  # docnum of paragraph 3
        assert 2 not in leaf.postings("text", b"trade").all_ids()
        assert segment_matcher(leaf, "text", b"absent") is None


def test_internals_numeric_columns_agree_with_column_readers(segment: Any) -> None:
    for name, code in NUMERIC_COLUMNS.items():
        found = numeric_column(segment, name, code, DOCS)
        public = segment.column_reader(name)
        assert found.tolist() == [public[i] for i in range(DOCS)], name


def test_internals_length_column_agrees_with_field_lengths(segment: Any) -> None:
    found = length_column(segment, "text", DOCS)
    expected = [segment.doc_field_length(i, "text") for i in range(DOCS)]
    assert np.allclose(found, expected)


def test_internals_segments_written_apart_are_published_together(
    tmp_path: Path,
) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    parent = ix.writer()
    segments = []
    for start in (1, 101):
        writer = segment_writer(ix, limitmb=32)
        for pk in range(start, start + 100):
            writer.add_document(**document_fields(_document(pk)))
        segments.append(finish_segment(writer))
    discard_segment(segment_writer(ix, limitmb=32))
    publish_segments(parent, segments)
    reopened = whoosh_index.open_dir(str(tmp_path))
    with reopened.searcher() as searcher:
        assert searcher.doc_count() == 200
        assert len(searcher.reader().leaf_readers()) == 2
        stored = searcher.document(paragraph_id="150")
        assert stored["title"] == "Article 15"
    # The parent's lock is released: a normal writer can commit.
    with reopened.writer(timeout=1.0) as writer:
        writer.add_document(**document_fields(_document(999)))
