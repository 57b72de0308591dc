from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT / "seeds"


@pytest.fixture(autouse=True)
def _isolated_paths(settings, tmp_path: Path) -> None:
    """Every test gets its own empty search index directory."""
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    settings.SEEDS_DIR = SEEDS_DIR


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def analyst(django_user_model):
    return django_user_model.objects.create_user(
        username="analyst", password="analyst-pass-123"
    )


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client
