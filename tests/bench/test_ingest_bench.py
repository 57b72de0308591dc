from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bench.ingest import copy_pages, find_pages, main

TEXT = (
    "Grain Routes Across the Steppe\n\nBy Ann Example\n\n"
    + "The grain moved along the river every spring, and the traders followed it "
    "from one market town to the next, counting sacks as they went. " * 4
)
HTML = (
    "<html><head><title>Ports of the Caspian</title></head><body><article>"
    "<h1>Ports of the Caspian</h1>"
    + "<p>Ships carried cotton and oil between the ports of the Caspian every "
    "month, and the harbour masters kept careful books of every cargo.</p>"
    * 4
    + "</article></body></html>"
)


def _pages(folder: Path) -> Path:
    (folder / "txt").mkdir(parents=True)
    (folder / "html").mkdir()
    (folder / "txt" / "grain.txt").write_text(TEXT, encoding="utf-8")
    (folder / "html" / "ports.html.gz").write_bytes(gzip.compress(HTML.encode()))
    (folder / "notes.csv").write_text("not,a,page\n", encoding="utf-8")
    return folder


def test_copies_differ_in_name_and_bytes_only(tmp_path: Path) -> None:
    sources = find_pages(_pages(tmp_path / "dev"))
    assert [path.name for path in sources] == ["ports.html.gz", "grain.txt"]
    formats = copy_pages(sources, tmp_path / "out", count=5)
    assert formats == {
        "ports-html-0.html": "html",
        "grain-txt-0.txt": "text",
        "ports-html-1.html": "html",
        "grain-txt-1.txt": "text",
        "ports-html-2.html": "html",
    }
    first = (tmp_path / "out" / "ports-html-0.html").read_bytes()
    third = (tmp_path / "out" / "ports-html-2.html").read_bytes()
    assert first == HTML.encode()  # unpacked
    assert third == first + b"\n\n"


@pytest.mark.slow
def test_bench_ingest_times_both_paths(tmp_path: Path, capsys) -> None:
    pages = _pages(tmp_path / "dev")
    (pages / "txt" / "blank.txt").write_text("", encoding="utf-8")
    out = tmp_path / "results.json"
    code = main(["--pages", str(pages), "--count", "6", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "6 files in" in printed
    assert "statuses: 2 skipped, 4 created" in printed
    assert "  skipped (2): empty file" in printed
    assert "    html: " in printed and "    text: " in printed
    assert "median" in printed and "p95" in printed
    assert out.exists()
