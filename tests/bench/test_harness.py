"""The harness's own bookkeeping: a distinct query mix, a warm-up outside it, peers
left out when not installed, and labels and times that say what they mean."""

from __future__ import annotations

import copy
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import report as reporting
from bench.generate import build_vocabulary
from bench.load import _wait_range, think_time
from bench.queries import (
    BROWSES,
    QUERIES,
    build_plan,
    check_vocabulary,
    filter_key,
    load_mix,
    measured_requests,
    mix_problems,
)
from bench.queries import main as queries_main
from bench.run import choose_peers, parse_args

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_mix_is_what_the_builder_makes_and_has_no_repeats(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert queries_main(["--check"]) == 0
    assert "distinct" in capsys.readouterr().out


def test_browses_are_distinct_filter_sets() -> None:
    mix = load_mix()
    keys = [filter_key(entry["filters"]) for entry in mix["browse"]]
    assert len(keys) == BROWSES == len(set(keys))
    assert keys[0] == ()
    assert len(mix["queries"]) == QUERIES


def test_every_timed_request_is_distinct_once_resolved(seeds_dir: Path) -> None:
    vocabulary = build_vocabulary(
        seeds_dir=seeds_dir, topics=[f"topic-{number}" for number in range(20)]
    )
    plan = build_plan(vocabulary=vocabulary)
    measured = measured_requests(plan.queries, plan.browses)
    assert len(measured) == 2 * QUERIES + BROWSES == len(set(measured))


def test_warmup_is_outside_the_measured_mix() -> None:
    plan = build_plan(vocabulary=check_vocabulary())
    measured = set(measured_requests(plan.queries, plan.browses))
    assert plan.warmup
    assert not measured & set(plan.warmup)
    # It still opens the browse path (no query) and the text path.
    assert any(not request.parts for request in plan.warmup)
    assert any(request.parts for request in plan.warmup)


def test_warmup_stays_outside_a_shortened_mix() -> None:
    plan = build_plan(vocabulary=check_vocabulary(), limit=8)
    assert not set(measured_requests(plan.queries, plan.browses)) & set(plan.warmup)


def test_mix_problems_name_a_repeated_browse_and_a_repeated_query() -> None:
    mix = copy.deepcopy(load_mix())
    mix["browse"][3] = copy.deepcopy(mix["browse"][2])
    mix["queries"][1]["parts"] = copy.deepcopy(mix["queries"][0]["parts"])
    problems = mix_problems(mix, vocabulary=check_vocabulary())
    assert any(problem.startswith("browse filters") for problem in problems)
    assert any("appears 2 times" in problem for problem in problems)


def test_mix_problems_name_a_short_mix() -> None:
    mix = copy.deepcopy(load_mix())
    mix["queries"] = mix["queries"][:299]
    problems = mix_problems(mix, vocabulary=check_vocabulary())
    assert "299 queries, not 300" in problems


def test_tantivy_is_left_out_when_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "tantivy", None)  # import raises ImportError
    peers, skipped = choose_peers(parse_args([]))
    assert peers == ["fts5"]
    assert skipped == {"tantivy": "not installed"}
    assert reporting.skip_lines(skipped) == ["tantivy not installed; skipped"]


def test_skip_flags_still_leave_peers_out() -> None:
    peers, skipped = choose_peers(parse_args(["--skip-tantivy", "--skip-fts5"]))
    assert peers == []
    assert skipped == {"fts5": "--skip-fts5", "tantivy": "--skip-tantivy"}


def test_figure_labels_do_not_repeat_their_unit() -> None:
    for figure in reporting.FIGURES:
        assert figure.unit not in figure.label, figure


def test_load_wait_option() -> None:
    assert _wait_range("0") == (0.0, 0.0)
    assert _wait_range("1-3") == (1.0, 3.0)
    assert think_time((0.0, 0.0)) == "no think time"
    assert think_time((1.0, 3.0)) == "think time 1–3 s"
    for bad in ("x", "3-1", "-1"):
        with pytest.raises(Exception, match="MIN-MAX"):
            _wait_range(bad)


@pytest.mark.slow
def test_bench_runs_without_tantivy(tmp_path: Path) -> None:
    """A `tantivy` that cannot be imported: the run goes on without it, says so,
    and records when it started, not when it finished."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "tantivy.py").write_text(
        'raise ImportError("no tantivy here")\n', encoding="utf-8"
    )
    out = tmp_path / "results.json"
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--paragraphs",
            "300",
            "--queries",
            "3",
            "--skip-api",
            "--skip-fts5",
            "--json",
            str(out),
            "--work-dir",
            str(tmp_path / "work"),
            "--worker-timeout",
            "120",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(blocker)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "tantivy not installed; skipped" in completed.stdout
    assert "tantivy not installed; skipped" in completed.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["engines"]) == {"refdesk"}
    meta = report["meta"]
    assert meta["skipped"] == {"tantivy": "not installed", "fts5": "--skip-fts5"}
    started = datetime.datetime.fromisoformat(meta["started_at"])
    finished = datetime.datetime.fromisoformat(meta["finished_at"])
    assert before <= started <= finished
    assert (finished - started).total_seconds() >= meta["seconds"] - 2
