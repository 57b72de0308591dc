"""History, loading, the phone's filter drawer, the year chart and accessibility."""

from __future__ import annotations

import warnings
from urllib.parse import parse_qsl, urlsplit

import pytest

from search.management.commands.screenshot import is_htmx_response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
STATUS_IS_NOT = (
    "text => document.querySelector('#result-status').textContent.trim() !== text"
)


def status(page) -> str:
    return page.locator("#result-status").inner_text().strip()


def params(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


def history_length(page) -> int:
    return page.evaluate("history.length")


def type_with_pauses(page, *chunks: str) -> None:
    """Types each chunk, then pauses longer than the search box's debounce."""
    box = page.locator("#q")
    box.focus()
    for chunk in chunks:
        with page.expect_response(is_htmx_response):
            box.press_sequentially(chunk, delay=20)
        page.wait_for_timeout(150)


def test_typing_a_word_adds_one_history_entry(page) -> None:
    start = history_length(page)
    type_with_pauses(page, "sa", "nct", "ions")
    assert ("q", "sanctions") in params(page)
    assert history_length(page) == start + 1
    # Enter on what is already shown adds nothing; a facet click adds one entry.
    with page.expect_response(is_htmx_response):
        page.locator("#q").press("Enter")
    page.wait_for_timeout(150)
    assert history_length(page) == start + 1
    before = status(page)
    with page.expect_response(is_htmx_response):
        page.locator("#facet-country a.facet-value").first.click()
    page.wait_for_function(STATUS_IS_NOT, arg=before)
    assert history_length(page) == start + 2
    page.go_back()
    page.wait_for_function("() => !location.search.includes('country=')")
    assert params(page) == [("q", "sanctions")]
    page.go_back()
    page.wait_for_function("() => location.search === ''")


def test_loading_dims_the_results_and_the_newest_request_wins(
    browser, live_server, seeded, reader_user, credentials
) -> None:
    from search.management.commands.screenshot import VIEWPORT, log_in

    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    log_in(
        page, base_url=live_server.url, username=credentials[0], password=credentials[1]
    )
    held = []

    def hold_opium(route) -> None:
        query = dict(parse_qsl(urlsplit(route.request.url).query))
        if route.request.headers.get("hx-request") and query.get("q") == "opium":
            held.append(route)
        else:
            route.continue_()

    page.route("**/?*", hold_opium)
    box = page.locator("#q")
    box.focus()
    box.press_sequentially("opium", delay=20)
    page.wait_for_timeout(500)
    assert held, "the first search should be in flight"
    region = page.locator("#results-region")
    assert "is-loading" in region.get_attribute("class")
    # The indicator fades in after 200 ms.
    page.wait_for_function(
        "() => getComputedStyle(document.getElementById('search-indicator'))"
        ".opacity === '1'",
        timeout=2000,
    )
    with page.expect_response(is_htmx_response):
        box.press_sequentially(" border", delay=20)
    page.wait_for_function(
        "() => document.querySelector('[data-search-q]').dataset.searchQ"
        " === 'opium border'"
    )
    # The older request, answered late, never replaces the newer results.
    held[0].continue_()
    page.wait_for_timeout(400)
    state = page.locator("[data-search-q]").get_attribute("data-search-q")
    assert state == box.input_value() == "opium border"
    assert "is-loading" not in region.get_attribute("class")
    context.close()
    # htmx reports the held request, aborted by the newer one, as a failed send.
    assert [error for error in errors if not error.startswith("htmx:")] == []


def test_phone_filter_drawer_shows_the_new_count(page, screenshots) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/?q=Iran")
    facets = page.locator("#facets")
    assert not facets.is_visible()
    page.locator("a.filters-jump").click()
    assert facets.is_visible()
    box = facets.bounding_box()
    assert box["y"] == 0 and box["height"] >= PHONE["height"] - 1
    page.screenshot(path=str(screenshots / "search-phone-drawer.png"), caret="initial")
    before = status(page)
    with page.expect_response(is_htmx_response):
        facets.locator("#facet-country a.facet-value").nth(1).click()
    page.wait_for_function(STATUS_IS_NOT, arg=before)
    done = page.locator("a.drawer-done")
    assert facets.is_visible(), "the drawer stays open after a tap"
    count = status(page).split()[0]
    assert done.inner_text() == f"Show {count} results"
    bar = done.bounding_box()
    assert bar["y"] >= 0 and bar["y"] + bar["height"] <= PHONE["height"]
    done.click()
    assert not facets.is_visible()
    assert page.locator(".hit").first.is_visible()
    page.screenshot(path=str(screenshots / "search-phone.png"), caret="initial")


def test_year_bar_filters_to_its_year(page, screenshots) -> None:
    page.goto("/?q=security&country=IR")
    bar = page.locator("#facet-year svg.year-chart a").first
    year = bar.get_attribute("data-focus-key").split(":")[1]
    before = status(page)
    with page.expect_response(is_htmx_response):
        bar.click()
    page.wait_for_function(STATUS_IS_NOT, arg=before)
    assert ("year", year) in params(page)
    assert page.locator(".chip", has_text=year).count() == 1
    page.screenshot(path=str(screenshots / "search-desktop.png"), caret="initial")


@pytest.mark.parametrize(
    "path",
    [
        "/",  # the search page
        "/?q=Iran&country=RU&topic=sanctions",  # a filtered results page
        "reader",  # the reader, with the query marked
        "login",  # the log-in page, logged out
    ],
)
def test_pages_have_no_serious_accessibility_violations(
    browser, live_server, seeded, reader_user, credentials, path
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from corpus.models import Article
    from search.management.commands.screenshot import VIEWPORT, log_in

    # axe-core styles the elements it measures; the page's CSP would block that.
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, bypass_csp=True
    )
    tab = context.new_page()
    if path == "login":
        tab.goto("/accounts/login/")
    else:
        username, password = credentials
        log_in(tab, base_url=live_server.url, username=username, password=password)
    if path == "reader":
        article = Article.objects.order_by("pk").first()
        tab.goto(f"/articles/{article.pk}/?q=Iran#p-3")
    elif path != "login":
        tab.goto(path)
    results = Axe().run(tab)
    context.close()
    violations = results.response["violations"]
    moderate = [v["id"] for v in violations if v["impact"] in ("moderate", "minor")]
    if moderate:
        # Listed in pytest's warnings summary, where a run shows them without -s.
        warnings.warn(f"axe-core on {path}: {moderate}", stacklevel=1)
    serious = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_country_filter_box_finds_turkiye_by_other_names(page) -> None:
    box = page.locator("#facet-country-filter")
    box.wait_for(state="visible")
    for typed in ("Turkey", "turkiye"):
        box.fill(typed)
        visible = page.locator("#facet-country .facet-values > li:visible .facet-label")
        visible.first.wait_for()
        assert visible.all_inner_texts() == ["Türkiye"]


def test_audit_log_table_is_not_under_the_filter_panel(admin_page, screenshots) -> None:
    from corpus.models import Paragraph, TagChange

    paragraph = Paragraph.objects.order_by("pk").first()
    TagChange.objects.create(
        paragraph=paragraph,
        kind="country",
        value="IR",
        before="auto",
        after="rejected",
        # A long unbroken token (a file path) cannot wrap.
        note="retag of ../shared/library/2016/"
        "iran-turkmenistan-security-partner-central-asia.txt",
    )
    admin_page.goto("/admin/corpus/tagchange/")
    admin_page.screenshot(path=str(screenshots / "audit-log.png"), caret="initial")
    table = admin_page.locator("#result_list").bounding_box()
    panel = admin_page.locator("#changelist-filter").bounding_box()
    assert table["x"] + table["width"] <= panel["x"] + 1
    assert admin_page.locator("#site-name").inner_text() == "Refdesk administration"


def test_filter_box_of_a_truncated_list_fetches_the_rest(page) -> None:
    hidden = page.locator("#facet-topic a[data-truncated]")
    assert hidden.count() == 1
    shown = set(page.locator("#facet-topic .facet-label").all_inner_texts())
    box = page.locator("#facet-topic-filter")
    box.wait_for(state="visible")
    with page.expect_response(is_htmx_response):
        box.press_sequentially("wat", delay=20)
    label = page.locator("#facet-topic .facet-values > li:visible .facet-label")
    label.first.wait_for()
    assert label.all_inner_texts() == ["Water"]
    assert "Water" not in shown
    assert ("more", "topic") in params(page)
    assert box.input_value() == "wat"
    assert page.evaluate("document.activeElement.id") == "facet-topic-filter"
