"""Node loss on the real three-node cluster, through the app's own paths: the
editor's service, the index updates it schedules, the search page, /healthz and
check_index. Each test leaves every node running again (``healthy_cluster``)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from corpus import services
from corpus.models import ParagraphCountry
from search.engine.base import BackendError, EngineQuery, get_backend
from search.engine.typesense.backend import TypesenseBackend
from search.engine.typesense.cluster import (
    Cluster,
    kill_node,
    node_health,
    restart_node,
    wait_healthy,
)
from search.index import check_index, rebuild_index

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

COUNTRY = (("country", ("TM",)),)


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        username="editor", password="editor-pass-123", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def _leader(cluster: Cluster) -> int:
    for node in cluster.nodes:
        if node_health(cluster, node.number)["leader"]:
            return node.number
    raise AssertionError("the cluster has no leader")


def _tagged(backend: object) -> set[int]:
    result = backend.search(EngineQuery(filters=COUNTRY, limit=50))
    return {hit.paragraph_id for hit in result.hits}


def _eventually(check, *, timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except BackendError:
            pass
        time.sleep(0.25)
    return False


def test_typesense_one_node_lost_search_answers_edit_shows_node_catches_up(
    library, editor, typesense_settings, django_capture_on_commit_callbacks
) -> None:
    cluster = typesense_settings
    rebuild_index()
    backend = get_backend()
    before = backend.search(EngineQuery(text="opium")).total
    assert before > 0
    # The leader is the worst node to lose: writes wait for a new election.
    lost = _leader(cluster)
    kill_node(cluster, lost)

    assert backend.search(EngineQuery(text="opium")).total == before
    paragraph = library.sanctions.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.change_tags(
            [paragraph], kind="country", value="TM", add=True, user=editor
        )
    assert paragraph in _tagged(backend)

    restart_node(cluster, lost)
    wait_healthy(cluster)
    alone = TypesenseBackend(
        nodes=(cluster.nodes[lost - 1].url,),
        api_key=cluster.api_key,
        collection=backend.alias,
    )
    # The returning node rejoins and serves searches.
    assert _eventually(lambda: alone.search(EngineQuery(text="opium")).total > 0)
    # It replays its Raft log (no snapshot yet) and gets the edit it missed.
    assert _eventually(lambda: paragraph in _tagged(alone), timeout=30)
    # Its whole copy matches the cluster's, not only the edited paragraph.
    assert alone.document_hashes() == backend.document_hashes()


def test_typesense_two_nodes_lost_page_says_unavailable_and_repair_restores(
    library,
    editor,
    analyst_client,
    settings,
    typesense_settings,
    django_capture_on_commit_callbacks,
) -> None:
    cluster = typesense_settings
    rebuild_index()
    # Writes give up after a second instead of waiting for an election.
    settings.TYPESENSE_WRITE_WAIT = 1.0
    backend = get_backend()
    survivor = _leader(cluster)
    lost = [n.number for n in cluster.nodes if n.number != survivor]
    for number in lost:
        kill_node(cluster, number)

    # Without a quorum the survivor soon refuses to answer.
    assert _eventually(lambda: not node_health(cluster, survivor)["ok"])
    response = analyst_client.get(reverse("search:search"), {"q": "opium"})
    assert response.status_code == 200
    assert "Search is unavailable" in response.content.decode()
    health = analyst_client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert sorted(health["index"]["down"]) == sorted(
        cluster.nodes[n - 1].url for n in lost
    )

    paragraph = library.sanctions.pk
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.change_tags(
            [paragraph], kind="country", value="TM", add=True, user=editor
        )
    assert changed == 1
    assert ParagraphCountry.objects.filter(
        paragraph_id=paragraph, country__code="TM"
    ).exists()

    for number in lost:
        restart_node(cluster, number)
    wait_healthy(cluster)
    # The refused update is not replayed when the quorum returns: check_index
    # finds it and --repair applies it from the database.
    drift = check_index()
    assert paragraph in drift.stale
    assert paragraph not in _tagged(backend)
    with pytest.raises(CommandError):
        call_command("check_index", "--repair")
    assert paragraph in _tagged(backend)
    assert check_index().ok
