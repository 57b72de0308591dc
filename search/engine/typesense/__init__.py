"""The Typesense backend: a Raft cluster shared by several web hosts.

``create_backend()`` is what ``search.engine.base.get_backend`` calls for
``SEARCH_BACKEND=typesense``; the client library is imported only then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.engine.typesense.backend import TypesenseBackend


def create_backend() -> TypesenseBackend:
    from search.engine.typesense.backend import backend_for_settings

    return backend_for_settings()
