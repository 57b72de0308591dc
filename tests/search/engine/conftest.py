"""The backends the contract in ``contract.py`` runs against.

A new backend is one more entry in ``BACKENDS``: a function that points the
settings at a fresh, empty index of that backend (skipping with a message when
the backend's server is not there) and returns ``get_backend()``.

The Typesense leg runs against one real three-node cluster that the session
starts in a temporary directory and stops at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from search.engine.base import SearchBackend, get_backend
from search.engine.typesense.cluster import (
    Cluster,
    ClusterError,
    restart_node,
    start_cluster,
    stop_cluster,
    wait_healthy,
)


def _whoosh(
    request: pytest.FixtureRequest, settings: Any, tmp_path: Path
) -> SearchBackend:
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    return get_backend()


def _typesense(
    request: pytest.FixtureRequest, settings: Any, tmp_path: Path
) -> SearchBackend:
    # The session's cluster, under an alias of this test's own.
    request.getfixturevalue("typesense_settings")
    return get_backend()


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Any, Path], SearchBackend]] = {
    "whoosh": _whoosh,
    "typesense": _typesense,
}


@pytest.fixture(params=sorted(BACKENDS))
def empty_backend(request, settings, tmp_path: Path) -> Iterator[SearchBackend]:
    """A backend with no index yet."""
    backend = BACKENDS[request.param](request, settings, tmp_path)
    yield backend
    backend.close()


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
