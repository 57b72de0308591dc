"""The backends the contract in ``contract.py`` runs against.

A new backend is one more entry in ``BACKENDS``: a function that points the
settings at a fresh, empty index of that backend (skipping with a message when
the backend's server is not there) and returns ``get_backend()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from search.engine.base import SearchBackend, get_backend


def _whoosh(settings: Any, tmp_path: Path) -> SearchBackend:
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    return get_backend()


BACKENDS: dict[str, Callable[[Any, Path], SearchBackend]] = {
    "whoosh": _whoosh,
}


@pytest.fixture(params=sorted(BACKENDS))
def empty_backend(request, settings, tmp_path: Path) -> Iterator[SearchBackend]:
    """A backend with no index yet."""
    backend = BACKENDS[request.param](settings, tmp_path)
    yield backend
    backend.close()
