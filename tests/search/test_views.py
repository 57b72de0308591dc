from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse

from corpus.ingest import ingest_paths
from corpus.models import Article, Paragraph
from search.index import rebuild_index, update_paragraphs

HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY_RESTORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
OPIUM_ARTICLE = "Has Iran Finally Found a Security Partner in Central Asia?"


@pytest.fixture
def seeded(db, seeds_dir: Path) -> None:
    ingest_paths(sorted(seeds_dir.glob("*.txt")), update_index=False)
    rebuild_index()


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_user(username="ed", password="x-pass-123")
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    client.force_login(editor)
    return client


def html_of(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def select(response, css: str) -> list[lxml.html.HtmlElement]:
    return html_of(response).cssselect(css)


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def params_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


# ---------------------------------------------------------------- full page vs partial


def test_search_page_plain_request_renders_full_page(analyst_client, seeded) -> None:
    response = analyst_client.get("/")
    assert response.status_code == 200
    assert select(response, "html head title")
    assert select(response, "form#search-form[method=get] input#q[name=q]")
    assert select(response, "#results-region .hit")


def test_search_page_htmx_request_renders_only_the_results_partial(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/", {"q": "opium"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert not select(response, "form#search-form")
    assert select(response, ".hit")
    assert select(response, "#result-status[hx-swap-oob]")


@pytest.mark.parametrize("headers", [{}, HTMX, HISTORY_RESTORE])
def test_search_page_varies_on_hx_request(analyst_client, seeded, headers) -> None:
    response = analyst_client.get("/", **headers)
    assert "HX-Request" in response["Vary"]


def test_search_page_history_restore_returns_the_full_page(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/", {"q": "opium"}, **HISTORY_RESTORE)
    assert select(response, "form#search-form")
    assert select(response, "html head link[rel=search]")


def test_search_page_requires_login(client, db) -> None:
    response = client.get("/", {"q": "opium"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_page_links_the_opensearch_description(analyst_client, seeded) -> None:
    article = Article.objects.first()
    for url in ("/", article.get_absolute_url(), reverse("login")):
        (link,) = select(analyst_client.get(url), "link[rel=search]")
        assert link.get("type") == "application/opensearchdescription+xml"
        assert link.get("href") == reverse("search:opensearch")


def test_every_page_links_the_icon(admin_client, seeded) -> None:
    article = Article.objects.first()
    pages = ("/", article.get_absolute_url(), "/admin/", "/admin/corpus/article/")
    for url in pages:
        (icon,) = select(admin_client.get(url), "head link[rel=icon]")
        assert icon.get("href").endswith("img/favicon.svg"), url


def test_export_menu_is_a_dropdown_panel(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "opium"})
    (menu,) = select(response, ".results-toolbar details.export.dropdown")
    assert text_of(menu.cssselect("summary")[0]) == "Export"
    (panel,) = menu.cssselect(".dropdown-panel")
    assert len(panel.cssselect("a[download]")) == 4


def test_search_page_uses_no_inline_script_or_style(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "opium", "country": "IR"})
    for script in select(response, "script"):
        assert script.get("src")
        assert not (script.text or "").strip()
    assert not select(response, "[style], style, [onclick], [hx-on]")


def test_search_page_configures_htmx_without_eval(analyst_client, seeded) -> None:
    (meta,) = select(analyst_client.get("/"), "meta[name=htmx-config]")
    config = json.loads(meta.get("content"))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["historyCacheSize"] == 0


# ---------------------------------------------------------------- the search page


def test_search_results_highlight_query_and_link_to_reader_anchor(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/", {"q": "opium"})
    first = select(response, ".hit")[0]
    (title,) = first.cssselect(".hit-title a")
    assert text_of(title) == OPIUM_ARTICLE
    assert "#p-" in title.get("href")
    marks = [text_of(mark).lower() for mark in first.cssselect(".snippet mark")]
    assert marks[0] == "opium"


def test_search_status_line_counts_paragraphs_and_articles(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/", {"q": '"near abroad"'})
    (status,) = select(response, "#result-status[aria-live=polite]")
    assert text_of(status).endswith("in 2 articles")


def test_search_without_query_browses_everything_newest_first(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/")
    (status,) = select(response, "#result-status")
    total = Paragraph.objects.count()
    assert (
        text_of(status)
        == f"Browsing all {total} paragraphs in 4 articles, newest first"
    )
    years = [text_of(year) for year in select(response, ".hit .hit-meta .year")]
    assert years == sorted(years, reverse=True)


def test_facet_sidebar_has_four_blocks(analyst_client, seeded) -> None:
    response = analyst_client.get("/")
    titles = [text_of(title) for title in select(response, ".facet .facet-title")]
    assert [title.split()[0] for title in titles] == [
        "Country",
        "Author",
        "Year",
        "Topic",
    ]


def test_facet_value_links_toggle_their_filter(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Iran"})
    iran = next(
        link
        for link in select(response, "#facet-country a.facet-value")
        if text_of(link.cssselect(".facet-label")[0]) == "Iran"
    )
    assert ("country", "IR") in params_of(iran.get("href"))
    assert ("q", "Iran") in params_of(iran.get("href"))
    assert "is-selected" not in iran.get("class")


def test_selected_facet_value_says_so_in_text(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"country": "IR"})
    (selected,) = select(response, "#facet-country a.facet-value.is-selected")
    # The tick is drawn by CSS from the class; the state is also said in text.
    assert "selected" in text_of(selected)
    assert ("country", "IR") not in params_of(selected.get("href"))


def test_two_countries_are_ored(analyst_client, seeded) -> None:
    def total(**params: object) -> int:
        response = analyst_client.get("/", params)
        return int(text_of(select(response, "#result-status")[0]).split()[0])

    iran, russia = total(country="IR"), total(country="RU")
    both = total(country=["IR", "RU"])
    assert max(iran, russia) < both <= iran + russia


def test_active_filters_show_as_removable_chips(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Iran", "country": "IR", "year": "2016"})
    chips = select(response, ".chips a.chip")
    assert len(chips) == 2
    for chip in chips:
        assert ("q", "Iran") in params_of(chip.get("href"))
    (clear,) = select(response, ".chips a.chip-clear")
    assert params_of(clear.get("href")) in ([("q", "Iran")], [])


def test_result_tags_link_to_adding_that_filter(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "opium"})
    tags = select(response, ".hit .tag-country")
    assert tags
    assert any(key == "country" for key, _ in params_of(tags[0].get("href")))


@pytest.mark.parametrize(
    "params",
    [
        {"q": "sanctions", "country": "IR"},
        # every kind of state: filters, a range, a sort, grouping and a page
        {
            "q": "Iran",
            "country": ["IR", "RU"],
            "topic": "sanctions",
            "year_from": "2016",
            "year_to": "2023",
            "sort": "oldest",
            "group": "article",
        },
        # no query: filters only
        {"country": "TM"},
    ],
)
def test_result_links_carry_the_whole_search_to_the_reader_and_back(
    analyst_client, seeded, params
) -> None:
    response = analyst_client.get("/", params)
    search = sorted(params_of(response.wsgi_request.get_full_path()))
    titles = select(response, ".hit-title a, .group-title a")
    assert titles
    for link in titles + select(response, ".hit a.para-number"):
        assert sorted(params_of(link.get("href"))) == search
    reader = analyst_client.get(titles[0].get("href"))
    (back,) = select(reader, ".reader-back a")
    assert sorted(params_of(back.get("href"))) == search
    assert urlsplit(back.get("href")).path == "/"


def test_reader_back_link_returns_to_the_same_results(analyst_client, seeded) -> None:
    search = analyst_client.get("/", {"q": "sanctions", "country": "IR"})
    link = select(search, ".hit-title a")[0].get("href")
    assert params_of(link) == [("q", "sanctions"), ("country", "IR")]
    reader = analyst_client.get(link)
    assert select(reader, ".para-text mark")
    (back,) = select(reader, ".reader-back a")
    again = analyst_client.get(back.get("href"))
    assert text_of(select(again, "#result-status")[0]) == text_of(
        select(search, "#result-status")[0]
    )


def test_context_page_links_to_the_reader_with_the_search(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/", {"q": "opium", "country": "IR"})
    (link,) = select(response, ".hit")[0].cssselect("a.context-link")
    assert params_of(link.get("href")) == [("q", "opium"), ("country", "IR")]
    page = analyst_client.get(link.get("href"))
    (more,) = select(page, ".context-more a")
    assert params_of(more.get("href")) == [("q", "opium"), ("country", "IR")]
    assert "#p-" in more.get("href")


def test_facet_counts_read_in_the_singular_and_plural(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "sanctions"})
    counts = {
        int(count.text_content().split(",")[-1].split()[0]): text_of(count)
        for count in select(response, "a.facet-value .count")
    }
    assert counts[1] == ", 1 paragraph"
    plural = max(counts)
    assert plural > 1
    assert counts[plural] == f", {plural} paragraphs"


def test_year_block_has_range_form_and_chart(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"year_from": "2017", "year_to": "2022"})
    (form,) = select(response, "#facet-year form.year-range[method=get]")
    assert form.cssselect("input[name=year_from][value='2017']")
    assert form.cssselect("label[for=year-from]")
    bars = select(response, "#facet-year svg.year-chart rect.bar")
    assert len(bars) >= 4
    assert all(float(bar.get("height")) >= 0 for bar in bars)
    assert len(select(response, "svg.year-chart rect.bar.is-selected")) >= 2


def test_sort_select_works_without_javascript(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Iran", "country": "IR"})
    (form,) = select(response, "form.sort-form[method=get]")
    hidden = {
        (i.get("name"), i.get("value")) for i in form.cssselect("input[type=hidden]")
    }
    assert {("q", "Iran"), ("country", "IR")} <= hidden
    options = [
        option.get("value") for option in form.cssselect("select[name=sort] option")
    ]
    assert options == ["relevance", "newest", "oldest"]
    assert form.cssselect("noscript")


@pytest.mark.parametrize(("sort", "descending"), [("newest", True), ("oldest", False)])
def test_sort_by_year_orders_hits_by_year(
    analyst_client, seeded, sort: str, descending: bool
) -> None:
    response = analyst_client.get("/", {"q": "Iran", "sort": sort})
    years = [text_of(year) for year in select(response, ".hit .hit-meta .year")]
    assert len(set(years)) > 1
    assert years == sorted(years, reverse=descending)


def test_pagination_links_to_next_page(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"page_size": "10"})
    (next_link,) = select(response, ".pagination a[rel=next]")
    assert ("page", "2") in params_of(next_link.get("href"))
    second = analyst_client.get(next_link.get("href"))
    assert select(second, ".pagination [aria-current=page]")[0].text_content() == "2"
    assert select(second, "ol.hits")[0].get("start") == "11"


def test_group_by_article_lists_one_entry_per_article(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Iran", "group": "article"})
    groups = select(response, "ol.groups > li.group")
    assert 1 < len(groups) <= 4
    titles = [text_of(group.cssselect(".group-title")[0]) for group in groups]
    assert len(set(titles)) == len(titles)
    (toggle,) = [
        a
        for a in select(response, ".results-toolbar a.toggle")
        if "Group" in text_of(a)
    ]
    assert "is-on" in toggle.get("class")


def test_no_results_offers_to_remove_filters(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "opium", "country": "UA"})
    (empty,) = select(response, ".empty-state")
    links = [text_of(link) for link in empty.cssselect("a")]
    assert "Remove “Ukraine”" in links
    assert "Remove all filters" in links


def test_did_you_mean_links_to_the_suggestion(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "opuim"})
    (link,) = select(response, ".suggestion a")
    assert ("q", text_of(link)) in params_of(link.get("href"))


def test_zero_hit_query_shows_its_correction_at_once(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Afganistan"})
    assert not select(response, ".empty-state")
    assert select(response, ".hit")
    (note,) = select(response, ".suggestion")
    # The correction keeps the user's capital letter.
    assert text_of(note).startswith("Showing results for Afghanistan.")
    (instead,) = note.cssselect("a")
    assert text_of(instead) == "Afganistan"
    assert ("verbatim", "1") in params_of(instead.get("href"))
    verbatim = analyst_client.get(instead.get("href"))
    assert select(verbatim, ".empty-state")
    offers = [p for p in select(verbatim, "p") if "Did you mean" in text_of(p)]
    assert len(offers) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"q": "  afghanistan   opium "},  # spaces are collapsed, as in the URL state
        {},  # "browse the whole library" empties the box
    ],
)
def test_results_partial_carries_the_query_for_the_search_box(
    analyst_client, seeded, params
) -> None:
    response = analyst_client.get("/", params, **HTMX)
    (state,) = select(response, "[data-search-q]")
    assert state.get("data-search-q") == " ".join(params.get("q", "").split())


def test_filters_link_jumps_to_the_facets_after_the_results(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/", {"q": "opium"})
    (layout,) = select(response, "#results-region .layout")
    (jump,) = layout.cssselect(".results a.filters-jump")
    assert jump.get("href") == "#facets"
    # Results come first in the document, as they do on a narrow screen.
    assert [child.tag for child in layout] == ["section", "aside"]
    assert layout[1].get("id") == "facets"


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',  # open quote
        "(Iran AND",  # open parenthesis and lone operator
        "*",  # lone wildcard
        "AND",  # lone operator
        "x" * 10_000,  # 10 KB query
        "\x00nul\x01",  # control characters
        "foo:bar",  # unknown field
    ],
)
def test_hostile_queries_render_a_page_not_an_error(analyst_client, seeded, q) -> None:
    response = analyst_client.get("/", {"q": q})
    assert response.status_code == 200
    assert select(response, "#result-status")


def test_query_syntax_problem_shows_a_friendly_message(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": '"unbalanced'})
    assert select(response, ".results .notice")


@pytest.mark.parametrize(
    "params",
    [
        {"page": "-3"},  # negative page
        {"page": "99999999999999999999"},  # huge page
        {"year": "nineteen"},  # bad year
        {"year_from": "2030", "year_to": "1990"},  # inverted range
        {"country": "ZZ"},  # unknown country
        {"sort": "sideways"},  # unknown sort
    ],
)
def test_bad_parameters_render_a_page(analyst_client, seeded, params) -> None:
    response = analyst_client.get("/", params)
    assert response.status_code == 200


def test_user_text_is_escaped_everywhere(analyst_client, seeded) -> None:
    hostile = '"><script>alert(1)</script>'
    response = analyst_client.get("/", {"q": hostile})
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    (box,) = select(response, "input#q")
    assert box.get("value") == hostile


def test_article_text_with_markup_is_inert(analyst_client, seeded) -> None:
    article = Article.objects.create(
        title="<script>alert('t')</script> Hostile", year=2020
    )
    paragraph = Paragraph.objects.create(
        article=article,
        position=1,
        heading="<b>bold</b>",
        text="Opium <img src=x onerror=alert(1)> and <script>alert(2)</script>.",
    )
    update_paragraphs([paragraph.pk])
    for url in (
        "/?q=opium&year=2020",
        f"{article.get_absolute_url()}?q=opium",
        reverse("search:context", args=[paragraph.pk]),
    ):
        response = analyst_client.get(url)
        assert response.status_code == 200
        assert not select(response, "img[onerror], b, script:not([src])"), url
        assert "&lt;img src=x onerror=alert(1)&gt;" in response.content.decode(), url


def test_show_context_link_has_plain_fallback_and_htmx_partial(
    analyst_client, seeded
) -> None:
    response = analyst_client.get("/", {"q": "opium"})
    hit = select(response, ".hit")[0]
    (link,) = hit.cssselect("a.context-link")
    # Without JavaScript the link opens the context page; app.js makes it a toggle
    # of the slot it names.
    assert link.get("href") == link.get("hx-get")
    assert hit.cssselect(f"#{link.get('data-context-toggle')}.context-slot")
    partial = analyst_client.get(link.get("hx-get"), **HTMX)
    assert "<html" not in partial.content.decode()
    items = select(partial, ".context-paragraph")
    assert 2 <= len(items) <= 3
    assert select(partial, ".context-paragraph.is-match mark")
    full = analyst_client.get(link.get("hx-get"))
    assert select(full, "html .context")
    assert "HX-Request" in partial["Vary"]


# ---------------------------------------------------------------- edit mode


def test_edit_toggle_is_hidden_from_analysts(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"edit": "1"})
    assert not [a for a in select(response, "a.toggle") if "Edit tags" in text_of(a)]
    assert not select(response, "input[name=paragraph]")


def test_edit_mode_adds_checkboxes_and_a_post_toolbar(editor_client, seeded) -> None:
    try:
        action = reverse("editor:bulk_tag")
    except NoReverseMatch:
        pytest.skip("The editor's bulk-tag endpoint is not there yet.")
    response = editor_client.get("/", {"q": "Iran", "country": "IR", "edit": "1"})
    (form,) = select(response, "form#bulk-tag-form[method=post]")
    assert form.get("action") == action
    assert form.cssselect("input[name=csrfmiddlewaretoken]")
    fields = {
        (i.get("name"), i.get("value")) for i in form.cssselect("input[type=hidden]")
    }
    assert {("q", "Iran"), ("country", "IR")} <= fields
    assert form.cssselect("input[name=all][value='1']")
    assert form.cssselect("select[name=kind]") and form.cssselect("select[name=value]")
    actions = {option.get("value") for option in form.cssselect("[name=action] option")}
    assert actions == {"add", "remove"}
    boxes = select(
        response, ".hit input[type=checkbox][name=paragraph][form=bulk-tag-form]"
    )
    assert len(boxes) == len(select(response, ".hit"))


def test_edit_toolbar_counts_first_in_place(editor_client, seeded) -> None:
    response = editor_client.get("/", {"q": "sanctions", "edit": "1"})
    (form,) = select(response, "form#bulk-tag-form")
    buttons = form.cssselect("button[type=submit]")
    # "Count first" comes first, so pressing Enter never applies a change.
    assert [text_of(button) for button in buttons] == ["Count first", "Apply"]
    count = buttons[0]
    assert (count.get("name"), count.get("value")) == ("dry_run", "1")
    assert count.get("hx-post") == form.get("action")
    assert form.cssselect(count.get("hx-target"))
    assert count.get("hx-push-url") == "false"


def test_edit_mode_survives_facet_clicks(editor_client, seeded) -> None:
    response = editor_client.get("/", {"edit": "1"})
    hidden = select(response, "input[type=hidden][form=search-form][name=edit]")
    assert hidden and hidden[0].get("value") == "1"
    link = select(response, "#facet-country a.facet-value")[0]
    assert ("edit", "1") in params_of(link.get("href"))


# ---------------------------------------------------------------- the reader


def opium_article() -> Article:
    return Article.objects.get(title=OPIUM_ARTICLE)


def test_reader_numbers_paragraphs_with_stable_anchors(analyst_client, seeded) -> None:
    article = opium_article()
    response = analyst_client.get(article.get_absolute_url())
    anchors = [div.get("id") for div in select(response, ".reader-body .para")]
    expected = [f"p-{n}" for n in range(1, article.paragraphs.count() + 1)]
    assert anchors == expected
    numbers = select(response, ".para a.para-number")
    assert numbers[6].get("href") == "#p-7"


def test_reader_highlights_query_terms(analyst_client, seeded) -> None:
    article = opium_article()
    response = analyst_client.get(article.get_absolute_url(), {"q": "opium"})
    marked = select(response, ".para-text mark")
    assert marked and all(text_of(mark).lower().startswith("opium") for mark in marked)
    (back,) = select(response, ".reader-back a")
    assert ("q", "opium") in params_of(back.get("href"))


def test_reader_copy_link_keeps_the_search_it_was_opened_with(
    analyst_client, seeded
) -> None:
    article = opium_article()
    response = analyst_client.get(
        article.get_absolute_url(), {"q": "opium", "country": "IR"}
    )
    (link,) = select(response, "#p-7 a.copy-link")
    path = article.get_absolute_url()
    assert link.get("href") == f"{path}?q=opium&country=IR#p-7"
    paragraph = article.paragraphs.get(position=7)
    assert link.get("data-copy") == (
        f"http://testserver/paragraphs/{paragraph.pk}/?q=opium&country=IR"
    )
    assert text_of(link.cssselect(".visually-hidden")[0]) == "to paragraph 7"


def test_reader_without_a_search_links_to_the_library(analyst_client, seeded) -> None:
    article = opium_article()
    response = analyst_client.get(article.get_absolute_url())
    (back,) = select(response, ".reader-back a")
    assert back.get("href") == "/"
    assert text_of(back) == "← Search the library"
    (link,) = select(response, "#p-2 a.copy-link")
    assert link.get("href") == f"{article.get_absolute_url()}#p-2"


def test_reader_shows_metadata_and_author_search_links(analyst_client, seeded) -> None:
    article = opium_article()
    response = analyst_client.get(article.get_absolute_url())
    assert text_of(select(response, "h1")[0]) == OPIUM_ARTICLE
    (author,) = select(response, ".byline a[rel=author]")
    assert text_of(author) == "Samuel Ramani"
    assert params_of(author.get("href")) == [("author", "Samuel Ramani")]
    if article.date_estimated:
        assert select(response, ".byline .estimated")
    assert select(response, ".sources code")


def test_reader_lists_tags_with_paragraph_counts(analyst_client, seeded) -> None:
    article = opium_article()
    response = analyst_client.get(article.get_absolute_url())
    countries = select(response, ".reader-tags a.tag-country")
    labels = [text_of(tag) for tag in countries]
    iran = next(label for label in labels if label.startswith("Iran "))
    count = int(iran.split()[1])
    expected = (
        article.paragraphs.filter(country_tags__country__code="IR")
        .exclude(country_tags__status="rejected")
        .count()
    )
    assert count == expected


def test_reader_lists_references(analyst_client, seeded) -> None:
    article = Article.objects.exclude(references=[]).first()
    response = analyst_client.get(article.get_absolute_url())
    assert len(select(response, ".references li")) == len(article.references)


def test_reader_unknown_article_is_404(analyst_client, seeded) -> None:
    assert analyst_client.get("/articles/999999/").status_code == 404


def test_reader_drops_unsafe_source_links(analyst_client, seeded) -> None:
    article = opium_article()
    article.source_url = "javascript:alert(1)"
    article.save()
    response = analyst_client.get(article.get_absolute_url())
    assert not select(response, "a[href^='javascript']")


def test_cite_box_partial_has_note_with_paragraph_locator(
    analyst_client, seeded
) -> None:
    article = opium_article()
    response = analyst_client.get(article.get_absolute_url())
    link = select(response, "#p-7 a.cite-link")[0]
    partial = analyst_client.get(link.get("hx-get"), **HTMX)
    assert "<html" not in partial.content.decode()
    note = text_of(select(partial, ".cite-box .cite-text")[0])
    assert "para. 7" in note
    paragraph = article.paragraphs.get(position=7)
    # The note cites the original; Refdesk's own link is offered apart from it.
    assert "/paragraphs/" not in note
    (refdesk,) = select(
        partial, f"#cite-7-permalink[href$='/paragraphs/{paragraph.pk}/']"
    )
    assert text_of(refdesk).endswith(f"/paragraphs/{paragraph.pk}/")
    codes = [text_of(pre) for pre in select(partial, ".cite-box pre")]
    assert codes[0].startswith("@misc{")
    assert codes[1].startswith("TY - ELEC")
    assert select(analyst_client.get(link.get("href")), "html .cite-box")


def test_article_citation_downloads(analyst_client, seeded) -> None:
    article = opium_article()
    bib = analyst_client.get(
        reverse("search:article_citation", args=[article.pk, "bib"])
    )
    assert bib["Content-Type"].startswith("application/x-bibtex")
    assert bib.content.decode().startswith("@misc{ramani2016")
    ris = analyst_client.get(
        reverse("search:article_citation", args=[article.pk, "ris"])
    )
    assert ris.content.decode().startswith("TY  - ELEC")
    assert (
        analyst_client.get(
            reverse("search:article_citation", args=[article.pk, "exe"])
        ).status_code
        == 404
    )


# ---------------------------------------------------------------- exports


def export_url(fmt: str) -> str:
    return reverse("search:export", kwargs={"fmt": fmt})


def test_export_links_carry_the_current_search(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Iran", "country": "IR", "page": "2"})
    links = select(response, "details.export a")
    assert [text_of(link) for link in links] == ["CSV", "JSON", "BibTeX", "RIS"]
    assert params_of(links[0].get("href")) == [("q", "Iran"), ("country", "IR")]


def test_export_csv_has_every_matching_paragraph(analyst_client, seeded) -> None:
    page = analyst_client.get("/", {"country": "IR"})
    total = int(text_of(select(page, "#result-status")[0]).split()[0])
    response = analyst_client.get(export_url("csv"), {"country": "IR"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == total > 20
    assert all("Iran" in row["countries"] for row in rows)


def test_export_json_is_capped(analyst_client, seeded, monkeypatch) -> None:
    monkeypatch.setattr("search.export.EXPORT_LIMIT", 5)
    response = analyst_client.get(export_url("json"))
    payload = json.loads(response.content)
    assert response["Content-Type"] == "application/json"
    assert payload["count"] == 5
    assert payload["truncated"] is True


def test_export_bibtex_and_ris_list_matching_articles(analyst_client, seeded) -> None:
    bib = analyst_client.get(export_url("bib"), {"q": '"near abroad"'}).content.decode()
    assert bib.count("@misc{") == 2
    ris = analyst_client.get(export_url("ris"), {"q": '"near abroad"'}).content.decode()
    assert ris.count("TY  - ELEC") == 2


def test_export_unknown_format_is_404(analyst_client, seeded) -> None:
    assert analyst_client.get(export_url("xlsx")).status_code == 404


def test_export_requires_login(client, db) -> None:
    assert client.get(export_url("csv")).status_code == 302


# ---------------------------------------------------------------- opensearch and login


def test_opensearch_description_points_at_the_results_page(analyst_client) -> None:
    response = analyst_client.get(reverse("search:opensearch"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    root = lxml.etree.fromstring(response.content)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    (url,) = root.findall("os:Url", ns)
    assert url.get("type") == "text/html"
    assert url.get("template") == "http://testserver/?q={searchTerms}"


def test_login_page_matches_the_site(client, db) -> None:
    response = client.get(reverse("login"))
    assert select(response, "header.site-header .brand")
    assert select(response, "form[method=post] label[for=id_username]")
    assert select(response, "form[method=post] label[for=id_password]")


def test_logout_is_a_post_form_in_the_header(analyst_client, seeded) -> None:
    (form,) = select(analyst_client.get("/"), "header form[method=post]")
    assert form.get("action") == reverse("logout")
    assert form.cssselect("input[name=csrfmiddlewaretoken]")


def test_edit_toolbar_posts_to_the_editor_and_comes_back(editor_client, seeded) -> None:
    response = editor_client.get("/", {"country": "TM", "edit": "1"})
    (form,) = select(response, "form#bulk-tag-form")
    fields = [
        (field.get("name"), field.get("value"))
        for field in form.cssselect("input[type=hidden]")
    ]
    first = select(response, ".hit input[name=paragraph]")[0].get("value")
    data = [*fields, ("paragraph", first), ("kind", "topic"), ("action", "add")]
    data.append(
        ("value", form.cssselect("optgroup[data-kind=topic] option")[0].get("value"))
    )
    posted = editor_client.post(form.get("action"), dict_of(data), follow=True)
    assert posted.redirect_chain[-1][0] == "/?country=TM&edit=1"
    (flash,) = select(posted, ".flash .notice")
    assert text_of(flash).startswith("1 paragraph changed")


def dict_of(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for name, value in pairs:
        merged.setdefault(name, []).append(value)
    return merged


# ---------------------------------------------------------------- error pages


def test_unknown_url_renders_the_site_404_page(
    analyst_client, seeded, settings
) -> None:
    settings.DEBUG = False
    response = analyst_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    assert select(response, "header.site-header .brand")
    (heading,) = select(response, "main h1")
    assert text_of(heading) == "Page not found"
    assert select(response, "main a[href='/']")


def test_unknown_article_renders_the_site_404_page(
    analyst_client, seeded, settings
) -> None:
    settings.DEBUG = False
    response = analyst_client.get("/articles/999999/")
    assert response.status_code == 404
    assert select(response, "header.site-header .brand")


def test_server_error_page_is_static(rf, db, django_assert_num_queries) -> None:
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = lxml.html.fromstring(response.content.decode())
    assert page.cssselect("link[rel=stylesheet][href$='css/app.css']")
    assert page.cssselect("header.site-header .brand")
    assert "Something went wrong" in text_of(page.cssselect("h1")[0])


@pytest.mark.parametrize(
    ("view", "status", "heading"),
    [
        ("permission_denied", 403, "You can’t open this page"),
        ("bad_request", 400, "Bad request"),
    ],
)
def test_other_error_pages_use_the_site_template(rf, db, view, status, heading) -> None:
    from django.core.exceptions import PermissionDenied
    from django.views import defaults

    response = getattr(defaults, view)(rf.get("/"), PermissionDenied())
    assert response.status_code == status
    page = lxml.html.fromstring(response.content.decode())
    assert page.cssselect("header.site-header .brand")
    assert text_of(page.cssselect("h1")[0]) == heading


def test_paragraph_permalink_follows_the_paragraph(analyst_client, seeded) -> None:
    article = opium_article()
    paragraph = article.paragraphs.get(position=7)
    url = reverse("search:paragraph", args=[paragraph.pk])
    response = analyst_client.get(url, {"q": "opium"})
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?q=opium#p-7"
    # A paragraph inserted above moves it down; the permalink still finds it.
    paragraphs = list(article.paragraphs.order_by("-position"))
    for moved in paragraphs:
        moved.position += 1000
        moved.save(update_fields=["position"])
    for moved in paragraphs:
        moved.position -= 999
        moved.save(update_fields=["position"])
    response = analyst_client.get(url)
    assert response["Location"] == f"{article.get_absolute_url()}#p-8"
    assert analyst_client.get(response["Location"]).status_code == 200
    gone = analyst_client.get(reverse("search:paragraph", args=[10**9]))
    assert gone.status_code == 404
