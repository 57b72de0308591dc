from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from whoosh import index as whoosh_index

import search.documents as search_documents
import search.engine.whoosh.build as engine_build
import search.engine.whoosh.store as whoosh_store
import search.facets as search_facets
from corpus.models import Paragraph, ParagraphCountry, TagStatus
from search.documents import DatabaseSource, iter_documents
from search.engine.base import get_backend
from search.engine.whoosh.reader import current_snapshot
from search.engine.whoosh.schema import build_schema
from search.engine.whoosh.store import (
    IndexBusyError,
    build_lease,
    builds_path,
    index_path,
    index_writer,
    open_existing_index,
    open_index,
)
from search.index import (
    check_index,
    index_status,
    rebuild_index,
    update_articles,
    update_paragraphs,
)
from search.query import SearchRequest, matching_paragraph_ids, run_search


def total(q: str = "", **params: object) -> int:
    return run_search(SearchRequest.from_querydict({"q": q, **params})).total


def found(q: str) -> set[int]:
    return set(matching_paragraph_ids(SearchRequest.from_querydict({"q": q})))


# ---------------------------------------------------------------- opening


def test_open_index_creates_an_empty_index_behind_a_symlink(db) -> None:
    assert index_status()["status"] == "missing"
    ix = open_index()
    assert index_path().is_symlink()
    assert Path(os.path.realpath(index_path())).parent == builds_path()
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 0
    assert index_status() == {
        "status": "ok",
        "documents": 0,
        "generation": 0,
        "rebuilding": False,
    }


