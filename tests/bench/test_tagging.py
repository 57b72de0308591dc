from __future__ import annotations

import pytest

from bench.tagging import report_lines, time_tagging


@pytest.mark.django_db(transaction=True)
def test_bench_tagging_times_tags_until_search_shows_them(
    reference_data, seeds_dir
) -> None:
    # Committed transactions, as in the benchmark: the index updates on commit.
    from corpus.ingest import ingest_paths
    from search.index import rebuild_index

    ingest_paths([seeds_dir], update_index=False)
    rebuild_index()
    run = time_tagging(size=5)
    assert run["size"] == 5
    assert 0 < run["tag_seconds"] <= run["visible_seconds"]
    lines = report_lines({"paragraphs": 61, "runs": [run]})
    assert lines[0] == "Refdesk bulk tagging: 61 paragraphs"
    assert lines[-1].split()[0] == "5"
