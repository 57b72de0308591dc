"""Bulk tagging through the Whoosh tag overlay: no document is written again, yet
every search, count, hit, export and drift check sees the new tags at once, in
every process; the overlay folds back into the index and a rebuild clears it."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import search.engine.whoosh.tagging as whoosh_tagging
from corpus.models import Paragraph, Topic
from corpus.services import change_tags
from search.engine.base import EngineQuery, IndexDocument, get_backend
from search.engine.whoosh.overlay import (
    OverlayReader,
    TagEntry,
    remove_entries,
    write_entries,
)
from search.engine.whoosh.reader import OverlaidSnapshot, current_snapshot
from search.engine.whoosh.store import open_existing_index
from search.engine.whoosh.tagging import overlay_size
from search.index import check_index, rebuild_index
from search.query import SearchRequest, run_search

ROOT = Path(__file__).resolve().parents[2]


def _written() -> tuple[int, int]:
    """(generation, documents ever written) of the live index."""
    ix = open_existing_index()
    assert ix is not None
    return ix.latest_generation(), ix.doc_count_all()


def _total(**params: object) -> int:
    return run_search(SearchRequest.from_querydict(params)).total


# ---------------------------------------------------------------- through Django


def test_change_tags_updates_the_index_without_writing_documents(
    indexed, django_capture_on_commit_callbacks
) -> None:
    """The defect: every tagged paragraph was analysed and written again, and
    committed (seconds for 10,000). Now nothing is written to the index."""
    Topic.objects.create(slug="wells-test", name="Wells (test)")
    ids = list(Paragraph.objects.values_list("pk", flat=True))
    before = _written()
    with django_capture_on_commit_callbacks(execute=True):
        changed = change_tags(
            ids, kind="topic", value="wells-test", add=True, user=None
        )
    assert changed == len(ids)
    assert _written() == before
    assert overlay_size() == len(ids)
    assert _total(topic=["wells-test"]) == len(ids)
    result = run_search(SearchRequest.from_querydict({"q": "opium"}))
    assert result.hits and all(
        "wells-test" in {tag.value for tag in hit.topics} for hit in result.hits
    )
    topics = next(facet for facet in result.facets if facet.name == "topic")
    counts = {value.value: value.count for value in topics.values}
    assert counts["wells-test"] == result.total
    assert check_index().ok


def test_untagging_and_retagging_show_at_once(
    indexed, django_capture_on_commit_callbacks
) -> None:
    trade = indexed.opium_trade.pk
    assert _total(country=["AF"]) == 2
    with django_capture_on_commit_callbacks(execute=True):
        change_tags([trade], kind="country", value="AF", add=False, user=None)
    assert _total(country=["AF"]) == 1
    assert _total(q="country:AF opium") == 1
    with django_capture_on_commit_callbacks(execute=True):
        change_tags([trade], kind="country", value="AF", add=True, user=None)
    assert _total(country=["AF"]) == 2
    assert check_index().ok


def test_api_and_export_show_overlaid_tags(
    indexed, analyst_client, django_capture_on_commit_callbacks
) -> None:
    Topic.objects.create(slug="wells-test", name="Wells (test)")
    seizure = indexed.opium_seizure.pk
    with django_capture_on_commit_callbacks(execute=True):
        change_tags([seizure], kind="topic", value="wells-test", add=True, user=None)
    found = analyst_client.get("/api/search", {"topic": "wells-test"}).json()
    assert [row["paragraph_id"] for row in found["results"]] == [seizure]
    assert "Wells (test)" in found["results"][0]["topics"]


def test_rebuild_clears_the_overlay(indexed, django_capture_on_commit_callbacks):
    Topic.objects.create(slug="wells-test", name="Wells (test)")
    with django_capture_on_commit_callbacks(execute=True):
        change_tags(
            [indexed.script.pk], kind="topic", value="wells-test", add=True, user=None
        )
    assert overlay_size() == 1
    rebuild_index()
    assert overlay_size() == 0
    assert _total(topic=["wells-test"]) == 1
    assert check_index().ok


# ---------------------------------------------------------------- the engine


def _doc(pk: int, *, topics: tuple[str, ...] = (), text: str = "") -> IndexDocument:
    return IndexDocument(
        paragraph_id=pk,
        article_id=pk // 10,
        position=pk % 10,
        text=text or f"Paragraph {pk} about pipelines and opium.",
        heading="",
        title=f"Article {pk // 10}",
        authors=("Ana Müller",) if pk % 2 else (),
        publication="The Review",
        year=2000 + pk % 5 if pk % 3 else None,
        date=None,
        countries=("IR",) if pk % 2 else ("AF", "TM"),
        topics=topics,
    )


class _Source:
    def __init__(self, docs: list[IndexDocument]) -> None:
        self.docs = {doc.paragraph_id: doc for doc in docs}

    def count(self) -> int:
        return len(self.docs)

    def split(self, parts: int) -> list[tuple[int, int]]:
        return [(0, 2**63 - 1)]

    def chunks(self, id_range=None):
        yield sorted(self.docs.values(), key=lambda doc: doc.paragraph_id)

    def documents(self, paragraph_ids):
        return [self.docs[pk] for pk in sorted(set(paragraph_ids)) if pk in self.docs]

    def article_documents(self, article_ids):
        wanted = set(article_ids)
        return [doc for doc in self.docs.values() if doc.article_id in wanted]


@pytest.fixture
def engine(settings, tmp_path: Path):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    backend = get_backend()
    source = _Source([_doc(pk) for pk in range(10, 50)])
    backend.rebuild(source)
    yield backend, source
    backend.close()


def _water(backend) -> set[int]:
    query = EngineQuery(filters=(("topic", ("water",)),), limit=100)
    return set(backend.matching_ids(query))


def test_fold_writes_the_overlay_into_the_index(engine) -> None:
    backend, source = engine
    tagged = [
        dataclasses.replace(source.docs[pk], topics=("water",)) for pk in (11, 12)
    ]
    backend.update_tags(tagged)
    source.docs.update({doc.paragraph_id: doc for doc in tagged})
    generation, _count = _written()
    assert overlay_size() == 2
    assert backend.fold_tags() == 2
    assert overlay_size() == 0
    assert _written()[0] > generation
    assert _water(backend) == {11, 12}
    hashes = backend.document_hashes()
    assert hashes == {pk: [doc.content_hash] for pk, doc in source.docs.items()}
    # A change after the fold goes to the overlay again, over the folded documents.
    untagged = dataclasses.replace(source.docs[11], topics=())
    backend.update_tags([untagged])
    assert _water(backend) == {12}
    assert backend.document_hashes()[11] == [untagged.content_hash]


def test_updates_fold_the_oldest_entries_past_the_bound(engine, monkeypatch) -> None:
    backend, source = engine
    monkeypatch.setattr(whoosh_tagging, "FOLD_AT", 4)
    monkeypatch.setattr(whoosh_tagging, "FOLD_CHUNK", 3)
    for start in (10, 13, 16):
        backend.update_tags(
            [
                dataclasses.replace(source.docs[pk], topics=("water",))
                for pk in range(start, start + 3)
            ]
        )
    # 3 entries; then 6, past 4, so the oldest 3 are folded; then 6 again.
    assert overlay_size() == 3
    assert _water(backend) == set(range(10, 19))


def test_an_edit_supersedes_the_overlay(engine) -> None:
    backend, source = engine
    backend.update_tags([dataclasses.replace(source.docs[20], topics=("water",))])
    edited = _doc(20, text="Rewritten about dams.", topics=("rivers",))
    backend.add_bulk([edited])
    assert overlay_size() == 0
    assert _water(backend) == set()
    assert backend.document_hashes()[20] == [edited.content_hash]


def test_other_processes_see_a_change_at_once(engine, tmp_path: Path) -> None:
    backend, source = engine
    script = (
        "import django, sys\n"
        "django.setup()\n"
        "from search.engine.base import EngineQuery, get_backend\n"
        "backend = get_backend()\n"
        "query = EngineQuery(filters=(('topic', ('water',)),))\n"
        "for _line in sys.stdin:\n"
        "    print(backend.search(query).total, flush=True)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    reader = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None

    def ask() -> int:
        reader.stdin.write("?\n")  # type: ignore[union-attr]
        reader.stdin.flush()  # type: ignore[union-attr]
        return int(reader.stdout.readline())  # type: ignore[union-attr]

    try:
        assert ask() == 0
        backend.update_tags(
            [dataclasses.replace(source.docs[pk], topics=("water",)) for pk in (30, 31)]
        )
        assert ask() == 2
        backend.update_tags([source.docs[30]])
        assert ask() == 1
        backend.fold_tags()
        assert ask() == 1
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)


def test_concurrent_tagging_edits_and_searches(engine) -> None:
    """Tag writers, an editor re-adding other paragraphs and readers at once: no
    error, no lost change, and the overlay agrees with the documents at the end."""
    backend, source = engine
    errors: list[BaseException] = []
    stop = threading.Event()

    def tagger(ids: range) -> None:
        try:
            for round_ in range(6):
                topics = ("water",) if round_ % 2 == 0 else ("dams",)
                backend.update_tags(
                    [dataclasses.replace(source.docs[pk], topics=topics) for pk in ids]
                )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def editor() -> None:
        try:
            for round_ in range(6):
                backend.add_bulk(
                    [_doc(pk, text=f"Edit {round_} of {pk}.") for pk in range(40, 45)]
                )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def reader() -> None:
        while not stop.is_set():
            try:
                backend.search(EngineQuery(text="opium", limit=5))
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
                return

    writers = [
        threading.Thread(target=tagger, args=(range(10, 20),)),
        threading.Thread(target=tagger, args=(range(20, 30),)),
        threading.Thread(target=editor),
    ]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in [*writers, *readers]:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    # The last round of each tagger set "dams".
    dams = EngineQuery(filters=(("topic", ("dams",)),), limit=100)
    assert set(backend.matching_ids(dams)) == set(range(10, 30))
    assert _water(backend) == set()
    expected = {
        **{
            pk: dataclasses.replace(source.docs[pk], topics=("dams",))
            for pk in range(10, 30)
        },
        **{pk: _doc(pk, text=f"Edit 5 of {pk}.") for pk in range(40, 45)},
    }
    hashes = backend.document_hashes()
    for pk, doc in expected.items():
        assert hashes[pk] == [doc.content_hash], pk


def test_overlay_reader_loads_what_changed_and_all_after_a_removal(
    tmp_path: Path,
) -> None:
    reader = OverlayReader(str(tmp_path))
    assert reader.load() is None
    write_entries(
        tmp_path,
        [TagEntry(1, 10, 11, ("IR",), ()), TagEntry(2, 20, 21, (), ("water",))],
    )
    assert reader.load() is not None
    write_entries(
        tmp_path, [TagEntry(2, 20, 22, ("AF",), ()), TagEntry(3, 30, 31, (), ())]
    )
    found = reader.load()
    assert found is not None
    assert found.paragraph_ids.tolist() == [1, 2, 3]
    assert found.content_hashes.tolist() == [11, 22, 31]
    assert [found.countries(i) for i in range(3)] == [("IR",), ("AF",), ()]
    assert [found.topics(i) for i in range(3)] == [(), (), ()]
    assert remove_entries(tmp_path, [1]) == 1
    after = reader.load()
    fresh = OverlayReader(str(tmp_path)).load()
    assert after is not None and fresh is not None
    for loaded in (after, fresh):
        assert loaded.paragraph_ids.tolist() == [2, 3]
        assert loaded.base_hashes.tolist() == [20, 30]
        assert [loaded.countries(i) for i in range(2)] == [("AF",), ()]
    assert after.version == fresh.version == reader.version()


def test_a_replaced_overlay_view_closes_after_its_last_read(engine) -> None:
    backend, source = engine
    backend.update_tags([dataclasses.replace(source.docs[10], topics=("water",))])
    view = current_snapshot()
    assert isinstance(view, OverlaidSnapshot) and view.enter()
    # A tag change keeps the searcher: only the overlay moved.
    backend.update_tags([dataclasses.replace(source.docs[11], topics=("water",))])
    newer = current_snapshot()
    assert newer is not view and newer.base is view.base and not view.closed
    # A commit replaces the base; the read still running keeps it open.
    backend.add_bulk([_doc(60)])
    assert _water(backend) == {10, 11}
    assert not view.closed
    view.leave()
    assert view.closed
