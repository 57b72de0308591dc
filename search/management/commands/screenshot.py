"""Take a screenshot of the search page with facets selected, for the README.

Usage, with the development server running (``make run``):

    python manage.py screenshot                      # or: make screenshot
    python manage.py screenshot --base-url http://127.0.0.1:8000 \
        --username admin --password '...' --facet Iran --facet Russia \
        --output docs/search.png

The account defaults to the one ``make run`` created (``var/admin-password.txt``);
REFDESK_USERNAME and REFDESK_PASSWORD override it.

It drives the same headless Chromium set-up as the browser tests: it logs in through
the real log-in form, clicks the named facet values in the sidebar one by one (each
click is an htmx swap) and saves a PNG of the window.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, ViewportSize

CHROMIUM_PATH = Path("/usr/bin/chromium")
# Headless Chromium in containers and CI: no sandbox, GPU or background traffic.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 960}
DEFAULT_QUERY = "security"
DEFAULT_FACETS = ("Iran", "Russia")


def saved_admin() -> tuple[str, str]:
    """The account that ``make run`` created, if its password file is there."""
    password_file = Path(settings.VAR_DIR) / "admin-password.txt"
    try:
        username, password = password_file.read_text().split()[:2]
    except (OSError, ValueError):
        return "admin", ""
    return username, password


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; Playwright's own browser downloads are not used."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH), headless=True, args=list(CHROMIUM_ARGS)
    )


def log_in(page: Page, *, base_url: str, username: str, password: str) -> None:
    """Log in through the real form and wait for the search page."""
    page.goto(f"{base_url.rstrip('/')}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#search-form", timeout=15_000)


class Command(BaseCommand):
    help = (
        "Save a screenshot of the search page with facets selected (docs/search.png)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--username", default=os.environ.get("REFDESK_USERNAME", "admin")
        )
        parser.add_argument(
            "--password",
            default=os.environ.get("REFDESK_PASSWORD", ""),
            help="Defaults to the REFDESK_PASSWORD environment variable.",
        )
        parser.add_argument(
            "--query",
            default=DEFAULT_QUERY,
            help=f"Text typed into the search box (default: {DEFAULT_QUERY!r}).",
        )
        parser.add_argument(
            "--facet",
            action="append",
            default=[],
            help="A facet value label to tick, e.g. Iran (repeatable; default: "
            + " and ".join(DEFAULT_FACETS)
            + ").",
        )
        parser.add_argument("--output", type=Path, default=Path("docs/search.png"))

    def handle(self, *args: Any, **options: Any) -> None:
        if not CHROMIUM_PATH.exists():
            raise CommandError("Chromium not installed: apt-get install chromium")
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright

        output: Path = options["output"]
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_page(viewport=VIEWPORT)
                log_in(
                    page,
                    base_url=options["base_url"],
                    username=options["username"],
                    password=options["password"],
                )
                if options["query"]:
                    with page.expect_response(is_htmx_response):
                        page.locator("#q").fill(options["query"])
                for label in options["facet"] or DEFAULT_FACETS:
                    select_facet(page, label=label)
                page.mouse.move(0, 0)
                page.screenshot(path=str(output))
                browser.close()
        except PlaywrightError as error:
            raise CommandError(f"Browser step failed: {error}") from error
        self.stdout.write(f"Wrote {output}")


def select_facet(page: Page, *, label: str) -> None:
    """Tick the unticked facet value called ``label``; wait for the swapped results."""
    link = page.locator("a.facet-value:not(.is-selected)").filter(
        has=page.locator(".facet-label", has_text=label)
    )
    if link.count() == 0:
        raise CommandError(f"No facet value labelled {label!r} to select.")
    target = link.first
    if not target.is_visible():
        # Long lists keep the rest under "show more".
        target.evaluate("element => element.closest('details').open = true")
    with page.expect_response(is_htmx_response):
        target.click()
    page.wait_for_selector(f"a.facet-value.is-selected:has-text({label!r})")


def is_htmx_response(response: Any) -> bool:
    return response.request.headers.get("hx-request") == "true"
