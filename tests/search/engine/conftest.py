from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.engine.typesense.cluster import (
    Cluster,
    ClusterError,
    restart_node,
    start_cluster,
    stop_cluster,
    wait_healthy,
)


@pytest.fixture(scope="session")
def typesense_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One real three-node cluster for the whole session, in a temp dir, on ports
    of its own (so it never meets `make typesense`'s cluster)."""
    root: Path = tmp_path_factory.mktemp("typesense")
    try:
        cluster = start_cluster(root=root)
    except ClusterError as exc:
        stop_cluster(root=root)
        if os.environ.get("CI") == "true":
            pytest.fail(f"The Typesense cluster did not start: {exc}")
        pytest.skip(f"The Typesense cluster did not start: {exc}")
    try:
        yield cluster
    finally:
        stop_cluster(root=root)


@pytest.fixture
def healthy_cluster(typesense_cluster: Cluster) -> Iterator[Cluster]:
    """The session's cluster with every node up, and up again after the test
    (fault tests kill nodes)."""
    wait_healthy(typesense_cluster)
    yield typesense_cluster
    for node in typesense_cluster.nodes:
        restart_node(typesense_cluster, node.number)
    wait_healthy(typesense_cluster)


@pytest.fixture
def typesense_settings(settings, healthy_cluster: Cluster) -> Iterator[Cluster]:
    """Settings that point the app at the cluster, under an alias of this test's
    own, dropped afterwards."""
    from search.engine.typesense.backend import backend_for_settings

    settings.SEARCH_BACKEND = "typesense"
    settings.TYPESENSE_NODES = ",".join(healthy_cluster.urls)
    settings.TYPESENSE_API_KEY = healthy_cluster.api_key
    settings.TYPESENSE_COLLECTION = f"t{uuid.uuid4().hex[:12]}"
    yield healthy_cluster
    for node in healthy_cluster.nodes:
        restart_node(healthy_cluster, node.number)
    wait_healthy(healthy_cluster)
    backend = backend_for_settings()
    backend.drop_everything()
    backend.close()
