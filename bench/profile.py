"""`python -m bench profile`: pyinstrument over one category of the query mix, on a
work directory kept by `python -m bench --keep` (or --work-dir).

The whole mix runs in the usual order, so each facet click still follows its fresh
query, but only the chosen category's calls are sampled.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from pyinstrument import Profiler

from bench.queries import Plan
from bench.worker import ENGINES, open_engine
from bench.workspace import Workspace, setup_django


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench profile")
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--engine", choices=ENGINES, default="refdesk")
    parser.add_argument(
        "--category", choices=("fresh", "click", "browse"), default="fresh"
    )
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--html", type=Path, default=None)
    parser.add_argument("--flat", action="store_true", help="self time per function")
    options = parser.parse_args(argv)
    workspace = Workspace(options.work_dir.resolve())
    if options.engine in ("refdesk", "api"):
        setup_django(workspace)
    plan = Plan.from_json(
        json.loads((workspace.root / "plan.json").read_text(encoding="utf-8"))
    )
    queries = plan.queries[: options.queries] if options.queries else plan.queries
    engine = open_engine(options.engine, workspace=workspace)
    for request in plan.warmup:
        engine.search(request)
    profiler = Profiler(interval=0.0005)
    elapsed: list[float] = []

    def call(category: str, request: object) -> None:
        if category != options.category:
            engine.search(request)  # type: ignore[arg-type]
            return
        started = time.perf_counter()
        profiler.start()
        engine.search(request)  # type: ignore[arg-type]
        profiler.stop()
        elapsed.append(time.perf_counter() - started)

    for query in queries:
        call("fresh", query.request)
        call("click", query.click)
    for request in plan.browses:
        call("browse", request)
    engine.close()
    print(
        f"{options.engine} {options.category}: {len(elapsed)} calls, "
        f"{sum(elapsed):.2f} s profiled"
    )
    print(
        profiler.output_text(
            unicode=True, color=False, flat=options.flat, short_mode=False
        )
    )
    if options.html:
        options.html.write_text(profiler.output_html(), encoding="utf-8")
    return 0
