"""`python -m bench load`: the app under gunicorn (2 workers, 127.0.0.1) driven by
locust, headless, for a fixed time; reports throughput, latency and errors.

The app runs with production settings (DEBUG off) against a workspace database and
index: a generated corpus (--paragraphs N) or the ingested seed articles
(--paragraphs 0). Every process the script starts is stopped before it returns.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import psutil

from bench.generate import Vocabulary, build_vocabulary, read_seed_text
from bench.queries import build_plan
from bench.workspace import Workspace, setup_django

REPO_ROOT = Path(__file__).resolve().parent.parent
USERNAME = "bench-load"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench load",
        description="Load-test the app under gunicorn with locust (headless).",
    )
    parser.add_argument(
        "--paragraphs",
        type=int,
        default=0,
        help="generate this many paragraphs; 0 ingests the seed articles",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument(
        "--duration",
        type=int,
        default=60,
        help="seconds of steady state measured after every user has logged in",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--warmup-allowance",
        type=int,
        default=40,
        help="seconds allowed for logins and first searches before the steady state",
    )
    parser.add_argument(
        "--wait",
        default="1-3",
        type=_wait_range,
        help="think time per user between requests, MIN-MAX or one number of "
        "seconds; 0 sends each user's next request as soon as the last is answered "
        "(default 1-3)",
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database, index and plan already in --work-dir",
    )
    return parser.parse_args(argv)


def _say(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _wait_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    try:
        bounds = float(low), float(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not MIN-MAX seconds: {text!r}") from None
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise argparse.ArgumentTypeError(f"not MIN-MAX seconds: {text!r}")
    return bounds


def think_time(bounds: Sequence[float]) -> str:
    low, high = bounds
    if not high:
        return "no think time"
    if low == high:
        return f"think time {low:g} s"
    return f"think time {low:g}–{high:g} s"


def observed_vocabulary(base: Vocabulary) -> Vocabulary:
    """Facet values ranked by how often they occur in the database, so filter ranks
    resolve to real values in any corpus (the seeds included)."""
    from django.db.models import Count

    from corpus.models import Article, Author, Country, Topic

    def ranked(values: list) -> tuple:
        return tuple(value for value in values if value is not None)

    countries = ranked(
        list(
            Country.objects.annotate(n=Count("paragraph_tags"))
            .filter(n__gt=0)
            .order_by("-n", "code")
            .values_list("code", flat=True)
        )
    )
    authors = ranked(
        list(
            Author.objects.annotate(n=Count("article_links"))
            .filter(n__gt=0)
            .order_by("-n", "name")
            .values_list("name", flat=True)
        )
    )
    topics = ranked(
        list(
            Topic.objects.annotate(n=Count("paragraph_tags"))
            .filter(n__gt=0)
            .order_by("-n", "slug")
            .values_list("slug", flat=True)
        )
    )
    years = ranked(
        list(
            Article.objects.values("year")
            .annotate(n=Count("id"))
            .order_by("-n", "-year")
            .values_list("year", flat=True)
        )
    )
    return replace(
        base,
        countries=countries or base.countries,
        authors=authors or base.authors,
        topics=topics or base.topics,
        years=years or base.years,
    )


def prepare(workspace: Workspace, *, paragraphs: int, seed: int) -> dict[str, object]:
    """Database, index, user, static files and the locust plan, in the workspace."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from corpus.models import Article, Paragraph
    from search.index import rebuild_index

    if paragraphs > 0:
        from bench.run import prepare_corpus

        corpus, vocabulary = prepare_corpus(
            workspace, paragraphs=paragraphs, seed=seed, loader="direct"
        )
    else:
        from corpus.ingest import ingest_paths

        call_command("migrate", verbosity=0, interactive=False)
        ingest_paths(sorted((REPO_ROOT / "seeds").glob("*.txt")))
        vocabulary = build_vocabulary(seeds_dir=REPO_ROOT / "seeds", topics=())
        corpus = {"loader": "ingest (seeds)"}
    _say("rebuilding the index")
    started = time.perf_counter()
    rebuild_index()
    corpus["rebuild_seconds"] = time.perf_counter() - started
    corpus["articles"] = Article.objects.count()
    corpus["paragraphs"] = Paragraph.objects.count()
    password = secrets.token_urlsafe(18)
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.set_password(password)
    user.save()
    call_command("collectstatic", verbosity=0, interactive=False)
    vocabulary = observed_vocabulary(
        replace(vocabulary, seed_text=read_seed_text(REPO_ROOT / "seeds"))
    )
    plan = build_plan(vocabulary=vocabulary)
    article_ids = list(Article.objects.values_list("id", flat=True))
    random.Random(seed).shuffle(article_ids)
    connections.close_all()
    return {
        "corpus": corpus,
        "username": USERNAME,
        "password": password,
        "queries": [
            {"search": query.request.params(), "click": query.click.params()}
            for query in plan.queries
        ],
        "browses": [request.params() for request in plan.browses],
        # Each user's first request, before the figures start: not in the mix.
        "warmup": [request.params() for request in plan.warmup],
        "articles": article_ids[:500],
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, *, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _tree_rss(pid: int) -> int:
    try:
        parent = psutil.Process(pid)
        processes = [parent, *parent.children(recursive=True)]
        return sum(process.memory_info().rss for process in processes)
    except psutil.Error:
        return 0


def _worker_rss(pid: int) -> list[int]:
    try:
        return [
            child.memory_info().rss
            for child in psutil.Process(pid).children(recursive=True)
        ]
    except psutil.Error:
        return []


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def read_locust_stats(path: Path) -> dict[str, dict[str, float]]:
    """Locust's CSV summary by request name; names without requests since the
    reset (the logins) are left out."""
    rows: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not int(row["Request Count"]):
                continue
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": _float(row["Requests/s"]),
                "mean_ms": _float(row["Average Response Time"]),
                "p50_ms": _float(row["50%"]),
                "p95_ms": _float(row["95%"]),
                "p99_ms": _float(row["99%"]),
                "max_ms": _float(row["Max Response Time"]),
            }
    return rows


