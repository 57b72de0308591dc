from __future__ import annotations

import re

import pytest

from search.management.commands.screenshot import is_htmx_response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Clipboard writes land in window.__copied instead of the system clipboard.
FAKE_CLIPBOARD = """
window.__copied = [];
Object.defineProperty(navigator, "clipboard", {
  configurable: true,
  value: {
    writeText: (text) => {
      window.__copied.push(text);
      return Promise.resolve();
    },
  },
});
"""


def box_of(locator) -> dict[str, float]:
    return locator.bounding_box()


def toolbar_button(page, name: str):
    return page.locator("#bulk-tag-form").get_by_role("button", name=name)


def test_count_first_keeps_the_selection_and_apply_uses_it(
    editor_page, screenshots
) -> None:
    page = editor_page
    page.goto("/?q=sanctions&edit=1")
    boxes = page.locator(".hit input[name=paragraph]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#edit-value").select_option("JP")
    with page.expect_response(is_htmx_response):
        toolbar_button(page, "Count first").click()
    status = page.locator("#bulk-tag-status")
    status.get_by_text("2 paragraphs would change: Japan added.").wait_for()
    assert boxes.nth(0).is_checked() and boxes.nth(1).is_checked()
    assert page.locator("#edit-value").input_value() == "JP"
    page.locator(".edit-toolbar").screenshot(path=str(screenshots / "edit-tags.png"))
    with page.expect_navigation():
        toolbar_button(page, "Apply").click()
    flash = page.locator(".flash .notice")
    assert flash.inner_text() == "2 paragraphs changed: Japan added."


def test_changing_the_selection_clears_a_count(editor_page) -> None:
    page = editor_page
    page.goto("/?q=sanctions&edit=1")
    page.locator(".hit input[name=paragraph]").first.check()
    with page.expect_response(is_htmx_response):
        toolbar_button(page, "Count first").click()
    status = page.locator("#bulk-tag-status")
    status.locator(".bulk-tag-result").wait_for()
    page.locator("#edit-action").select_option("remove")
    assert status.inner_text() == ""


def test_edit_toolbar_keeps_each_label_with_its_control(editor_page) -> None:
    page = editor_page
    page.goto("/?q=sanctions&edit=1")
    for name in ("edit-kind", "edit-value", "edit-action"):
        label = box_of(page.locator(f"label[for={name}]"))
        control = box_of(page.locator(f"#{name}"))
        assert abs(label["x"] - control["x"]) < 2, name
        assert 0 <= control["y"] - (label["y"] + label["height"]) < 12, name
    count = box_of(toolbar_button(page, "Count first"))
    apply = box_of(toolbar_button(page, "Apply"))
    assert count["y"] == apply["y"]


def test_export_menu_opens_over_the_page_and_escape_closes_it(page) -> None:
    page.goto("/?q=sanctions")
    sort_before = box_of(page.locator("#sort"))
    hit_before = box_of(page.locator(".hit").first)
    summary = page.locator("#export-menu summary")
    summary.click()
    panel = page.locator("#export-menu .dropdown-panel")
    panel.get_by_role("link", name="CSV").wait_for()
    assert box_of(page.locator("#sort")) == sort_before
    assert box_of(page.locator(".hit").first) == hit_before
    panel.get_by_role("link", name="CSV").focus()
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"


def test_show_context_is_a_toggle(page) -> None:
    page.goto("/?q=opium")
    hit = page.locator(".hit").first
    link = hit.locator("a.context-link")
    assert link.get_attribute("aria-expanded") == "false"
    with page.expect_response(is_htmx_response):
        link.click()
    context = hit.locator(".context")
    context.wait_for()
    assert link.inner_text() == "Hide context"
    assert link.get_attribute("aria-expanded") == "true"
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    link.click()
    assert not context.is_visible()
    assert link.inner_text() == "Show context"
    assert link.get_attribute("aria-expanded") == "false"
    link.click()
    assert context.is_visible()
    assert link.inner_text() == "Hide context"
    assert requests == []


def open_first_result(page, search: str) -> str:
    page.goto(search)
    href = page.locator(".hit .hit-title a").first.get_attribute("href")
    page.goto(href)
    return href


def test_copy_link_copies_the_search_and_restores_its_label(page, live_server) -> None:
    page.add_init_script(FAKE_CLIPBOARD)
    href = open_first_result(page, "/?q=opium&country=IR")
    link = page.locator(":target a.copy-link")
    label = link.inner_html()
    assert 'class="visually-hidden"' in label
    link.click()
    page.wait_for_function("() => window.__copied.length === 1")
    copied = page.evaluate("window.__copied[0]")
    # The stable link (by paragraph id), carrying the search.
    assert copied.startswith(live_server.url + "/paragraphs/")
    assert copied.endswith("/?q=opium&country=IR")
    assert page.url == live_server.url + href
    assert link.inner_text() == "Copied"
    page.wait_for_function(
        "label => document.querySelector(':target a.copy-link').innerHTML === label",
        arg=label,
    )
    assert link.locator(".visually-hidden").text_content().startswith(" to paragraph")
    # Following the copied link lands on the same paragraph of the same search.
    page.goto(copied)
    assert page.url == live_server.url + href


def test_landing_on_a_paragraph_shows_its_section_heading(page) -> None:
    href = open_first_result(page, "/?q=opium")
    # The last paragraph that opens a section: far enough down to need scrolling.
    anchor = page.evaluate(
        "() => [...document.querySelectorAll('.section-heading + .para')].pop().id"
    )
    page.goto(re.sub(r"#.*$", "", href) + "#" + anchor)
    target = page.locator(":target")
    heading = page.locator(f"#{anchor}").evaluate(
        "para => para.previousElementSibling.getBoundingClientRect().top"
    )
    assert heading >= 0
    assert page.evaluate("window.scrollY") > 0
    bar = box_of(target)
    text = box_of(target.locator(".para-text"))
    assert text["x"] - bar["x"] >= 12


def test_add_article_preview_is_a_tidy_admin_form(admin_page, screenshots) -> None:
    page = admin_page
    page.goto("/admin/corpus/article/add-from-text/")
    title = "A long title about Tehran, Moscow and the sanctions they both live under"
    page.locator("#id_text").fill(
        f"{title}\n\nTehran and Moscow talked about sanctions and pipelines.\n\n"
        "Ashgabat said little about water and the Caspian."
    )
    page.get_by_role("button", name="Read the article").click()
    page.locator(".refdesk-preview-form").wait_for()
    for name in ("title", "publication", "year"):
        label = box_of(page.locator(f"label[for=id_{name}]"))
        field = box_of(page.locator(f"#id_{name}"))
        assert abs(label["y"] - field["y"]) < 10, name
        assert field["x"] >= label["x"] + label["width"], name
    title_box = page.locator("#id_title")
    assert title_box.evaluate("box => box.scrollWidth <= box.clientWidth")
    assert box_of(title_box)["width"] >= 500
    # Every tag box sits inside its label, on the line of the label's first word.
    for choice in page.locator(".refdesk-choices label").all():
        label, tick = box_of(choice), box_of(choice.locator("input"))
        assert label["x"] <= tick["x"] and tick["y"] < label["y"] + 20
    page.screenshot(path=str(screenshots / "add-article.png"), full_page=True)