def test_open_retries_when_a_commit_removes_the_toc(db, monkeypatch) -> None:
    open_index()
    real_open = whoosh_index.open_dir
    raised = []

    def flaky(*args, **kwargs):
        if not raised:
            raised.append(True)
            raise FileNotFoundError("_MAIN_1.toc")
        return real_open(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", flaky)
    assert open_existing_index() is not None
    assert raised


# ---------------------------------------------------------------- documents


def test_documents_carry_active_tags_only(library) -> None:
    doc = next(iter_documents(paragraph_ids=[library.rejected.pk]))
    assert doc.countries == ("AZ", "GE")
    assert doc.title == "Energy in the Caspian"
    assert doc.authors == ()
    assert doc.author_values == ("_unknown",)


def test_document_hash_changes_with_tags_and_text(library) -> None:
    before = next(iter_documents(paragraph_ids=[library.sanctions.pk])).content_hash
    ParagraphCountry.objects.filter(paragraph=library.sanctions).update(
        status=TagStatus.REJECTED
    )
    after = next(iter_documents(paragraph_ids=[library.sanctions.pk])).content_hash
    assert before != after


# ---------------------------------------------------------------- updates


def test_update_paragraphs_reindexes_and_deletes(indexed) -> None:
    paragraph = indexed.sanctions
    paragraph.text = "Quinoa exports grew."
    paragraph.save()
    gone = indexed.script.pk
    Paragraph.objects.filter(pk=gone).delete()
    update_paragraphs([paragraph.pk, gone])
    assert found("quinoa") == {paragraph.pk}
    assert found("sanctions") == set()
    assert gone not in found("pipelines OR caspian")
    assert check_index().ok


def test_update_articles_drops_paragraphs_removed_from_the_database(indexed) -> None:
    removed = indexed.opium_trade.pk
    Paragraph.objects.filter(pk=removed).delete()
    update_articles([indexed.iran.pk])
    assert found("opium") == {indexed.opium_seizure.pk}
    assert check_index().ok


def test_a_second_writer_waits_instead_of_failing(indexed) -> None:
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with index_writer():
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    paragraph = indexed.sanctions
    paragraph.text = "Waited for the lock."
    paragraph.save()
    timer = threading.Timer(0.3, release.set)
    timer.start()
    started = time.monotonic()
    update_paragraphs([paragraph.pk])
    holder.join()
    assert time.monotonic() - started >= 0.25
    assert found("waited") == {paragraph.pk}


def test_a_writer_gives_up_after_the_timeout_without_lock_error(indexed) -> None:
    ix = open_index()
    other = ix.writer()
    try:
        with pytest.raises(IndexBusyError), index_writer(timeout=0.3):
            pass
    finally:
        other.cancel()


# ---------------------------------------------------------------- rebuild


def test_rebuild_switches_directories_and_cleans_up(indexed) -> None:
    first = os.path.realpath(index_path())
    report = rebuild_index()
    second = os.path.realpath(index_path())
    assert first != second
    assert not Path(first).exists()
    assert report.documents == Paragraph.objects.count()
    assert total() == report.documents
    assert [p.name for p in builds_path().iterdir() if not p.name.startswith(".")] == [
        Path(second).name
    ]


def test_rebuild_replaces_a_plain_index_directory(library) -> None:
    path = index_path()
    path.mkdir(parents=True)
    whoosh_index.create_in(str(path), build_schema())
    rebuild_index()
    assert path.is_symlink()
    assert total() == Paragraph.objects.count()


def test_a_failed_rebuild_leaves_the_old_index_serving(indexed, monkeypatch) -> None:
    before = os.path.realpath(index_path())
    real_chunks = DatabaseSource.chunks

    def dying(self, id_range=None):
        chunks = real_chunks(self, id_range)
        yield next(chunks)
        raise KeyboardInterrupt

    monkeypatch.setattr(DatabaseSource, "chunks", dying)
    with pytest.raises(KeyboardInterrupt):
        rebuild_index()
    assert os.path.realpath(index_path()) == before
    assert found("opium") == {indexed.opium_trade.pk, indexed.opium_seizure.pk}
    assert [p for p in builds_path().iterdir() if not p.name.startswith(".")] == [
        Path(before)
    ]


def test_changes_during_a_rebuild_reach_the_new_index(indexed, monkeypatch) -> None:
    paragraph = indexed.sanctions

    def edit_midway(self, id_range=None):
        chunks = search_documents.iter_document_chunks(id_range=id_range, chunk_size=2)
        for number, chunk in enumerate(chunks):
            if number == 1:
                paragraph.text = "Edited while rebuilding."
                paragraph.save()
                update_paragraphs([paragraph.pk])
            yield chunk

    monkeypatch.setattr(DatabaseSource, "chunks", edit_midway)
    rebuild_index()
    assert found("rebuilding") == {paragraph.pk}
    assert check_index().ok


def test_searches_keep_working_while_a_rebuild_runs(indexed, monkeypatch) -> None:
    expected = total("iran OR russia")
    # The threads exercise the index switch; labels come from the database, which
    # the test database does not share across threads.
    labels = search_facets._read_labels()
    monkeypatch.setattr(search_facets, "_read_labels", lambda: labels)
    results: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        while not stop.is_set():
            try:
                results.append(total("iran OR russia"))
            except BaseException as error:  # noqa: BLE001 - collected for the assert
                errors.append(error)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(3):
            rebuild_index()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert results
    assert set(results) == {expected}


def test_a_build_being_read_outlives_the_rebuild_that_replaced_it(
    indexed, monkeypatch
) -> None:
    monkeypatch.setattr(whoosh_store, "PRUNE_WAIT", 0.05)
    snapshot = current_snapshot()
    first = Path(snapshot.path)
    with build_lease(first) as alive:
        assert alive
        rebuild_index()
        assert first.exists()
        # The old snapshot still reads, including arrays it had not loaded yet.
        ids, _weights = snapshot.postings("text", "opium")
        assert len(ids) == 2
    assert found("opium") == {indexed.opium_trade.pk, indexed.opium_seizure.pk}
    rebuild_index()
    assert not first.exists()
    live = Path(os.path.realpath(index_path())).name
    assert [p.name for p in builds_path().iterdir() if not p.name.startswith(".")] == [
        live
    ]
    assert not list(builds_path().glob(f".{first.name}.lease"))


def test_a_lease_on_a_removed_build_says_so(indexed) -> None:
    first = os.path.realpath(index_path())
    rebuild_index()
    with build_lease(first) as alive:
        assert not alive


# ---------------------------------------------------------------- check


def test_check_index_detects_a_deleted_document(indexed) -> None:
    with index_writer() as writer:
        writer.delete_by_term("paragraph_id", str(indexed.sanctions.pk))
    report = check_index()
    assert report.missing == (indexed.sanctions.pk,)
    assert not report.ok
    repaired = check_index(repair=True)
    assert repaired.repaired
    assert check_index().ok


def test_check_index_detects_stale_and_extra_documents(indexed) -> None:
    Paragraph.objects.filter(pk=indexed.sanctions.pk).update(text="Changed quietly.")
    Paragraph.objects.filter(pk=indexed.script.pk).delete()
    report = check_index()
    assert report.stale == (indexed.sanctions.pk,)
    assert report.extra == (indexed.script.pk,)


def test_check_index_command_exits_non_zero_on_drift(indexed, capsys) -> None:
    call_command("check_index")
    assert "matches the database" in capsys.readouterr().out
    Paragraph.objects.filter(pk=indexed.sanctions.pk).update(text="Changed quietly.")
    with pytest.raises(CommandError):
        call_command("check_index")
    with pytest.raises(CommandError):
        call_command("check_index", "--repair")
    call_command("check_index")


def test_update_index_command_reconciles_everything(indexed, capsys) -> None:
    Paragraph.objects.filter(pk=indexed.sanctions.pk).update(text="Reconciled text.")
    call_command("update_index")
    assert found("reconciled") == {indexed.sanctions.pk}


def test_update_index_command_reindexes_an_article(indexed) -> None:
    Paragraph.objects.filter(pk=indexed.script.pk).update(text="Article level edit.")
    call_command("update_index", "--article", str(indexed.caspian.pk))
    assert found("edit") == {indexed.script.pk}


def test_update_index_command_takes_several_ids_after_one_flag(indexed) -> None:
    Paragraph.objects.filter(pk=indexed.script.pk).update(text="First edit.")
    Paragraph.objects.filter(pk=indexed.near_abroad.pk).update(text="Second edit.")
    Paragraph.objects.filter(pk=indexed.sanctions.pk).update(text="Third edit.")
    call_command(
        "update_index",
        "--article",
        str(indexed.caspian.pk),
        str(indexed.russia.pk),
        "--paragraph",
        str(indexed.sanctions.pk),
    )
    assert found("edit") == {
        indexed.script.pk,
        indexed.near_abroad.pk,
        indexed.sanctions.pk,
    }


def test_rebuild_index_command_reports_the_count(library, capsys) -> None:
    call_command("rebuild_index", "--no-progress", "--procs", "1")
    assert f"Indexed {Paragraph.objects.count()} paragraphs" in capsys.readouterr().out


# ---------------------------------------------------------------- engine arrays


def test_snapshot_postings_match_whoosh_across_segments_and_deletions(indexed) -> None:
    for paragraph in (indexed.sanctions, indexed.accented):
        # Written again whole: a new segment, and a deletion in the old one.
        get_backend().add_bulk(iter_documents(paragraph_ids=[paragraph.pk]))
    snapshot = current_snapshot()
    assert snapshot is not None
    assert len(snapshot.leaves) > 1
    reader = snapshot.reader
    for field, term in [
        ("text", "iran"),
        ("text", "turkmenistan"),
        ("title", "caspian"),
    ]:
        ids, _tf = snapshot.postings(field, term)
        live = ids[snapshot.live[ids]]
        expected = sorted(reader.postings(field, term).all_ids())
        assert live.tolist() == expected
    pids = snapshot.paragraph_ids[snapshot.live]
    assert sorted(pids.tolist()) == sorted(
        Paragraph.objects.values_list("pk", flat=True)
    )
    assert np.all(snapshot.years[snapshot.live] > 0)


def test_sidecar_frequencies_match_whoosh_weights(indexed) -> None:
    snapshot = current_snapshot()
    assert snapshot is not None
    reader = snapshot.reader
    ids, freqs = snapshot.postings("text", "afghan")
    matcher = reader.postings("text", "afghan")
    expected = []
    while matcher.is_active():
        expected.append((matcher.id(), matcher.weight()))
        matcher.next()
    assert list(zip(ids.tolist(), freqs.tolist(), strict=True)) == expected


def test_phrases_match_in_updated_segments_too(indexed) -> None:
    paragraph = indexed.sanctions
    paragraph.text = "Diplomats spoke of the near abroad again."
    paragraph.save()
    update_paragraphs([paragraph.pk])
    snapshot = current_snapshot()
    assert snapshot is not None and len(snapshot.leaves) > 1
    assert paragraph.pk in found('"near abroad"')
    assert indexed.near_abroad.pk in found('"near abroad"')
    assert indexed.rejected.pk not in found('"near abroad"')


@pytest.mark.slow
def test_rebuild_in_two_processes_through_manage_py(tmp_path: Path, seeds_dir) -> None:
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "DJANGO_DEBUG": "1",
    }
    root = Path(__file__).resolve().parents[2]

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    assert manage("migrate", "--noinput", "-v", "0").returncode == 0
    assert manage("ingest", "--no-index", str(seeds_dir)).returncode == 0
    built = manage("rebuild_index", "--procs", "2", "--no-progress")
    assert built.returncode == 0, built.stderr
    assert "Indexed" in built.stdout
    checked = manage("check_index")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "matches the database" in checked.stdout

    # Two rebuilds started together run one after the other.
    command = [sys.executable, "manage.py", "rebuild_index", "--no-progress"]
    both = [
        subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for process in both:
        _out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()
    checked = manage("check_index")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    builds = tmp_path / "index.builds"
    assert [p.name for p in builds.iterdir() if not p.name.startswith(".")] == [
        Path(os.path.realpath(tmp_path / "index")).name
    ]


def test_a_build_worker_stops_when_its_rebuild_is_gone(library, tmp_path) -> None:
    folder = tmp_path / "orphan"
    folder.mkdir()
    whoosh_index.create_in(str(folder), build_schema())
    with pytest.raises(engine_build.OrphanedWorker):
        engine_build._build_range(str(folder), DatabaseSource(), None, parent_pid=-1)
    segments = engine_build._build_range(
        str(folder), DatabaseSource(), None, parent_pid=os.getppid()
    )
    assert sum(s.doc_count_all() for s in segments) == Paragraph.objects.count()
