from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from search.management.commands.screenshot import is_htmx_response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUS_IS_NOT = (
    "text => document.querySelector('#result-status').textContent.trim() !== text"
)


def status(page) -> str:
    return page.locator("#result-status").inner_text().strip()


def url_q(page) -> str:
    return dict(parse_qsl(urlsplit(page.url).query)).get("q", "")


def click_and_wait(page, locator) -> None:
    before = status(page)
    with page.expect_response(is_htmx_response):
        locator.click()
    page.wait_for_function(STATUS_IS_NOT, arg=before)


def test_did_you_mean_puts_the_suggestion_in_the_search_box(page) -> None:
    page.goto("/?q=afganistan&verbatim=1")
    click_and_wait(page, page.locator(".suggestion a"))
    assert url_q(page) == "afghanistan"
    assert page.locator("#q").input_value() == "afghanistan"


def test_browse_the_whole_library_empties_the_search_box(page) -> None:
    page.goto("/?q=afganistan&verbatim=1")
    click_and_wait(page, page.get_by_role("link", name="Browse the whole library"))
    assert url_q(page) == ""
    assert page.locator("#q").input_value() == ""


def test_typing_after_a_suggestion_sends_the_corrected_query(page) -> None:
    page.goto("/?q=afganistan&verbatim=1")
    click_and_wait(page, page.locator(".suggestion a"))
    box = page.locator("#q")
    box.focus()
    box.press("End")
    with page.expect_response(is_htmx_response) as response:
        box.press_sequentially(" opium", delay=30)
    assert ("q", "afghanistan opium") in parse_qsl(urlsplit(response.value.url).query)


def test_typing_keeps_what_the_user_typed_including_a_trailing_space(page) -> None:
    box = page.locator("#q")
    box.focus()
    with page.expect_response(is_htmx_response):
        box.press_sequentially("opium ", delay=30)
    page.wait_for_timeout(300)
    assert box.input_value() == "opium "
    assert page.evaluate("document.activeElement.id") == "q"


def test_enter_sends_one_request(page) -> None:
    searches: list[str] = []
    page.on(
        "request",
        lambda request: (
            searches.append(request.url)
            if request.headers.get("hx-request") == "true"
            else None
        ),
    )
    box = page.locator("#q")
    box.focus()
    with page.expect_response(is_htmx_response):
        box.press_sequentially("opium", delay=20)
        box.press("Enter")
    # Longer than the typing debounce, so a late second request would show up.
    page.wait_for_timeout(700)
    assert len(searches) == 1
    assert ("q", "opium") in parse_qsl(urlsplit(searches[0]).query)
