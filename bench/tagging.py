"""`python -m bench tagging`: how long bulk tagging takes until search shows it.

Builds (or reuses, with --work-dir) a generated library of --paragraphs paragraphs
with its index, then for each --sizes N times ``change_tags`` on N paragraphs that
lack a topic, from the call to the moment a search filtered on that topic counts all
of them: the database write, the audit rows and the index update that an editor's
request waits for. Each size is then untagged again (timed too), so sizes don't
interfere.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from bench.workspace import Workspace, scratch_workspace, setup_django


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench tagging")
    parser.add_argument("--paragraphs", type=int, default=200_000)
    parser.add_argument("--sizes", default="1,1000,10000", help="comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--out", type=Path, default=None, help="results as JSON")
    options = parser.parse_args(argv)
    sizes = [int(size) for size in options.sizes.split(",") if size.strip()]

    with scratch_workspace(
        options.work_dir, keep=options.keep, prefix="refdesk-tagging-"
    ) as workspace:
        setup_django(workspace)
        results = run(
            workspace, paragraphs=options.paragraphs, seed=options.seed, sizes=sizes
        )
    for line in report_lines(results):
        print(line)
    if options.out:
        options.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def run(
    workspace: Workspace, *, paragraphs: int, seed: int, sizes: Sequence[int]
) -> dict[str, object]:
    from corpus.models import Paragraph

    if not workspace.database.exists() or Paragraph.objects.count() == 0:
        from bench.run import prepare_corpus
        from search.index import rebuild_index

        prepare_corpus(workspace, paragraphs=paragraphs, seed=seed, loader="direct")
        rebuild_index()
    total = Paragraph.objects.count()
    runs = [time_tagging(size=size) for size in sizes]
    return {"paragraphs": total, "runs": runs}


def time_tagging(*, size: int) -> dict[str, object]:
    from corpus.models import Paragraph, ParagraphTopic, Topic
    from corpus.services import change_tags

    topic = Topic.objects.order_by("slug").first()
    assert topic is not None, "the generated library has no topics"
    tagged = ParagraphTopic.objects.filter(topic=topic).values("paragraph_id")
    ids = list(
        Paragraph.objects.exclude(pk__in=tagged)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    before = _visible(topic.slug)
    started = time.perf_counter()
    # CPU time as well: on a shared machine the wall-clock time says little.
    cpu_started = time.process_time()
    changed = change_tags(ids, kind="topic", value=topic.slug, add=True, user=None)
    write_seconds = time.perf_counter() - started
    after = _visible(topic.slug)
    visible_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    assert changed == len(ids), (changed, len(ids))
    assert after == before + len(ids), f"search shows {after - before} of {len(ids)}"

    started = time.perf_counter()
    change_tags(ids, kind="topic", value=topic.slug, add=False, user=None)
    untag_seconds = time.perf_counter() - started
    # Leave the library as it was: the REJECTED rows the removal wrote go too.
    ParagraphTopic.objects.filter(topic=topic, paragraph_id__in=ids).delete()
    return {
        "size": len(ids),
        "tag_seconds": write_seconds,
        "visible_seconds": visible_seconds,
        "cpu_seconds": cpu_seconds,
        "untag_seconds": untag_seconds,
    }


def _visible(slug: str) -> int:
    from search.query import SearchRequest, run_search

    return run_search(SearchRequest.from_querydict({"topic": [slug]})).total


def report_lines(results: dict[str, object]) -> list[str]:
    header = ("paragraphs", "tagged+visible (s)", "of it CPU (s)", "untagged (s)")
    lines = [
        f"Refdesk bulk tagging: {results['paragraphs']:,} paragraphs",
        f"{header[0]:>10}  {header[1]:>18}  {header[2]:>13}  {header[3]:>12}",
    ]
    runs: list[dict[str, float]] = results["runs"]  # type: ignore[assignment]
    for run in runs:
        lines.append(
            f"{run['size']:>10,}  {run['visible_seconds']:>18.3f}  "
            f"{run['cpu_seconds']:>13.3f}  {run['untag_seconds']:>12.3f}"
        )
    return lines
