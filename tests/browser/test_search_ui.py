from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from search.management.commands.screenshot import is_htmx_response, log_in, select_facet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPIUM_ARTICLE = "Has Iran Finally Found a Security Partner in Central Asia?"


def status(page) -> str:
    return page.locator("#result-status").inner_text().strip()


def total(page) -> int:
    return int(re.sub(r"[^0-9]", "", status(page).split(" in ")[0]))


def params(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


STATUS_IS = (
    "text => document.querySelector('#result-status').textContent.trim() === text"
)
STATUS_IS_NOT = (
    "text => document.querySelector('#result-status').textContent.trim() !== text"
)


def mark_window(page) -> None:
    """A marker that only survives if the page is never fully reloaded."""
    page.evaluate("window.__refdeskMarker = 'still here'")


def window_survived(page) -> bool:
    return page.evaluate("window.__refdeskMarker === 'still here'")


def test_typing_a_query_updates_results_without_a_page_load(page) -> None:
    mark_window(page)
    before = status(page)
    box = page.locator("#q")
    with page.expect_response(is_htmx_response):
        box.press_sequentially("opium", delay=30)
    page.wait_for_function(STATUS_IS_NOT, arg=before)
    assert window_survived(page)
    assert ("q", "opium") in params(page)
    assert page.evaluate("document.activeElement.id") == "q"
    assert box.input_value() == "opium"
    assert page.title() == "“opium” · Refdesk search"
    first_title = page.locator(".hit .hit-title a").first.inner_text()
    assert first_title == OPIUM_ARTICLE
    assert page.locator(".hit .snippet mark").first.inner_text().lower() == "opium"


def test_facets_or_within_and_across_and_back_restores(page, screenshots) -> None:
    mark_window(page)
    everything = total(page)
    select_facet(page, label="Iran")
    iran_only = total(page)
    assert params(page) == [("country", "IR")]
    assert iran_only < everything
    iran_status = status(page)

    select_facet(page, label="Russia")
    both = total(page)
    assert sorted(params(page)) == [("country", "IR"), ("country", "RU")]
    assert both > iran_only
    for hit in page.locator(".hit").all()[:10]:
        countries = hit.locator(".tag-country").all_inner_texts()
        assert any("Iran" in name or "Russia" in name for name in countries)
    both_status = status(page)

    select_facet(page, label="2016")
    assert sorted(params(page)) == [
        ("country", "IR"),
        ("country", "RU"),
        ("year", "2016"),
    ]
    assert total(page) < both
    assert page.locator(".chips a.chip").count() == 3
    assert window_survived(page)
    three_filters = page.url

    page.go_back()
    page.wait_for_function(STATUS_IS, arg=both_status)
    assert sorted(params(page)) == [("country", "IR"), ("country", "RU")]
    page.go_back()
    page.wait_for_function(STATUS_IS, arg=iran_status)
    assert params(page) == [("country", "IR")]
    selected = page.locator(
        "#facet-country a.facet-value.is-selected"
    ).all_inner_texts()
    assert len(selected) == 1 and "Iran" in selected[0]
    assert window_survived(page)
    # Last: a full-page screenshot leaves inline styles that the CSP then reports.
    page.goto(three_filters)
    page.screenshot(path=str(screenshots / "search.png"), full_page=True)


def test_removing_a_chip_and_clear_all(page) -> None:
    select_facet(page, label="Iran")
    select_facet(page, label="Afghanistan")
    with page.expect_response(is_htmx_response):
        page.locator(".chips a.chip", has_text="Iran").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.chips a.chip').length === 1"
    )
    assert params(page) == [("country", "AF")]
    with page.expect_response(is_htmx_response):
        page.locator(".chips a.chip-clear").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.chips a.chip').length === 0"
    )
    assert status(page).startswith("Browsing all")


def test_result_opens_reader_on_highlighted_paragraph_with_cite_box(
    page, screenshots
) -> None:
    page.goto("/?q=opium")
    first = page.locator(".hit .hit-title a").first
    href = first.get_attribute("href")
    anchor = href.split("#")[1]
    first.click()
    page.wait_for_url(re.compile(r"/articles/\d+/"))
    target = page.locator(":target")
    assert target.get_attribute("id") == anchor
    assert target.locator("mark").first.inner_text().lower() == "opium"
    background = target.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    position = anchor.removeprefix("p-")
    with page.expect_response(is_htmx_response):
        target.locator("a.cite-link").click()
    cite = page.locator(f"#cite-{position} .cite-box")
    cite.wait_for()
    assert f"para. {position}" in cite.locator(".cite-text").inner_text()
    assert cite.locator("pre").first.inner_text().startswith("@misc{")
    assert page.url.endswith(f"#{anchor}")
    page.screenshot(path=str(screenshots / "reader.png"))


def test_show_context_loads_neighbouring_paragraphs_in_place(page) -> None:
    page.goto("/?q=opium")
    mark_window(page)
    hit = page.locator(".hit").first
    with page.expect_response(is_htmx_response):
        hit.locator("a.context-link").click()
    hit.locator(".context .context-paragraph.is-match").wait_for()
    assert hit.locator(".context-paragraph").count() >= 2
    assert window_survived(page)
    assert "/articles/" not in urlsplit(page.url).path


def test_keyboard_facet_toggle_keeps_focus_on_that_value(page) -> None:
    link = page.locator("#facet-country a.facet-value").first
    key = link.get_attribute("data-focus-key")
    link.focus()
    with page.expect_response(is_htmx_response):
        page.keyboard.press("Enter")
    page.wait_for_function(
        "key => document.activeElement.dataset.focusKey === key", arg=key
    )
    assert "is-selected" in page.evaluate("document.activeElement.className")


def test_slash_focuses_the_search_box(page) -> None:
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_facet_filter_box_narrows_a_long_list(page) -> None:
    box = page.locator("#facet-country-filter")
    box.wait_for(state="visible")
    box.fill("turk")
    visible = page.locator("#facet-country .facet-values > li:visible .facet-label")
    labels = visible.all_inner_texts()
    assert labels and all("turk" in label.lower() for label in labels)


def test_without_javascript_the_same_search_works_by_plain_submission(
    no_js_page, credentials
) -> None:
    page = no_js_page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(credentials[0])
    page.get_by_label("Password").fill(credentials[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.locator("#q").fill("opium")
    with page.expect_navigation():
        page.locator("#search-form button[type=submit]").click()
    assert ("q", "opium") in params(page)
    assert page.locator(".hit .hit-title a").first.inner_text() == OPIUM_ARTICLE
    with page.expect_navigation():
        page.locator("#facet-country a.facet-value", has_text="Iran").first.click()
    assert sorted(params(page)) == [("country", "IR"), ("q", "opium")]
    with page.expect_navigation():
        page.locator("form.sort-form button[type=submit]").click()
    assert ("q", "opium") in params(page)


def test_log_in_helper_lands_on_search(
    browser, live_server, seeded, reader_user, credentials
) -> None:
    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    username, password = credentials
    log_in(tab, base_url=live_server.url, username=username, password=password)
    assert tab.locator("#search-form").count() == 1
    context.close()
