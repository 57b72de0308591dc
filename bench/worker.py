"""One engine, one phase, in its own process: `python -m bench worker ...`.

A separate process per engine keeps the figures honest: peak memory belongs to one
engine alone, and each engine starts with cold in-process caches, so a "fresh" query
really is the first time that engine sees it.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Sequence
from pathlib import Path

from bench.engines import SearchEngine
from bench.queries import BenchRequest, Plan
from bench.workspace import (
    PeakMemory,
    Workspace,
    directory_size,
    resident_bytes,
    setup_django,
)

ENGINES = ("refdesk", "api", "typesense", "fts5", "tantivy")
# Engines that are Refdesk itself (its own code paths), on one backend or another.
REFDESK_ENGINES = ("refdesk", "api", "typesense")


def index_engine(name: str, *, workspace: Workspace) -> dict[str, object]:
    from bench.documents import read_documents

    details: dict[str, object] = {}
    with PeakMemory() as memory:
        started = time.perf_counter()
        if name in ("refdesk", "typesense"):
            from bench import refdesk_engine

            details = refdesk_engine.rebuild()
            count = refdesk_engine.indexed_documents()
            # The cluster keeps three copies; one node's data is one index.
            location = (
                workspace.index_dir
                if name == "refdesk"
                else workspace.root / "typesense" / "node1" / "data"
            )
        elif name == "fts5":
            from bench import fts5

            count = fts5.build(
                read_documents(workspace.documents), path=workspace.fts5_database
            )
            location = workspace.fts5_database
        elif name == "tantivy":
            from bench import tantivy_peer

            count = tantivy_peer.build(
                read_documents(workspace.documents), path=workspace.tantivy_dir
            )
            location = workspace.tantivy_dir
        else:
            raise ValueError(f"{name} has no index phase")
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "documents": count,
        "size_bytes": directory_size(location),
        "peak_rss_bytes": memory.peak,
        "details": details,
    }


def open_engine(name: str, *, workspace: Workspace) -> SearchEngine:
    if name in ("refdesk", "typesense"):
        from bench.refdesk_engine import RunSearchEngine

        return RunSearchEngine()
    if name == "api":
        from bench.refdesk_engine import ApiEngine

        return ApiEngine()
    if name == "fts5":
        from bench.fts5 import Fts5Engine

        return Fts5Engine(workspace.fts5_database)
    if name == "tantivy":
        from bench.tantivy_peer import TantivyEngine

        return TantivyEngine(workspace.tantivy_dir)
    raise ValueError(f"unknown engine {name!r}")


def _timed(engine: SearchEngine, request: BenchRequest) -> tuple[float, int]:
    started = time.perf_counter()
    outcome = engine.search(request)
    return (time.perf_counter() - started) * 1000, outcome.total


def search_engine(
    name: str,
    *,
    workspace: Workspace,
    plan: Plan,
) -> dict[str, object]:
    """Time every request of the plan: each fresh query, then at once its facet
    click (same q, one more filter), then the browses with no query."""
    opened = time.perf_counter()
    engine = open_engine(name, workspace=workspace)
    for request in plan.warmup:
        engine.search(request)
    warm_seconds = time.perf_counter() - opened
    samples: dict[str, list[float]] = {"fresh": [], "click": [], "browse": []}
    totals: dict[str, list[int]] = {"fresh": [], "click": [], "browse": []}

    def record(category: str, request: BenchRequest) -> None:
        elapsed, total = _timed(engine, request)
        samples[category].append(elapsed)
        totals[category].append(total)

    for query in plan.queries:
        record("fresh", query.request)
        record("click", query.click)
    for request in plan.browses:
        record("browse", request)
    result = {
        "samples_ms": samples,
        "totals": totals,
        "open_and_warm_seconds": warm_seconds,
        "rss_bytes": resident_bytes(),
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    engine.close()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench worker")
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("phase", choices=("index", "search"))
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args(argv)
    workspace = Workspace(options.work_dir)
    if options.engine in REFDESK_ENGINES:
        setup_django(workspace)
    if options.phase == "index":
        result = index_engine(options.engine, workspace=workspace)
    else:
        plan = Plan.from_json(
            json.loads((workspace.root / "plan.json").read_text(encoding="utf-8"))
        )
        result = search_engine(options.engine, workspace=workspace, plan=plan)
    options.out.write_text(json.dumps(result), encoding="utf-8")
    return 0
