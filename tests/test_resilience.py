"""Crash safety and concurrency: killed rebuilds and ingests, searches during writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corpus.extract import parse_document, read_document
from corpus.ingest import run_furniture

REPO_ROOT = Path(__file__).resolve().parents[1]
COPIES = 60  # 240 articles, about 3,700 paragraphs: long enough to be killed midway


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory, seeds_dir_module: Path) -> Path:
    """Many distinct article files made from the seeds (distinct names, same texts)."""
    folder = tmp_path_factory.mktemp("corpus")
    for copy in range(COPIES):
        for seed in sorted(seeds_dir_module.glob("*.txt")):
            text = seed.read_text(encoding="utf-8")
            (folder / f"{copy:03d}_{seed.name}").write_text(
                text + f"\n\nReprint number {copy} of this analysis for the archive.\n",
                encoding="utf-8",
            )
    return folder


@pytest.fixture(scope="module")
def seeds_dir_module() -> Path:
    return REPO_ROOT / "seeds"


class Site:
    """A database and index directory of its own, driven through manage.py."""

    def __init__(self, root: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
            "SEARCH_INDEX_DIR": str(root / "index"),
            "DJANGO_DEBUG": "1",
        }
        self.index_dir = root / "index"

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "manage.py", *args]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            cwd=REPO_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def python(self, code: str) -> str:
        return self.run("shell", "-v", "0", "-c", code).stdout.strip().splitlines()[-1]


def _entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


# sqlite_only: the site runs in subprocesses on a SQLite file of its own (crash
# safety of the index and of ingest, not of a database engine).
@pytest.mark.sqlite_only
@pytest.mark.slow
def test_rebuild_killed_midway_leaves_old_index_serving(
    tmp_path: Path, big_corpus: Path
) -> None:
    site = Site(tmp_path)
    site.run("migrate", "--noinput", "-v", "0")
    site.run("ingest", "--no-index", str(big_corpus))
    site.run("rebuild_index")
    count_code = (
        "from search.query import SearchRequest, run_search;"
        "print(run_search(SearchRequest.from_querydict({})).total)"
    )
    total_before = int(site.python(count_code))
    assert total_before > 3000
    from search.engine.whoosh.store import builds_path

    builds = builds_path(site.index_dir)
    before = _entries(builds)

    process = site.start("rebuild_index")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if _entries(builds) - before:
            break  # the new build directory exists: the rebuild is under way
        time.sleep(0.01)
    time.sleep(0.3)
    assert process.poll() is None, "rebuild finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert _entries(builds) - before, "the killed rebuild left no partial build"

    assert int(site.python(count_code)) == total_before
    assert site.run("check_index", check=False).returncode == 0
    # check_index cleared away the partial build and the killed rebuild's marker.
    assert _entries(builds) - before == set()
    assert ".rebuild.json" not in _entries(builds)
    site.run("rebuild_index")
    assert int(site.python(count_code)) == total_before
    assert site.run("check_index", check=False).returncode == 0


# sqlite_only: the site runs in subprocesses on a SQLite file of its own (crash
# safety of the index and of ingest, not of a database engine).
@pytest.mark.sqlite_only
@pytest.mark.slow
def test_ingest_killed_midway_leaves_no_half_written_article(
    tmp_path: Path, big_corpus: Path
) -> None:
    site = Site(tmp_path)
    site.run("migrate", "--noinput", "-v", "0")
    process = site.start("ingest", "--no-index", str(big_corpus))
    created = 0
    assert process.stdout is not None
    for line in process.stdout:
        created += ": created" in line
        if created >= 15:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    counts = json.loads(
        site.python(
            "import json;"
            "from django.db.models import Count;"
            "from corpus.models import Article;"
            "rows = Article.objects.annotate(n=Count('paragraphs'));"
            "print(json.dumps({a.source_file: a.n for a in rows}))"
        )
    )
    assert len(counts) >= 15
    # Each saved article is whole: as many paragraphs as the same reading gives,
    # with the furniture learnt across the whole run, as ingest learns it.
    furniture = run_furniture(sorted(big_corpus.iterdir()), named=set())
    for name, paragraphs in counts.items():
        text = (big_corpus / name).read_text(encoding="utf-8")
        document = read_document(text, name=name, furniture=furniture)
        assert paragraphs == len(parse_document(document).paragraphs), name

    finished = site.run("ingest", "--no-index", str(big_corpus))
    assert f"{len(_entries(big_corpus))} files:" in finished.stdout


@pytest.mark.django_db(transaction=True)
def test_searches_stay_consistent_during_bulk_tagging_and_rebuild(
    reference_data, seeds_dir: Path
):
    from corpus.ingest import ingest_paths
    from corpus.models import Paragraph
    from corpus.services import change_tags
    from search.index import check_index, rebuild_index
    from search.query import SearchRequest, run_search

    ingest_paths([seeds_dir], update_index=False)
    rebuild_index()
    ids = list(Paragraph.objects.values_list("pk", flat=True))
    errors: list[BaseException] = []
    results: list[tuple[int, int]] = []
    stop = threading.Event()

    def search_loop() -> None:
        from django.db import connection

        try:
            while not stop.is_set():
                for q in ("", "iran", "security cooperation", '"near abroad"'):
                    page = run_search(SearchRequest.from_querydict({"q": q}))
                    years = next(f for f in page.facets if f.name == "year")
                    results.append((page.total, sum(v.count for v in years.values)))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    def rebuild_loop() -> None:
        from django.db import connection

        try:
            if connection.vendor == "sqlite":
                # The test database is SQLite's shared in-memory cache, where reading
                # a table that another connection is writing fails at once ("table is
                # locked") instead of waiting as a file database does.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA read_uncommitted = 1")
            for _ in range(2):
                rebuild_index()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=search_loop) for _ in range(3)]
    rebuilder = threading.Thread(target=rebuild_loop)
    for thread in threads:
        thread.start()
    rebuilder.start()
    try:
        topic = _any_topic()
        for round_number in range(4):
            change_tags(
                ids[::2],
                kind="topic",
                value=topic,
                add=bool(round_number % 2),
                user=None,
            )
            change_tags(ids[::3], kind="country", value="NO", add=True, user=None)
        rebuilder.join(timeout=300)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert not errors, errors
    assert results
    # Without a year filter, the year counts always add up to the total.
    assert all(total == year_sum for total, year_sum in results)
    assert check_index().ok


def _any_topic() -> str:
    from corpus.models import Topic

    return Topic.objects.order_by("slug").values_list("slug", flat=True).first()


def _dead_pid() -> int:
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


def _leave_killed_rebuild(builds: Path, name: str) -> Path:
    """What a SIGKILLed rebuild leaves: its partial build and its marker."""
    partial = builds / name
    partial.mkdir()
    (partial / "_MAIN_1.toc").write_bytes(b"half")
    (builds / ".rebuild.json").write_text(json.dumps({"pid": _dead_pid()}))
    return partial


@pytest.mark.django_db
def test_check_index_removes_builds_left_by_killed_rebuilds(seeded_index) -> None:
    from search.engine.whoosh.store import builds_path, index_path
    from search.index import check_index

    builds = builds_path(index_path())
    live = Path(os.path.realpath(index_path()))
    partials = [
        _leave_killed_rebuild(builds, f"20260101-00000{n}-dead") for n in (1, 2)
    ]

    assert check_index().ok
    assert not any(partial.exists() for partial in partials)
    assert not (builds / ".rebuild.json").exists()
    assert live.is_dir()


@pytest.mark.django_db
def test_rebuild_removes_builds_left_by_killed_rebuilds(seeded_index) -> None:
    from search.engine.whoosh.store import builds_path, index_path
    from search.index import rebuild_index

    builds = builds_path(index_path())
    partial = _leave_killed_rebuild(builds, "20260101-000001-dead")
    report = rebuild_index()
    assert not partial.exists()
    assert {p.name for p in builds.iterdir() if not p.name.startswith(".")} == {
        report.directory
    }


@pytest.mark.django_db
def test_check_index_keeps_the_build_of_a_running_rebuild(seeded_index) -> None:
    import fcntl

    from search.engine.whoosh.store import builds_path, index_path
    from search.index import check_index

    builds = builds_path(index_path())
    running = builds / "20260101-000001-running"
    running.mkdir()
    with open(builds / ".rebuild.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running rebuild holds it
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.stdin.read()"],
            stdin=subprocess.PIPE,
            pass_fds=(lock.fileno(),),
        )
    try:
        assert check_index().ok
        assert running.is_dir()
    finally:
        holder.communicate(b"")
