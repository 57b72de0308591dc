"""get_backend() reads SEARCH_BACKEND when called and builds nothing at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from search.engine.base import BackendError, SearchBackend, get_backend

ROOT = Path(__file__).resolve().parents[3]


def test_base_get_backend_defaults_to_whoosh(settings) -> None:
    settings.SEARCH_BACKEND = ""
    backend = get_backend()
    assert backend.name == "whoosh"
    assert isinstance(backend, SearchBackend)


def test_base_get_backend_reads_the_setting_at_call_time(settings) -> None:
    settings.SEARCH_BACKEND = "whoosh"
    assert get_backend().name == "whoosh"
    settings.SEARCH_BACKEND = "no-such-engine"
    with pytest.raises(BackendError, match="no-such-engine"):
        get_backend()


def test_base_import_loads_no_backend() -> None:
    code = (
        "import sys, django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup();"
        "import search.query, search.index, search.views, search.api;"
        "print(sorted(m for m in sys.modules if m.startswith('search.engine.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['search.engine.base']"
