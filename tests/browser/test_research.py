from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_collect_reorder_export_and_save_a_watch(page, screenshots) -> None:
    page.goto("/?q=opium")
    page.locator("#research-menu summary").click()
    page.locator("#collect-all-link").click()
    counted = page.locator("#count-first").inner_text()
    assert "paragraph" in counted
    page.fill("#target-new", "Opium brief")
    page.locator("#collect-results-form button[type=submit]").click()
    page.wait_for_url("**/collections/*/")
    items = page.locator(".collection-item")
    assert items.count() >= 2
    second = items.nth(1).get_attribute("data-paragraph")
    # htmx enhances the plain form: the move is an in-page request.
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        items.nth(1).locator("button[value=up]").click()
    expect(page.locator(".collection-item").first).to_have_attribute(
        "data-paragraph", second
    )
    first = page.locator(".collection-item").first
    first.locator(".item-note-edit summary").click()
    first.locator("textarea").fill("Compare with the **UNODC** figures.")
    first.locator("button[value=note]").click()
    expect(page.locator(".item-note strong").first).to_have_text("UNODC")
    page.screenshot(path=str(screenshots / "collection.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Briefing (Markdown)").click()
    briefing = download.value.path().read_text(encoding="utf-8")
    assert "# Opium brief" in briefing
    assert "Compare with the **UNODC** figures." in briefing
    assert "[^1]:" in briefing

    page.goto("/?q=opium")
    page.locator("#research-menu summary").click()
    page.locator("#save-search-link").click()
    assert "a week" in page.locator("#expected-volume").inner_text()
    page.select_option("#saved-frequency", "weekly")
    page.locator("#save-search-form input[name=feed]").check()
    page.locator("#save-search-form button[type=submit]").click()
    page.wait_for_url("**/saved/*/")
    assert page.locator("#feed-url").inner_text().endswith(".atom")
    page.goto("/saved/")
    assert page.locator(".new-count").first.inner_text() == "0 new"
    page.screenshot(path=str(screenshots / "saved-searches.png"), full_page=True)


def test_coverage_map_cell_and_similar_paragraphs(page, screenshots) -> None:
    page.goto("/?q=iran")
    page.locator("#research-menu summary").click()
    page.locator("#coverage-link").click()
    page.wait_for_url("**/coverage/**")
    assert page.locator("#coverage tbody tr").count() >= 2
    page.screenshot(path=str(screenshots / "coverage.png"), full_page=True)
    cell = page.locator("#coverage tbody td a").first
    expected = cell.locator(".cell-paragraphs").inner_text()
    cell.click()
    page.wait_for_url("**/?*year=*")
    assert "country=" in page.url
    assert page.locator("#result-status").inner_text().startswith(expected)

    page.goto("/?q=opium")
    page.locator(".similar-link").first.click()
    page.wait_for_url("**/similar/**")
    assert page.locator("#similar-terms .term").count() >= 3
    assert page.locator("#similar-hits .hit").count() > 0
    page.screenshot(path=str(screenshots / "similar.png"), full_page=True)


def test_add_article_from_a_private_address_says_why(admin_page, screenshots) -> None:
    page = admin_page
    page.goto("/admin/corpus/article/add-from-text/")
    page.locator("#id_url").fill("http://192.168.1.20/internal-report")
    page.get_by_role("button", name="Read the article").click()
    error = page.locator(".errornote, .errorlist").first
    expect(error).to_contain_text("private address")
    expect(error).to_contain_text("Paste its text or upload the saved file instead.")
    page.screenshot(path=str(screenshots / "add-from-url.png"), full_page=True)
