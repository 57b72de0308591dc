"""`python -m bench ingest --pages DIR [--count 1000]`: how fast `manage.py ingest` is.

Copies the `.txt` and `.html`/`.htm` pages under DIR (gzipped ones unpacked) into a
temporary folder until it holds --count files, then runs `manage.py ingest` on that
folder into a fresh database and index, and reports the total time, pages per second,
and the median and 95th percentile time per page for the text path and the HTML path.

Ingest knows an article by its file name and skips a file whose bytes repeat another
article's, so the n-th copy of a page gets its own name and n trailing newlines: the
text is the same, and every copy is read, parsed, tagged and saved in full. A page's
time is the time between the command's line for it and the line before (the command
prints one line per file as it finishes it when its output is not a terminal); the
first file's time also holds the command's start-up and is left out of the figures;
what is loaded once on first use (the gazetteer, the stoplists) makes one slow page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.workspace import Workspace, scratch_workspace

PAGE_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html"}
ROOT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--pages", type=Path, required=True, help="folder of pages")
    parser.add_argument("--count", type=int, default=1000, help="files to ingest")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--out", type=Path, default=None, help="results as JSON")
    options = parser.parse_args(argv)
    sources = find_pages(options.pages)
    if not sources:
        parser.error(f"no .txt or .html pages under {options.pages}")
    if options.count < 1:
        parser.error("--count must be at least 1")

    with scratch_workspace(
        options.work_dir, keep=options.keep, prefix="refdesk-ingest-"
    ) as workspace:
        folder = workspace.root / "pages"
        formats = copy_pages(sources, folder, count=options.count)
        results = run(workspace, folder, formats)
    for line in report_lines(results):
        print(line)
    if options.out:
        options.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if results["returncode"] in (0, 1) else 1


def find_pages(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and _page_suffix(path) in PAGE_SUFFIXES
    )


def _page_suffix(path: Path) -> str:
    """The page's own suffix: ".html" for "page.html" and "page.html.gz"."""
    name = path.name.lower().removesuffix(".gz")
    return Path(name).suffix


def copy_pages(sources: Sequence[Path], folder: Path, *, count: int) -> dict[str, str]:
    """Fill ``folder`` with ``count`` copies of ``sources``; file name -> path kind."""
    folder.mkdir(parents=True, exist_ok=True)
    formats: dict[str, str] = {}
    for number in range(count):
        source = sources[number % len(sources)]
        copy = number // len(sources)
        suffix = _page_suffix(source)
        stem = source.name[: source.name.lower().index(suffix)]
        name = f"{stem}-{source.parent.name}-{copy}{suffix}"
        data = source.read_bytes()
        if source.name.lower().endswith(".gz"):
            data = gzip.decompress(data)
        (folder / name).write_bytes(data + b"\n" * copy)
        formats[name] = PAGE_SUFFIXES[suffix]
    return formats


def run(workspace: Workspace, folder: Path, formats: dict[str, str]) -> dict:
    environ = {**os.environ, **workspace.environ(), "PYTHONUNBUFFERED": "1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v", "0"], env=environ, check=True
    )
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*manage, "ingest", str(folder)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    stamped: list[tuple[float, str]] = []
    for line in process.stdout:
        stamped.append((time.perf_counter(), line.rstrip("\n")))
    stderr = process.stderr.read() if process.stderr else ""
    returncode = process.wait()
    total = time.perf_counter() - started
    return summarise(stamped, formats, started=started, total=total) | {
        # CPU time says less about other load on the machine than wall time does.
        "cpu_seconds": round(_children_cpu() - cpu_before, 2),
        "returncode": returncode,
        "stderr_tail": stderr.strip().splitlines()[-5:],
    }


def summarise(
    stamped: Sequence[tuple[float, str]],
    formats: dict[str, str],
    *,
    started: float,
    total: float,
) -> dict:
    per_kind: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    reasons: dict[str, int] = {}
    file_lines = [
        (stamp, line) for stamp, line in stamped if line.split(":", 1)[0] in formats
    ]
    previous = started
    first_file = 0.0
    for index, (stamp, line) in enumerate(file_lines):
        name, _, rest = line.partition(":")
        status, _, reason = rest.strip().partition(": ")
        status = status.split(" (", 1)[0]
        statuses[status] = statuses.get(status, 0) + 1
        if status == "skipped":
            reasons[reason] = reasons.get(reason, 0) + 1
        if index == 0:
            first_file = stamp - started
        else:
            per_kind.setdefault(formats[name], []).append(stamp - previous)
        previous = stamp
    after_files = total - (previous - started)
    return {
        "files": len(formats),
        "total_seconds": round(total, 2),
        "pages_per_second": round(len(file_lines) / total, 1) if total else 0.0,
        "startup_and_first_file_seconds": round(first_file, 2),
        "index_update_seconds": round(after_files, 2),
        "statuses": statuses,
        "skipped_because": reasons,
        "per_page_ms": {
            kind: {
                "pages": len(times),
                "median": round(statistics.median(times) * 1000, 1),
                "p95": round(_percentile(times, 0.95) * 1000, 1),
            }
            for kind, times in sorted(per_kind.items())
        },
        "summary": stamped[-1][1] if stamped else "",
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report_lines(results: dict) -> list[str]:
    lines = [
        f"{results['files']} files in {results['total_seconds']} s "
        f"({results['pages_per_second']} pages/s); start-up and first file "
        f"{results['startup_and_first_file_seconds']} s, index update "
        f"{results['index_update_seconds']} s; {results['cpu_seconds']} s of CPU",
        "statuses: "
        + ", ".join(f"{count} {name}" for name, count in results["statuses"].items()),
    ]
    for reason, count in results["skipped_because"].items():
        lines.append(f"  skipped ({count}): {reason}")
    for kind, figures in results["per_page_ms"].items():
        lines.append(
            f"{kind:>8}: {figures['pages']} pages, median {figures['median']} ms, "
            f"p95 {figures['p95']} ms per page"
        )
    if results["returncode"] not in (0, 1):
        lines.append(f"ingest exited with {results['returncode']}:")
        lines.extend(results["stderr_tail"])
    return lines