def run_load(options: argparse.Namespace) -> dict[str, object]:
    keep = options.keep or options.work_dir is not None
    root = options.work_dir or Path(tempfile.mkdtemp(prefix="refdesk-load-"))
    workspace = Workspace(root.resolve())
    workspace.results_dir.mkdir(parents=True, exist_ok=True)
    wait_min, wait_max = options.wait
    started_at = datetime.datetime.now(datetime.UTC)
    gunicorn: subprocess.Popen | None = None
    try:
        setup_django(workspace)
        plan_path = workspace.root / "load-plan.json"
        if options.reuse and plan_path.exists():
            _say(f"reusing {workspace.root}")
            plan = json.loads(plan_path.read_text(encoding="utf-8"))
        else:
            _say(f"preparing {workspace.root}")
            plan = prepare(workspace, paragraphs=options.paragraphs, seed=options.seed)
        steady_marker = workspace.results_dir / "steady-since"
        steady_marker.unlink(missing_ok=True)
        plan.update(
            wait_min=wait_min,
            wait_max=wait_max,
            users=options.users,
            duration=options.duration,
            steady_marker=str(steady_marker),
        )
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        environment = {**os.environ, **workspace.environ()}
        gunicorn_log = (workspace.results_dir / "gunicorn.log").open("w")
        _say(f"starting gunicorn ({options.workers} workers) on {url}")
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                str(options.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
            ],
            cwd=REPO_ROOT,
            env=environment,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
        )
        _wait_until_up(url, process=gunicorn, timeout=60)
        load_before = os.getloadavg()
        rss_before = _tree_rss(gunicorn.pid)
        csv_prefix = workspace.results_dir / "locust"
        _say(
            f"locust: {options.users} users for {options.duration} s, "
            f"{think_time(options.wait)}"
        )
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.users),
                "--run-time",
                f"{options.duration + options.warmup_allowance}s",
                "--stop-timeout",
                "10",
                "--host",
                url,
                "--csv",
                str(csv_prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=REPO_ROOT,
            env={**environment, "BENCH_LOAD_PLAN": str(plan_path)},
            capture_output=True,
            text=True,
            timeout=options.duration + options.warmup_allowance + 180,
            check=False,
        )
        (workspace.results_dir / "locust.log").write_text(
            locust.stdout + locust.stderr, encoding="utf-8"
        )
        stats_path = Path(f"{csv_prefix}_stats.csv")
        if not stats_path.exists():
            raise RuntimeError(f"locust wrote no stats: {locust.stderr[-500:]}")
        stats = read_locust_stats(stats_path)
        if not steady_marker.exists():
            raise RuntimeError("not every user logged in and searched; see locust.log")
        steady = json.loads(steady_marker.read_text(encoding="utf-8"))
        measured = time.time() - steady["since"]
        return {
            "meta": {
                "started_at": started_at.isoformat(timespec="seconds"),
                "finished_at": datetime.datetime.now(datetime.UTC).isoformat(
                    timespec="seconds"
                ),
                "users": options.users,
                "duration_s": options.duration,
                "measured_s": round(measured, 1),
                "warmup_s": round(steady["warmup_s"], 1),
                "think_time_s": [wait_min, wait_max],
                "gunicorn_workers": options.workers,
                "cpus": os.cpu_count(),
                "loadavg_start": load_before,
                "loadavg_end": os.getloadavg(),
            },
            "corpus": plan["corpus"],
            "total": stats.get("Aggregated", {}),
            "by_name": {k: v for k, v in stats.items() if k != "Aggregated"},
            "app_rss_bytes": {
                "before": rss_before,
                "after": _tree_rss(gunicorn.pid),
                "workers_after": _worker_rss(gunicorn.pid),
            },
            "locust_exit_code": locust.returncode,
        }
    finally:
        if gunicorn is not None:
            _stop(gunicorn)
        if keep:
            _say(f"kept {workspace.root}")
        else:
            shutil.rmtree(workspace.root, ignore_errors=True)


