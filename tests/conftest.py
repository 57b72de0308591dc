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


def _register_hypothesis_profiles() -> None:
    import os

    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    common = {
        "deadline": None,
        "suppress_health_check": [
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
        "derandomize": False,
    }
    # CI runs 550 examples for each of the four properties (2,200 in all);
    # `make nightly` runs many more.
    hypothesis_settings.register_profile("ci", max_examples=550, **common)
    hypothesis_settings.register_profile("nightly", max_examples=4000, **common)
    hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_register_hypothesis_profiles()


REFERENCE_DATA = (
    ("corpus.migrations.0002_load_countries", "load_countries"),
    ("corpus.migrations.0003_seed_country_aliases", "seed_aliases"),
    ("corpus.migrations.0004_seed_topics", "seed_topics"),
)


@pytest.fixture
def reference_data(transactional_db) -> None:
    """Reload what the data migrations put in.

    A transactional test's flush empties every table, countries and topics included,
    so transactional tests that need them ask for this. Each loader is idempotent.
    """
    import importlib

    from django.apps import apps

    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def seeded_index(db, seeds_dir: Path):
    """The four seed articles ingested and indexed in this test's index directory."""
    from corpus.ingest import ingest_paths
    from search.index import rebuild_index

    ingest_paths([seeds_dir], update_index=False)
    rebuild_index()
    return seeds_dir
