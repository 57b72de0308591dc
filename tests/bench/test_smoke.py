from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import (
    build_vocabulary,
    generate_articles,
    read_seed_text,
    render_article,
)
from bench.queries import QUERIES_PATH, resolve_mix
from corpus.parsing import parse_article

REPO_ROOT = Path(__file__).resolve().parents[2]
SEARCH_STATS = {"n", "p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms"}


@pytest.fixture(scope="module")
def smoke_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """One small end-to-end run of the harness: every engine, every phase."""
    out = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable,
        "-m",
        "bench",
        "--paragraphs",
        "2000",
        "--queries",
        "8",
        "--json",
        str(out / "results.json"),
        "--work-dir",
        str(out / "work"),
        "--worker-timeout",
        "120",
    ]
    # A session of its own, so a timeout stops the engines' worker processes too.
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    assert process.returncode == 0, stdout + stderr
    report = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return report, stdout


def test_generate_is_deterministic(seeds_dir: Path) -> None:
    vocabulary = build_vocabulary(seeds_dir=seeds_dir, topics=("a", "b", "c"))
    first = list(generate_articles(vocabulary, paragraphs=300, seed=4))
    again = list(generate_articles(vocabulary, paragraphs=300, seed=4))
    other = list(generate_articles(vocabulary, paragraphs=300, seed=5))
    assert first == again
    assert first != other
    assert sum(len(article.paragraphs) for article in first) == 300


def test_generate_files_parse_back_to_the_same_article(seeds_dir: Path) -> None:
    vocabulary = build_vocabulary(seeds_dir=seeds_dir, topics=())
    for article in generate_articles(vocabulary, paragraphs=1500, seed=2):
        parsed = parse_article(render_article(article, vocabulary=vocabulary))
        assert parsed.title == article.title
        assert tuple(author.name for author in parsed.authors) == article.authors
        assert parsed.date == article.date
        assert [(p.heading, p.text) for p in parsed.paragraphs] == [
            (p.heading, p.text) for p in article.paragraphs
        ]


def test_queries_json_words_come_from_the_seed_sentences(seeds_dir: Path) -> None:
    text = " ".join(read_seed_text(seeds_dir).sentences).lower()
    mix = json.loads(QUERIES_PATH.read_text(encoding="utf-8"))
    words = {
        word
        for query in mix["queries"]
        for part in query["parts"]
        for word in part["words"]
    }
    assert words
    assert all(word in text for word in words)


def test_queries_resolve_to_300_distinct_fresh_queries(seeds_dir: Path) -> None:
    topics = [f"topic-{number}" for number in range(20)]
    vocabulary = build_vocabulary(seeds_dir=seeds_dir, topics=topics)
    queries, browses = resolve_mix(vocabulary=vocabulary)
    assert len(queries) == 300
    assert len({query.request.q for query in queries}) == 300
    assert all(query.click != query.request for query in queries)
    assert len(browses) == 50
    assert all(len(query.request.filters) <= 3 for query in queries)


@pytest.mark.slow
def test_bench_smoke_run_reports_every_engine(smoke_report: tuple[dict, str]) -> None:
    report, _ = smoke_report
    assert report["corpus"]["paragraphs"] == 2000
    assert set(report["engines"]) == {"refdesk", "api", "fts5", "tantivy"}
    for name, section in report["engines"].items():
        assert not section.get("error"), (name, section.get("error"))
        for category in ("fresh", "click", "browse"):
            assert set(section["search"][category]) == SEARCH_STATS
            assert section["search"][category]["n"] == 8
            assert section["search"][category]["p50_ms"] > 0
        assert section["search"]["rss_bytes"] > 0
    for name in ("refdesk", "fts5", "tantivy"):
        index = report["engines"][name]["index"]
        assert index["documents"] == 2000
        assert index["paragraphs_per_s"] > 0
        assert index["size_bytes"] > 0
        assert index["peak_rss_bytes"] > 0


@pytest.mark.slow
def test_bench_smoke_run_prints_ratios_for_every_peer(
    smoke_report: tuple[dict, str],
) -> None:
    report, stdout = smoke_report
    for pair in ("refdesk/fts5", "refdesk/tantivy", "api/fts5", "api/tantivy"):
        assert report["ratios"][pair]["fresh_p95_ms"] > 0
    assert report["ratios"]["refdesk/fts5"]["index_paragraphs_per_s"] > 0
    assert report["agreement"]["fts5"]["compared"] == 8 * 2 + 8
    assert "Refdesk/FTS5" in stdout
    assert "Refdesk/tantivy" in stdout
