from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.management.commands.screenshot import (
    CHROMIUM_PATH,
    VIEWPORT,
    launch_chromium,
    log_in,
)

# Playwright's sync API runs an event loop in this thread; Django refuses database
# access from a thread with a running loop unless told that it is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
USERNAME = "reader"
EDITOR_USERNAME = "editor"
ADMIN_USERNAME = "boss"
PASSWORD = "reader-pass-123"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM_PATH.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: apt-get install chromium")
        pytest.skip("Chromium not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def seeded(transactional_db, reference_data, seeds_dir: Path) -> None:
    from corpus.ingest import ingest_paths
    from search.index import rebuild_index

    ingest_paths(sorted(seeds_dir.glob("*.txt")), update_index=False)
    rebuild_index()


@pytest.fixture
def reader_user(transactional_db, django_user_model):
    return django_user_model.objects.create_user(username=USERNAME, password=PASSWORD)


@pytest.fixture
def credentials() -> tuple[str, str]:
    return USERNAME, PASSWORD


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def editor_user(transactional_db, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username=EDITOR_USERNAME, password=PASSWORD
    )
    user.groups.add(Group.objects.get_or_create(name="Editors")[0])
    return user


def _logged_in_tab(browser, live_server, *, username: str) -> Iterator[object]:
    """A logged-in page: the log-in goes through the real form."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    log_in(tab, base_url=live_server.url, username=username, password=PASSWORD)
    yield tab
    context.close()
    # A CSP violation or a script error shows up here.
    assert errors == []


@pytest.fixture
def page(browser, live_server, seeded, reader_user) -> Iterator[object]:
    yield from _logged_in_tab(browser, live_server, username=USERNAME)


@pytest.fixture
def editor_page(browser, live_server, seeded, editor_user) -> Iterator[object]:
    yield from _logged_in_tab(browser, live_server, username=EDITOR_USERNAME)


@pytest.fixture
def admin_page(browser, live_server, seeded, django_user_model) -> Iterator[object]:
    django_user_model.objects.create_superuser(
        username=ADMIN_USERNAME, email="admin@example.org", password=PASSWORD
    )
    yield from _logged_in_tab(browser, live_server, username=ADMIN_USERNAME)


@pytest.fixture
def no_js_page(browser, live_server, seeded, reader_user) -> Iterator[object]:
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
