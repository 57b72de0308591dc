"""Which segments an incremental index commit merges: bounded work, since the
commit runs inside an editor's request."""

from __future__ import annotations

import pytest

from search.engine.whoosh.store import (
    MAX_SMALL_SEGMENTS,
    MERGE_BUDGET_DOCS,
    SMALL_SEGMENT_DOCS,
    _segments_to_merge,
)

BIG = SMALL_SEGMENT_DOCS * 5  # a segment written by a rebuild


@pytest.mark.parametrize(
    ("sizes", "merged"),
    [
        # fewer small segments than the threshold: nothing to do
        ([BIG, BIG, *[1] * (MAX_SMALL_SEGMENTS - 1)], []),
        # single-paragraph edits pile up: all of them merge, the big ones stay
        ([BIG, *[1] * MAX_SMALL_SEGMENTS], list(range(1, MAX_SMALL_SEGMENTS + 1))),
        # fully deleted segments (0 documents left) are not merged, just dropped
        ([0, *[1] * MAX_SMALL_SEGMENTS], list(range(1, MAX_SMALL_SEGMENTS + 1))),
    ],
)
def test_merge_policy_merges_small_edits(sizes: list[int], merged: list[int]) -> None:
    assert _segments_to_merge(sizes) == merged


def test_merge_policy_bounds_the_documents_copied_in_a_request() -> None:
    # Seven bulk-tagging segments of 10,000 and one tiny edit: merging them all
    # would copy 70,000 documents inside one request.
    sizes = [BIG, *[10_000] * (MAX_SMALL_SEGMENTS - 1), 3]
    chosen = _segments_to_merge(sizes)
    assert sum(sizes[n] for n in chosen) <= MERGE_BUDGET_DOCS or not chosen


def test_merge_policy_merges_the_tiny_ones_beside_bulk_segments() -> None:
    sizes = [BIG, *[10_000] * 3, *[2] * MAX_SMALL_SEGMENTS]
    chosen = _segments_to_merge(sizes)
    assert chosen == list(range(4, 4 + MAX_SMALL_SEGMENTS))


def test_merge_policy_caps_the_number_of_segments() -> None:
    sizes = [10_000] * (MAX_SMALL_SEGMENTS * 3 + 1)
    assert len(_segments_to_merge(sizes)) >= 2
