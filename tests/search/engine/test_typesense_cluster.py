"""The Typesense backend on the session's real three-node cluster: what differs
from the embedded engine (the cluster, the alias switch, the env file). What both
backends share is checked by the contract suite."""

from __future__ import annotations

import pytest

from search.documents import DatabaseSource, iter_document_chunks
from search.engine.base import EngineQuery
from search.engine.typesense.backend import backend_for_settings
from search.engine.typesense.cluster import Cluster, node_health

pytestmark = pytest.mark.django_db


_source = DatabaseSource()


def test_cluster_env_file_points_every_command_at_the_cluster(
    typesense_cluster: Cluster,
) -> None:
    lines = (typesense_cluster.root / "env").read_text().splitlines()
    assert lines == [
        "SEARCH_BACKEND=typesense",
        f"TYPESENSE_NODES={','.join(typesense_cluster.urls)}",
        f"TYPESENSE_API_KEY={typesense_cluster.api_key}",
    ]
    assert len(typesense_cluster.urls) == 3


def test_cluster_has_one_leader_and_three_healthy_nodes(
    healthy_cluster: Cluster,
) -> None:
    states = [node_health(healthy_cluster, n.number) for n in healthy_cluster.nodes]
    assert all(state["ok"] for state in states)
    assert sum(bool(state["leader"]) for state in states) == 1


def test_typesense_rebuild_switches_alias_and_drops_old_collection(
    library, typesense_settings
) -> None:
    backend = backend_for_settings()
    first = backend.rebuild(_source)
    second = backend.rebuild(_source)
    collections = {c["name"] for c in backend.client().collections.retrieve()}
    assert second.directory in collections
    assert first.directory not in collections
    alias = backend.client().aliases[backend.alias].retrieve()
    assert alias["collection_name"] == second.directory
    assert backend.search(EngineQuery()).total == first.documents


def test_typesense_write_during_rebuild_reaches_the_new_collection(
    library, typesense_settings
) -> None:
    backend = backend_for_settings()
    backend.rebuild(_source)
    paragraph = library.sanctions
    written = []

    class EditingSource(DatabaseSource):
        def chunks(self, id_range=None):
            for chunk in iter_document_chunks(id_range=id_range):
                if not written:
                    # An editor's change lands while the rebuild is reading.
                    paragraph.text = "Zanzibar cloves tariff"
                    paragraph.save()
                    written.append(backend.add_bulk(self.documents([paragraph.pk])))
                yield chunk

    backend.rebuild(EditingSource())
    found = backend.search(EngineQuery(text="zanzibar"))
    assert [hit.paragraph_id for hit in found.hits] == [paragraph.pk]


def test_typesense_status_lists_nodes_and_documents(
    library, typesense_settings
) -> None:
    backend = backend_for_settings()
    assert backend.status()["status"] == "missing"
    report = backend.rebuild(_source)
    status = backend.status()
    assert status["status"] == "ok"
    assert status["documents"] == report.documents
    assert sorted(status["nodes"]) == sorted(typesense_settings.urls)
    assert status["down"] == []


def test_typesense_did_you_mean_comes_from_typo_tolerance(
    library, typesense_settings
) -> None:
    backend = backend_for_settings()
    backend.rebuild(_source)
    assert backend.suggest(EngineQuery(text="sanctoins")) == "sanctions"
    assert backend.suggest(EngineQuery(text="sanctions")) is None