def render(report: dict[str, object]) -> str:
    meta: dict = report["meta"]  # type: ignore[assignment]
    corpus: dict = report["corpus"]  # type: ignore[assignment]
    total: dict = report["total"]  # type: ignore[assignment]
    rss: dict = report["app_rss_bytes"]  # type: ignore[assignment]
    header = (
        f"Refdesk load: {corpus.get('paragraphs', 0):,} paragraphs, gunicorn "
        f"{meta['gunicorn_workers']} workers, {meta['users']} users for "
        f"{meta['measured_s']:g} s after all logged in, "
        f"{think_time(meta['think_time_s'])}, "
        f"{meta['cpus']} CPUs (after a {meta['warmup_s']:g} s warm-up: logins "
        "and one search per user)"
    )
    lines = [header, ""]
    columns = ("requests", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms")
    lines.append(f"{'request':<14}" + "".join(f"{name:>10}" for name in columns))
    rows = {**report["by_name"], "all": total}  # type: ignore[dict-item]
    for name, row in rows.items():
        cells = "".join(
            f"{row.get(column, 0):>10,.0f}"
            if column != "rps"
            else f"{row.get(column, 0):>10.1f}"
            for column in columns
        )
        lines.append(f"{name:<14}{cells}")
    lines.append("")
    lines.append(
        f"app RSS (gunicorn master + workers): {rss['before'] / 1e6:,.0f} MB before, "
        f"{rss['after'] / 1e6:,.0f} MB after"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    report = run_load(options)
    arguments = sys.argv[1:] if argv is None else list(argv)
    report["meta"]["command"] = "python -m bench load " + " ".join(arguments)  # type: ignore[index]
    label = options.paragraphs or "seeds"
    path = options.json or REPO_ROOT / "var" / "bench" / f"load-{label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(render(report))
    print(f"\nJSON: {path}")
    total: dict = report["total"]  # type: ignore[assignment]
    return 0 if total.get("requests") and not total.get("failures") else 1


if __name__ == "__main__":
    sys.exit(main())
