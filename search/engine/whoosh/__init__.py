"""The embedded Whoosh backend (``SEARCH_BACKEND=whoosh``, the default)."""

from __future__ import annotations

from search.engine.whoosh.backend import WhooshBackend, create_backend

__all__ = ["WhooshBackend", "create_backend"]
